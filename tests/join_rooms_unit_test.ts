// chat join's rooms without a server: Tab after /join offers every room the
// server listed, /part and /switch only yours; another room's lines are
// prefixed and dimmed, the current room's are not.
import assert from "node:assert/strict";
import { complete } from "../client/commands.ts";
import { EventView } from "../client/event_view.ts";
import { Renderer } from "../client/render.ts";
import type { ServerEvent } from "../protocol/events.ts";
import { ResendQueue } from "../protocol/resend_queue.ts";

/** An EventView for bob, welcomed in #lobby, then in #dev (current). */
function inLobbyAndDev(color: boolean) {
  const render = new Renderer({ me: "bob", color, time: () => "12:00", columns: 120 });
  const v = new EventView(render, new ResendQueue({ send: () => true }), "bob");
  const welcome = {
    type: "welcome",
    name: "bob",
    members: ["bob"],
    history: [],
    server: { name: "chat", version: "1" },
    room: "lobby",
    rooms: ["lobby"],
  } as Extract<ServerEvent, { type: "welcome" }>;
  v.welcome(welcome, true);
  v.entering("dev");
  v.event({ type: "room", room: "dev", topic: "", members: ["alice", "bob"], history: [] });
  return v;
}

const rooms: ServerEvent = {
  type: "rooms",
  rooms: [
    { name: "lobby", members: 9, topic: "" },
    { name: "design", members: 4, topic: "" },
    { name: "dev", members: 2, topic: "" },
    { name: "ops", members: 1, topic: "pager" },
  ],
};

Deno.test("Tab after /join and /who offers the server's rooms; after /part and /switch only yours", () => {
  const v = inLobbyAndDev(false);
  // Before any rooms list: only ours
  assert.deepEqual(complete("/join ", [], v.roomNames()), [["lobby ", "dev "], ""]);
  v.askedRooms(); // the quiet list chat join asks for at start: not shown, but kept
  assert.equal(v.event(rooms), false);
  const names = v.roomNames();
  assert.deepEqual(complete("/join ", [], names), [["lobby ", "dev ", "design ", "ops "], ""]);
  assert.deepEqual(complete("/join d", [], names), [["dev ", "design "], "d"]);
  assert.deepEqual(complete("/join #O", [], names), [["ops "], "#O"]);
  assert.deepEqual(complete("/who o", [], names), [["ops "], "o"]);
  assert.deepEqual(complete("/names de", [], names), [["dev ", "design "], "de"]);
  assert.deepEqual(complete("/part ", [], names), [["lobby ", "dev "], ""]);
  assert.deepEqual(complete("/switch o", [], names), [[], "o"]);
  assert.deepEqual(complete("/s d", [], names), [["dev "], "d"]);
  // a later /rooms (shown this time) replaces the list
  assert.ok(v.event({ type: "rooms", rooms: [{ name: "qa", members: 1, topic: "" }] }));
  assert.deepEqual(complete("/join ", [], v.roomNames()), [["lobby ", "dev ", "qa "], ""]);
  // /msg completes member names, not rooms
  assert.deepEqual(complete("/msg d", ["dana"], v.roomNames()), [["dana "], "d"]);
});

Deno.test("a line from another room is prefixed and dimmed; the current room's is not", () => {
  const v = inLobbyAndDev(true);
  const message = (room: string, text: string): ServerEvent => ({
    type: "message",
    room,
    seq: 1,
    ts: "2026-12-01T12:00:00.000Z",
    from: "alice",
    text,
  });
  const DIM = "\x1b[2m", END = "\x1b[0m";
  const other = v.event(message("lobby", "from the lobby"));
  assert.ok(other);
  assert.deepEqual(other.lines, [
    `${DIM}[#lobby] ${END}${DIM}12:00${END} ${DIM}alice${END}: ${DIM}from the lobby${END}`,
  ]);
  const here = v.event(message("dev", "from dev"));
  assert.ok(here);
  // only the time is dim; the name has its colour, the text none
  assert.deepEqual(here.lines, [`${DIM}${END}${DIM}12:00${END} \x1b[96malice${END}: from dev`]);
  assert.equal(v.prompt(), "bob #dev [lobby 1]> ");
});
