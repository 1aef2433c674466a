import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import { FailureThrottle } from "./failure_throttle.ts";

Deno.test("three failures are answered at once, then each attempt waits twice as long", () => {
  const clock = new FakeClock();
  const t = new FailureThrottle(clock);
  const waits: number[] = [];
  for (let i = 0; i < 9; i++) {
    const w = t.reserve("198.51.100.1");
    waits.push(w);
    clock.advance(w);
    t.fail("198.51.100.1");
  }
  assert.deepEqual(waits, [0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000]);
  assert.equal(t.failures("198.51.100.1"), 9);
});

Deno.test("another address is not slowed, and a right answer starts over", () => {
  const clock = new FakeClock();
  const t = new FailureThrottle(clock);
  for (let i = 0; i < 5; i++) t.fail("198.51.100.1");
  assert.equal(t.reserve("198.51.100.2"), 0);
  assert.ok(t.reserve("198.51.100.1") > 0);
  t.succeed("198.51.100.1");
  assert.equal(t.reserve("198.51.100.1"), 0);
});

Deno.test("attempts sent at once wait as long as the same attempts one after another", () => {
  const clock = new FakeClock();
  const t = new FailureThrottle(clock);
  for (let i = 0; i < 3; i++) t.fail("::1");
  // six connections at once: each queued attempt counts as a failure to come
  const waits = Array.from({ length: 6 }, () => t.reserve("::1"));
  // one after another they are answered 1, 2, 4, 8, 16, 30 s apart
  assert.deepEqual(waits, [1000, 3000, 7000, 15000, 31000, 61000]);
  clock.advance(61000);
  for (let i = 0; i < 6; i++) t.fail("::1");
  assert.equal(t.failures("::1"), 9);
  assert.equal(t.reserve("::1"), 30000, "answered: the queue is empty again, the cap stays");
  clock.advance(30000);
  t.fail("::1");
  // a right answer among queued ones starts over; those still queued fail afresh
  const [first] = [t.reserve("::1"), t.reserve("::1")];
  assert.equal(first, 30000);
  t.succeed("::1");
  t.fail("::1");
  assert.equal(t.reserve("::1"), 0);
});

Deno.test("failures are forgotten after a quiet spell, and memory is bounded", () => {
  const clock = new FakeClock();
  const t = new FailureThrottle(clock, { forgetMs: 60_000, maxAddresses: 100 });
  for (let i = 0; i < 5; i++) t.fail("192.0.2.9");
  clock.advance(61_000);
  assert.equal(t.reserve("192.0.2.9"), 0);
  for (let i = 0; i < 1000; i++) t.fail(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(t.failures("10.0.0.0"), 0);
  assert.equal(t.failures("10.0.3.231"), 1);
});
