import assert from "node:assert/strict";
import type { ServerEvent } from "./events.ts";
import { moderationErrorText, OpTracker, removal, removalText } from "./op_tracker.ts";

const welcome = (ops?: string[]): ServerEvent => ({
  type: "welcome",
  name: "carol",
  members: ["alice", "bob", "carol"],
  history: [],
  server: { name: "chat", version: "1" },
  room: "lobby",
  rooms: ["lobby", "dev"],
  ...(ops ? { ops } : {}),
});

Deno.test("operators come from welcome, room and members, by room, any case; a nick moves them", () => {
  const t = new OpTracker();
  t.take(welcome(["Alice"]));
  assert.equal(t.isOp(undefined, "alice"), true);
  assert.equal(t.isOp("lobby", "ALICE"), true);
  assert.equal(t.isOp("dev", "alice"), false);
  t.take({ type: "room", room: "dev", topic: "", members: ["bob"], history: [], ops: ["bob"] });
  assert.equal(t.isOp("#dev", "bob"), true);
  assert.equal(t.isOperator("bob"), true);
  t.take({ type: "members", room: "dev", names: ["bob"] });
  assert.equal(t.isOp("dev", "bob"), false, "a members event without ops: none");
  t.take({ type: "nick", ts: "", from: "alice", to: "alicia" });
  assert.equal(t.isOp("lobby", "alicia"), true);
  assert.equal(t.isOp("lobby", "alice"), false);
  t.take({ type: "leave", room: "lobby", ts: "", name: "alicia", reason: "quit" });
  assert.equal(t.isOperator("alicia"), false);
  t.take(welcome());
  assert.equal(t.isOperator("bob"), false, "a new connection starts over");
});

Deno.test("we are an operator once the server says so, until the next welcome", () => {
  const t = new OpTracker();
  t.take(welcome());
  assert.equal(t.isOperator("carol", true), false);
  t.take({ type: "notice", text: "You are now an operator." });
  assert.equal(t.isOperator("carol", true), true);
  assert.equal(t.isOperator("carol"), false, "only for ourselves");
  t.take(welcome());
  assert.equal(t.isOperator("carol", true), false);
});

Deno.test("locks come from the room event and lock/unlock moderation", () => {
  const t = new OpTracker();
  t.take(welcome());
  t.take({ type: "room", room: "dev", topic: "", members: [], history: [], locked: true });
  assert.equal(t.locked("dev"), true);
  assert.equal(t.locked("lobby"), false);
  t.take({ type: "moderation", action: "unlock", target: "dev", by: "alice", room: "dev" });
  assert.equal(t.locked("DEV"), false);
  t.take({ type: "moderation", action: "lock", target: "lobby", by: "alice", room: "lobby" });
  assert.equal(t.locked(undefined), true, "no room: the default one");
  t.forget("lobby");
  assert.equal(t.locked("lobby"), false);
});

Deno.test("a kicked name's leaves count as told for 10 s", () => {
  let now = 1000;
  const t = new OpTracker(() => now);
  t.take(welcome());
  t.take({ type: "moderation", action: "kick", target: "Bob", by: "alice" });
  assert.equal(t.justRemoved("bob"), true);
  now += 10_001;
  assert.equal(t.justRemoved("bob"), false);
});

Deno.test("our own kick or ban is found, and said in the second person", () => {
  const kick: ServerEvent = { type: "moderation", action: "kick", target: "Carol", by: "alice" };
  assert.deepEqual(removal(kick, "carol"), kick);
  assert.equal(removal(kick, "bob"), null);
  assert.equal(removal({ ...kick, action: "mute" }, "carol"), null);
  assert.equal(removalText({ ...kick, reason: "spam" }), "You were kicked by alice: spam");
  assert.equal(
    removalText({ ...kick, action: "ban", until: "2026-12-01T15:00:00.000Z" }),
    "You were banned by alice until 2026-12-01 15:00 UTC",
  );
  assert.equal(
    removal({ type: "leave", room: "dev", ts: "", name: "carol", reason: "kicked" }, "carol")
      ?.action,
    "kick",
  );
});

Deno.test("errors of moderation say what to do, keeping the server's words when they do", () => {
  assert.equal(moderationErrorText("not_operator", "no"), "no: /op PASSWORD first");
  assert.equal(moderationErrorText("not_operator", "no: /op PASSWORD"), "no: /op PASSWORD");
  assert.equal(
    moderationErrorText("muted", "you are muted"),
    "you are muted: your message was not sent",
  );
  assert.equal(
    moderationErrorText("muted", "you are muted by alice: you cannot change your name"),
    "you are muted by alice: you cannot change your name",
    "a refused rename is not called a message",
  );
  assert.equal(moderationErrorText("bad_name", "x"), null);
});
