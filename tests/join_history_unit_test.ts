import assert from "node:assert/strict";
import { complete, helpLines, parseInput } from "../client/commands.ts";
import { EventView } from "../client/event_view.ts";
import type { HistoryState } from "../client/history_commands.ts";
import { Renderer, when } from "../client/render.ts";
import type { ChatMessage, ServerEvent } from "../protocol/events.ts";
import { ResendQueue } from "../protocol/resend_queue.ts";

// The terminal client's /history, /older, /search, /edit, /delete, /seqs:
// typed commands, what they show, what they keep. No sockets, no terminal.

const ts = "2026-01-01T12:00:00Z";
const msg = (seq: number, from: string, text: string, extra: Partial<ChatMessage> = {}) => ({
  type: "message" as const,
  room: "lobby",
  seq,
  ts,
  from,
  text,
  ...extra,
});

function view(): EventView {
  const v = new EventView(
    new Renderer({ me: "bob", color: false, time: () => "12:00" }),
    new ResendQueue({ send: () => true }),
    "bob",
  );
  v.welcome({
    type: "welcome",
    name: "bob",
    members: ["bob", "alice"],
    history: [msg(1, "alice", "hi"), msg(2, "bob", "helo")],
    server: { name: "chat", version: "0" },
    room: "lobby",
    rooms: ["lobby"],
    epoch: "e1",
  }, true);
  return v;
}

/** What a `withState` action becomes against `state`. */
function resolve(line: string, state: HistoryState, current = "lobby") {
  const a = parseInput(line, current);
  return a.kind === "withState" ? a.run(state) : a;
}

const lines = (r: ReturnType<EventView["event"]>) => (r ? r.lines : []);

Deno.test("/edit SEQ TEXT, /delete SEQ and /search become their JSON events; #34 or 34", () => {
  assert.deepEqual(parseInput("/edit #34 fixed  the typo", "dev"), {
    kind: "send",
    event: { type: "edit", room: "dev", seq: 34, text: "fixed  the typo" },
  });
  assert.deepEqual(parseInput("/edit 34 x", "dev"), {
    kind: "send",
    event: { type: "edit", room: "dev", seq: 34, text: "x" },
  });
  assert.deepEqual(parseInput("/delete #7", "dev"), {
    kind: "send",
    event: { type: "delete", room: "dev", seq: 7 },
  });
  assert.deepEqual(parseInput("/search deploy friday", "dev"), {
    kind: "send",
    event: { type: "search", query: "deploy friday", limit: 20 },
  });
  assert.deepEqual(parseInput("/search #ops deploy", "dev"), {
    kind: "send",
    event: { type: "search", room: "ops", query: "deploy", limit: 20 },
  });
  for (
    const bad of ["/delete x", "/delete 3 4", "/edit 34", "/history 0", "/history 201", "/seqs x"]
  ) {
    assert.equal(parseInput(bad, "dev").kind, "usage", bad);
  }
  assert.match((parseInput("/edit 34", "dev") as { message: string }).message, /\/edit 34 TEXT/);
  assert.equal(parseInput("/history", undefined).kind, "usage");
});

Deno.test("/edit alone edits your newest message the client knows: from acks and histories", () => {
  const v = view();
  const state = v.revisions;
  assert.deepEqual(resolve("/edit hello", state), {
    kind: "send",
    event: { type: "edit", room: "lobby", seq: 2, text: "hello" },
  });
  // An ack of ours gives it its seq.
  const outbox = new ResendQueue({ send: () => true });
  const v2 = new EventView(new Renderer({ me: "bob", color: false }), outbox, "bob");
  v2.welcome({
    type: "welcome",
    name: "bob",
    members: ["bob"],
    history: [],
    server: { name: "chat", version: "0" },
    room: "lobby",
  }, true);
  const sent = outbox.add({ type: "say", room: "lobby", text: "first try" });
  v2.event({ type: "ack", room: "lobby", ref: sent.ref, seq: 9 });
  assert.equal(v2.revisions.lastOwn("lobby"), 9);
  assert.equal(v2.revisions.own.find("LOBBY", 9)?.text, "first try");
  // Deleted: the one before it is the newest again.
  v.event({ type: "delete", room: "lobby", seq: 2, ts, by: "bob" });
  const none = resolve("/edit hello", state);
  assert.equal(none.kind, "usage");
  assert.match((none as { message: string }).message, /\/history shows the numbers/);
  // Another room's are its own.
  assert.equal(resolve("/edit x", state, "dev").kind, "usage");
});

