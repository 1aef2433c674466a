import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import { TokenBucket } from "./rate_limit.ts";

Deno.test("a burst passes at once, then lines are paced at the steady rate", () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ perSecond: 10, burst: 3 }, clock);
  assert.deepEqual([bucket.delay(), bucket.delay(), bucket.delay()], [0, 0, 0]);
  assert.equal(bucket.delay(), 100);
  clock.advance(100);
  assert.equal(bucket.delay(), 0);
  assert.equal(bucket.full, false);
  clock.advance(10_000);
  assert.equal(bucket.full, true);
});
