import assert from "node:assert/strict";
import { complete, helpLines, parseInput } from "../client/commands.ts";
import { EventView } from "../client/event_view.ts";
import { Renderer } from "../client/render.ts";
import type { ServerEvent } from "../protocol/events.ts";
import { ResendQueue } from "../protocol/resend_queue.ts";

// The terminal client's moderation: typed commands, and what it shows. No sockets, no terminal.

const send = (event: unknown, secret?: true) =>
  secret ? { kind: "send", event, secret } : { kind: "send", event };

Deno.test("operator commands typed at the prompt become their JSON events", () => {
  assert.deepEqual(
    parseInput("/op  open sesame "),
    send({ type: "op", password: "open sesame" }, true),
  );
  assert.deepEqual(parseInput("/op"), { kind: "op" });
  assert.deepEqual(parseInput("/kick bob"), send({ type: "kick", name: "bob" }));
  assert.deepEqual(
    parseInput("/kick bob  spamming  the room"),
    send({ type: "kick", name: "bob", reason: "spamming  the room" }),
  );
  assert.deepEqual(parseInput("/unban 10.0.0.0/8"), send({ type: "unban", target: "10.0.0.0/8" }));
  assert.deepEqual(parseInput("/BANS"), send({ type: "bans" }));
  assert.deepEqual(parseInput("/mute bob"), send({ type: "mute", name: "bob" }));
  assert.deepEqual(
    parseInput("/mute bob 10m"),
    send({ type: "mute", name: "bob", duration: "10m" }),
  );
  assert.deepEqual(parseInput("/unmute bob"), send({ type: "unmute", name: "bob" }));
  assert.deepEqual(parseInput("/unreserve bob"), send({ type: "unreserve", name: "bob" }));
  assert.deepEqual(
    parseInput("/unreserve bob  left the team"),
    send({ type: "unreserve", name: "bob", reason: "left the team" }),
  );
});

Deno.test("a ban's second word is its duration when it looks like one, else the reason starts", () => {
  assert.deepEqual(parseInput("/ban bob"), send({ type: "ban", target: "bob" }));
  assert.deepEqual(
    parseInput("/ban bob 12h"),
    send({ type: "ban", target: "bob", duration: "12h" }),
  );
  assert.deepEqual(
    parseInput("/ban 10.0.0.0/8 7d open proxy"),
    send({ type: "ban", target: "10.0.0.0/8", duration: "7d", reason: "open proxy" }),
  );
  assert.deepEqual(
    parseInput("/ban bob spamming again"),
    send({ type: "ban", target: "bob", reason: "spamming again" }),
  );
  // A mistyped duration is refused, not taken as a reason (the ban would be for ever).
  for (const line of ["/ban bob 2w spam", "/ban bob 10 spam", "/ban bob 90min"]) {
    const a = parseInput(line);
    assert.equal(a.kind, "usage", line);
    assert.match((a as { message: string }).message, /DURATION is a number and s, m, h or d/);
    assert.match((a as { message: string }).message, /usage: \/ban NAME\|ADDRESS\|CIDR/);
  }
});

Deno.test("/lock and /unlock default to the current room; bad input gets the usage", () => {
  assert.deepEqual(parseInput("/lock", "dev"), send({ type: "lock", room: "dev", locked: true }));
  assert.deepEqual(
    parseInput("/unlock #ops", "dev"),
    send({ type: "lock", room: "ops", locked: false }),
  );
  assert.deepEqual(parseInput("/lock"), {
    kind: "usage",
    message: "you are in no room: /lock ROOM says which",
  });
  assert.deepEqual(parseInput("/kick"), { kind: "usage", message: "usage: /kick NAME [REASON]" });
  assert.deepEqual(parseInput("/ban"), {
    kind: "usage",
    message: "usage: /ban NAME|ADDRESS|CIDR [DURATION] [REASON]",
  });
  assert.deepEqual(parseInput("/unban a b"), {
    kind: "usage",
    message: "only one TARGET please; usage: /unban TARGET",
  });
  assert.deepEqual(parseInput("/mute bob 10m because"), {
    kind: "usage",
    message: "a mute has no reason; usage: /mute NAME [DURATION]",
  });
  assert.equal(parseInput("/mute bob soon").kind, "usage");
  assert.equal(parseInput("/bans all").kind, "usage");
});