Deno.test("Tab after /edit fills in your last message's number and text, or #SEQ's text", () => {
  const own = (seq?: number) =>
    seq === undefined || seq === 2 ? { seq: 2, text: "helo wrld" } : undefined;
  assert.deepEqual(complete("/edit ", [], [], undefined, own), [["2 helo wrld"], ""]);
  assert.deepEqual(complete("/edit #2", [], [], undefined, own), [["2 helo wrld"], "#2"]);
  assert.deepEqual(complete("/edit 2 ", [], [], undefined, own), [["helo wrld"], ""]);
  // Someone else's (unknown) number, or text being typed: names as usual.
  assert.deepEqual(complete("/edit 5 ", ["alice"], [], undefined, own), [[], ""]);
  assert.deepEqual(complete("/edit 2 al", ["alice"], [], undefined, own), [["alice "], "al"]);
  assert.deepEqual(complete("/ed", []), [["/edit "], "/ed"]);
  assert.deepEqual(complete("/hi", []), [["/history "], "/hi"]);
  const help = helpLines().join("\n");
  for (const c of ["/history [N]", "/older [N]", "/search [#ROOM] TEXT", "/edit [SEQ] TEXT"]) {
    assert.ok(help.includes(c), c);
  }
  assert.match(help, /\/delete SEQ +delete your message/);
  assert.match(help, /\/seqs \[on\|off\] +show/);
  // Everyone's /help fits a 30-row terminal: the operators' commands are for operators.
  const short = helpLines({ operator: false });
  assert.ok(short.length <= 26, short.join("\n"));
  assert.ok(!short.some((l) => l.includes("/kick")) && short.some((l) => l.includes("/op first")));
});

Deno.test("edited and deleted messages are marked; /seqs puts the #seq on every line", () => {
  const r = new Renderer({ me: "bob", color: false, time: () => "12:00" });
  assert.deepEqual(r.message(msg(3, "alice", "fixed", { edited: ts })).lines, [
    "12:00 alice: fixed (edited)",
  ]);
  assert.deepEqual(r.message(msg(4, "alice", "", { deleted: true })).lines, [
    "12:00 alice: (deleted)",
  ]);
  assert.deepEqual(r.message(msg(5, "alice", "x"), "dev").lines, ["[#dev] 12:00 alice: x"]);
  r.options.seqs = true;
  assert.deepEqual(r.message(msg(5, "alice", "x"), "dev").lines, ["[#dev] 12:00 #5 alice: x"]);
  const edit: ServerEvent = { type: "edit", room: "dev", seq: 5, ts, from: "alice", text: "y" };
  assert.deepEqual(r.event(edit, "dev")!.lines, ["[#dev] 12:00 * alice edited #5: y"]);
  assert.deepEqual(r.event({ type: "delete", room: "lobby", seq: 5, ts, by: "op" })!.lines, [
    "12:00 * op deleted #5",
  ]);
  const now = new Date(2026, 0, 2, 9, 0);
  assert.equal(when(new Date(2026, 0, 2, 8, 5).toISOString(), now), "08:05");
  assert.equal(when(new Date(2025, 11, 31, 23, 5).toISOString(), now), "2025-12-31 23:05");
});

Deno.test("/history pages: numbered lines, then /older asks before the first one shown", () => {
  const v = view();
  const state = v.revisions;
  const first = resolve("/history 2", state);
  assert.equal(first.kind, "send");
  const asked = (first as { event: { ref: string; before?: number } }).event;
  assert.equal(asked.before, undefined);
  const shown = lines(v.event({
    type: "history",
    room: "lobby",
    messages: [msg(5, "alice", "five", { edited: ts }), msg(6, "bob", "", { deleted: true })],
    more: true,
    ref: asked.ref,
  }));
  assert.deepEqual(shown, [
    "12:00 * Last 2 messages in #lobby:",
    "12:00 #5 alice: five (edited)",
    "12:00 #6 bob: (deleted)",
    "12:00 * End of history; /older shows earlier ones.",
  ]);
  const older = resolve("/older", state) as { event: { ref: string; before?: number } };
  assert.equal(older.event.before, 5);
  const more = lines(v.event({
    type: "history",
    room: "lobby",
    messages: [msg(4, "alice", "four")],
    more: false,
    ref: older.event.ref,
  }));
  assert.equal(more[0], "12:00 * 1 earlier message in #lobby:");
  assert.equal(more.at(-1), "12:00 * End of history: nothing older.");
  assert.deepEqual(resolve("/older", state), {
    kind: "notice",
    text: "nothing in #lobby is older than #4: that was the start of its history",
  });
});

Deno.test("search results show room, #seq, day and sender, newest first; nothing found says so", () => {
  const v = view();
  const out = lines(v.event({
    type: "results",
    query: "cafe",
    messages: [msg(9, "alice", "Café?", { room: "dev" }), msg(2, "bob", "cafe")],
  }));
  assert.deepEqual(out, [
    '12:00 * 2 messages match "cafe", newest first:',
    "[#dev] 12:00 #9 alice: Café?",
    "[#lobby] 12:00 #2 bob: cafe",
    "12:00 * End of search.",
  ]);
  assert.deepEqual(lines(v.event({ type: "results", query: "caf", messages: [] })), [
    '12:00 * nothing matches "caf" (search finds whole words)',
  ]);
});

Deno.test("/seqs switches the numbers on and off", () => {
  const v = view();
  const on = resolve("/seqs", v.revisions);
  assert.equal(on.kind, "notice");
  assert.equal(v.render.options.seqs, true);
  resolve("/seqs on", v.revisions);
  assert.equal(v.render.options.seqs, true);
  resolve("/seqs off", v.revisions);
  assert.equal(v.render.options.seqs, false);
});
