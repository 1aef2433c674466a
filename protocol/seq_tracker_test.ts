import assert from "node:assert/strict";
import { SeqTracker } from "./seq_tracker.ts";

Deno.test("the seq tracker drops replayed duplicates and notices a fresh server", () => {
  const t = new SeqTracker();
  assert.equal(t.since, undefined);
  assert.equal(t.judge(1, true), "show");
  assert.equal(t.judge(2, true), "show");
  t.joined();
  assert.equal(t.since, 2);
  assert.equal(t.judge(3, false), "show");
  // after a reconnect the server replays from since: anything old is a duplicate
  assert.equal(t.judge(3, true), "duplicate");
  assert.equal(t.judge(4, true), "show");
  assert.equal(t.since, 4);
  // a live seq going back means the server started over with a fresh history
  assert.equal(t.judge(1, false), "restarted");
  assert.equal(t.since, 1);
  assert.equal(t.judge(2, false), "show");
});

Deno.test("a resumed connection to a server that kept its history goes on without a gap", () => {
  const t = new SeqTracker();
  t.judge(1, false);
  t.judge(2, false);
  t.joined();
  // resumed with since=2: the history replays nothing old; live messages go on from 3
  assert.equal(t.judge(3, true), "show");
  assert.equal(t.judge(4, false), "show");
  assert.equal(t.last, 4);
});
