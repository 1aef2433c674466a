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
  b.hold(member, room, { ref: "r2", post: () => posted.push("m2") });
  // m1 fails again: m2 is refused with it (the client retries both, in order).
  assert.deepEqual(b.refused(member, room, "m1").map((h) => h.ref), ["r2"]);
  assert.equal(b.admit(member, room, "m2"), "refuse");
  assert.equal(b.admit(member, room, "m1"), "go");
  assert.equal(b.admit(member, room, "m2"), "hold");
  b.hold(member, room, { ref: "r2", post: () => posted.push("m2") });
  for (const h of b.stored(member, room, "m1")) h.post();
  assert.deepEqual(posted, ["m2"]);
  assert.equal(b.admit(member, room, "m3"), "go", "the barrier is gone");
  // A client that never resends is held back for BARRIER_MS at most.
  b.refused(member, room, "x");
  now += BARRIER_MS + 1;
  assert.equal(b.admit(member, room, "y"), "go");
});