Deno.test("/help lists the operator commands apart; Tab completes them, and rooms after /lock", () => {
  const help = helpLines();
  const at = help.indexOf("Operators (after /op):");
  assert.ok(at > help.findIndex((l) => l.includes("/nick NEW")), help.join("\n"));
  for (
    const c of ["/op [PASSWORD]", "/kick NAME [REASON]", "/ban NAME|ADDRESS|CIDR", "/unreserve"]
  ) {
    assert.ok(help.slice(at).some((l) => l.includes(c)), c);
  }
  const ops = help.slice(at, -1);
  assert.ok(ops.every((l) => l.length <= 80), ops.find((l) => l.length > 80));
  assert.deepEqual(complete("/ki", []), [["/kick "], "/ki"]);
  assert.deepEqual(complete("/un", [])[0], ["/unban ", "/unmute ", "/unlock ", "/unreserve "]);
  assert.deepEqual(complete("/lock d", [], ["dev", "ops"]), [["dev "], "d"]);
  assert.deepEqual(complete("/kick b", ["bob", "alice"]), [["bob "], "b"]);
});

/** An EventView for `me`, joined to #lobby with `members` (and `ops`). */
function view(me: string, members: string[], ops?: string[]) {
  const render = new Renderer({ me, color: false, time: () => "12:00", columns: 120 });
  const v = new EventView(render, new ResendQueue({ send: () => true }), me);
  const welcome: ServerEvent = {
    type: "welcome",
    name: me,
    members,
    history: [],
    server: { name: "chat", version: "1" },
    room: "lobby",
    rooms: ["lobby"],
  };
  if (ops) welcome.ops = ops;
  const lines = v.welcome(welcome as Extract<ServerEvent, { type: "welcome" }>, true);
  const show = (e: ServerEvent) => {
    const r = v.event(e);
    return r ? r.lines : r;
  };
  return { v, lines, show };
}

Deno.test("operators are marked in the welcome and in /who; a new one is told to the room", () => {
  const { v, lines, show } = view("carol", ["alice", "bob", "carol"], ["alice"]);
  assert.deepEqual(lines, [
    "12:00 * Welcome, carol! 3 online: alice (op), bob, carol. Type /help for commands.",
  ]);
  // Not an answer to /who: the server says bob became an operator.
  assert.deepEqual(
    show({
      type: "members",
      room: "lobby",
      names: ["alice", "bob", "carol"],
      ops: ["alice", "bob"],
    }),
    ["12:00 * bob is now an operator"],
  );
  v.askedWho();
  assert.deepEqual(
    show({
      type: "members",
      room: "lobby",
      names: ["alice", "bob", "carol"],
      ops: ["alice", "bob"],
    }),
    ["12:00 * 3 online: alice (op), bob (op), carol"],
  );
  // Ourselves: the server's notice says it.
  assert.equal(
    show({ type: "members", room: "lobby", names: ["alice", "bob", "carol"], ops: ["carol"] }),
    null,
  );
});

