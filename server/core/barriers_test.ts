import assert from "node:assert/strict";
import { BARRIER_MS, Barriers } from "./barriers.ts";
import { Room } from "./room.ts";
import type { Member } from "./room.ts";

const member = { name: "bob" } as unknown as Member;
const room = new Room("lobby");

Deno.test("after a refusal: later messages refused; the resend goes, what follows it is held, then posted once it is stored", () => {
  let now = 0;
  const b = new Barriers({ now: () => now });
  assert.equal(b.admit(member, room, "m1"), "go");
  assert.deepEqual(b.refused(member, room, "m1"), []);
  assert.equal(b.admit(member, room, "m2"), "refuse", "a later line may not overtake m1");
  assert.equal(b.admit(member, room, "m1"), "go", "the resend of m1 goes");
  const posted: string[] = [];
  assert.equal(b.admit(member, room, "m2"), "hold");
  b.hold(member, room, { ref: "r2", id: "m2", post: () => posted.push("m2") });
  // m1 fails again: m2 is refused with it (the client retries both, in order).
  assert.deepEqual(b.refused(member, room, "m1").map((h) => h.ref), ["r2"]);
  assert.equal(b.admit(member, room, "m2"), "refuse");
  assert.equal(b.admit(member, room, "m1"), "go");
  assert.equal(b.admit(member, room, "m2"), "hold");
  b.hold(member, room, { ref: "r2", id: "m2", post: () => posted.push("m2") });
  for (const h of b.stored(member, room, "m1")) h.post();
  assert.deepEqual(posted, ["m2"]);
  assert.equal(b.admit(member, room, "m3"), "go", "the barrier is gone");
  // A client that never resends is held back for BARRIER_MS at most.
  b.refused(member, room, "x");
  now += BARRIER_MS + 1;
  assert.equal(b.admit(member, room, "y"), "go");
});

Deno.test("once the refused one is stored, the lines refused behind it still go before a line that was on its way", () => {
  // The pipe test's 15-before-6: 5..13 refused behind 4, 4 resent and
  // stored, then 14 (read by the paced server before the resends of 5..13).
  const b = new Barriers({ now: () => 0 });
  assert.equal(b.admit(member, room, "m4"), "go");
  b.refused(member, room, "m4");
  assert.equal(b.admit(member, room, "m5"), "refuse");
  assert.equal(b.admit(member, room, "m6"), "refuse");
  assert.equal(b.admit(member, room, "m4"), "go", "the resend of m4");
  assert.deepEqual(b.stored(member, room, "m4"), []);
  assert.equal(b.admit(member, room, "m14"), "refuse", "m14 may not overtake m5 and m6");
  assert.equal(b.admit(member, room, "m5"), "go");
  assert.equal(b.admit(member, room, "m6"), "go");
  assert.equal(b.admit(member, room, "m14"), "go", "its resend, after them");
  assert.equal(b.admit(member, room, "m15"), "go", "the barrier is gone");
  // What was held behind a resend goes when it is stored, even while others are awaited.
  b.refused(member, room, "a1");
  assert.equal(b.admit(member, room, "a2"), "refuse");
  assert.equal(b.admit(member, room, "a3"), "refuse");
  assert.equal(b.admit(member, room, "a1"), "go");
  assert.equal(b.admit(member, room, "a2"), "hold");
  const posted: string[] = [];
  b.hold(member, room, { ref: "r", id: "a2", post: () => posted.push("a2") });
  for (const h of b.stored(member, room, "a1")) h.post();
  assert.deepEqual(posted, ["a2"]);
  assert.equal(b.admit(member, room, "a4"), "refuse", "a3 is still awaited");
  assert.equal(b.admit(member, room, "a3"), "go");
  assert.equal(b.admit(member, room, "a4"), "go");
});
