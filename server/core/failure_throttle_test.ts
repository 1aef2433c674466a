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

Deno.test("attempts from one address queue behind each other", () => {
  const clock = new FakeClock();
  const t = new FailureThrottle(clock);
  for (let i = 0; i < 4; i++) t.fail("::1");
  // ten connections at once: the answers are spread out, not all after 2 s
  const waits = Array.from({ length: 3 }, () => t.reserve("::1"));
  assert.deepEqual(waits, [2000, 4000, 6000]);
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