Deno.test("moderation events, bans lists and the quiet leave of a kicked member", () => {
  const { show } = view("carol", ["alice", "bob", "carol"], ["alice"]);
  assert.deepEqual(
    show({ type: "moderation", action: "kick", target: "bob", by: "alice", reason: "spamming" }),
    ["12:00 * bob was kicked by alice: spamming"],
  );
  // The moderation line said it: the leave it causes shows nothing more.
  assert.equal(
    show({ type: "leave", room: "lobby", ts: "", name: "bob", reason: "kicked" }),
    null,
  );
  // A member who left after an address ban is still told of.
  assert.deepEqual(
    show({ type: "moderation", action: "ban", target: "10.0.0.7", by: "alice" }),
    ["12:00 * 10.0.0.7 was banned by alice"],
  );
  assert.deepEqual(
    show({ type: "leave", room: "lobby", ts: "", name: "dave", reason: "kicked" }),
    ["12:00 * dave left (kicked)"],
  );
  assert.deepEqual(
    show({
      type: "moderation",
      action: "mute",
      target: "erin",
      by: "alice",
      until: "2026-12-01T15:00:00.000Z",
    }),
    ["12:00 * erin was muted by alice until 2026-12-01 15:00 UTC"],
  );
  assert.deepEqual(
    show({
      type: "bans",
      bans: [{ target: "bob", by: "alice", reason: "spam" }, { target: "10.0.0.0/8", by: "al" }],
    }),
    ["12:00 * Bans: bob (by alice: spam), 10.0.0.0/8 (by al)"],
  );
  assert.deepEqual(show({ type: "bans", bans: [] }), ["12:00 * No bans."]);
});

Deno.test("a lock is shown in its room, and /topic says the room is locked", () => {
  const { v, show } = view("carol", ["alice", "carol"]);
  show({
    type: "room",
    room: "dev",
    topic: "release",
    members: ["alice", "carol"],
    history: [],
    locked: true,
  });
  assert.deepEqual(
    show({ type: "moderation", action: "unlock", target: "dev", by: "alice", room: "dev" }),
    ["[#dev] 12:00 * #dev was unlocked by alice"],
  );
  assert.equal(v.moderation.ops.locked("dev"), false);
  show({ type: "moderation", action: "lock", target: "dev", by: "alice", room: "dev" });
  v.rooms.switchTo("dev");
  assert.deepEqual(v.topicLines(), [
    "12:00 * Topic of #dev: release (locked: only operators can change it)",
  ]);
});

Deno.test("errors of moderation say what to do", () => {
  const { show } = view("bob", ["bob"]);
  assert.deepEqual(
    show({ type: "error", code: "not_operator", message: "only operators can do that" }),
    ["! only operators can do that: /op PASSWORD first (not_operator)"],
  );
  // The server's own words are kept when they say it already.
  assert.deepEqual(
    show({ type: "error", code: "not_operator", message: "only operators can: /op PASSWORD" }),
    ["! only operators can: /op PASSWORD (not_operator)"],
  );
  assert.deepEqual(
    show({ type: "error", code: "muted", message: "you are muted by alice", ref: "r1" }),
    ["! you are muted by alice: your message was not sent (muted)"],
  );
});

Deno.test("being kicked is told once, in the second person, and remembered for the close", () => {
  const { v, show } = view("bob", ["alice", "bob"], ["alice"]);
  assert.deepEqual(
    show({ type: "moderation", action: "kick", target: "Bob", by: "alice", reason: "calm down" }),
    ["! You were kicked by alice: calm down"],
  );
  assert.equal(v.moderation.removed?.action, "kick");
  assert.equal(v.moderation.removed?.by, "alice");
  const again = view("bob", ["alice", "bob"]);
  again.show({
    type: "moderation",
    action: "ban",
    target: "bob",
    by: "alice",
    until: "2026-12-01T15:00:00Z",
    reason: "spam",
  });
  assert.equal(again.v.moderation.removed?.action, "ban");
});

Deno.test("an operator who reconnects is told it is one no longer", () => {
  const { v, show } = view("alice", ["alice"]);
  show({ type: "notice", text: "You are now an operator." });
  assert.equal(v.moderation.ops.isOperator("alice", true), true);
  const lines = v.welcome({
    type: "welcome",
    name: "alice",
    members: ["alice"],
    history: [],
    server: { name: "chat", version: "1" },
    room: "lobby",
    rooms: ["lobby"],
  }, false);
  assert.equal(lines.at(-1), "12:00 * you are no longer an operator here: /op again");
});
