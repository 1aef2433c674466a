// Ten seconds of churn against a real server: see soak_run.ts for what the
// soak does, and scripts/soak.ts to run it for longer.
import assert from "node:assert/strict";
import { startWebServer } from "./web_helpers.ts";
import { runSoak } from "./soak_run.ts";
import { mb } from "./soak_proc.ts";
import { randomSeed } from "./soak_prng.ts";
import { HeapProbe, INSPECT_FLAG } from "./soak_heap.ts";

/**
 * How far above its level before the churn the server's RSS may stay, in
 * kB. Measured on the 2-core dev box (see the soak report): this run leaves
 * the server 37-43 MB above its start (5 runs), and more churn does not add
 * to it: a 300 s run with the same floods (1 MiB outbox) stays in a
 * 170-190 MB band with no trend over 10 000 connections, and V8's live heap
 * after a full GC stays within 3 MB of its start throughout. What stays is
 * memory kept for reuse, not leaked: V8's young generation, grown to the
 * allocation rate of the DM floods (heapTotal ~10 -> 40-75 MB, given back
 * only seconds after allocation stops), the allocator's free lists, and the
 * history (~1.5 kB a message in :memory:). So this bound catches gross
 * leaks only (about 100 kB per churned connection); the exact checks below
 * (descriptors, connections, members) catch a connection kept, and
 * scripts/soak.ts over minutes shows whether memory levels off.
 */
const RSS_SLACK_KB = 90 * 1024;

/**
 * How far above its start the server's live heap (V8's, after a full GC)
 * may be once the churn is over, in kB. The history is not in it (`:memory:`
 * is SQLite's memory, capped at 10 000 messages), so what could stay is
 * what the churned connections left behind: 4 runs on the dev box left
 * 1.5-1.9 MB (caches that fill once) over 200-340 churned connections, and
 * the README's 600 s run (17 506 churned connections) left 2.1 MB; a leak of 10-15 kB per
 * connection would fail it.
 */
const HEAP_SLACK_KB = 4 * 1024;

Deno.test("ten seconds of churn: every message reaches every observer once, in seq order, and the live heap comes back", async () => {
  const seed = Number(Deno.env.get("SOAK_SEED") ?? randomSeed());
  console.log(`soak seed ${seed} (SOAK_SEED=${seed} replays the schedule)`);
  const server = await startWebServer(
    ["--rate-limit", "0", "--max-outbox", "128k"],
    { denoArgs: [INSPECT_FLAG] },
  );
  const heap = await HeapProbe.open(server);
  try {
    const f = await runSoak({
      port: server.port,
      http: server.http,
      pid: server.child.pid,
      seconds: 10,
      seed,
      settleMs: 3000,
      liveHeapKb: () => heap.liveKb(),
    });
    console.log(
      `churned ${f.churn.connections} connections, checked ${f.messages} messages and ` +
        `${f.deliveries} deliveries; rss ${mb(f.rssBeforeKb)} -> ${mb(f.rssAfterKb)} MB ` +
        `(peak ${mb(f.rssPeakKb)}), live heap ${mb(f.heapBeforeKb)} -> ${mb(f.heapAfterKb)} MB, ` +
        `fds ${f.fdsBefore} -> ${f.fdsAfter}`,
    );
    assert.deepEqual(f.violations, [], `seed ${seed}`);
    assert.ok(f.churn.connections >= 100, `only ${f.churn.connections} connections churned`);
    assert.ok(f.messages >= 300, `only ${f.messages} messages checked`);
    assert.ok(
      f.rssAfterKb - f.rssBeforeKb < RSS_SLACK_KB,
      `server rss went from ${mb(f.rssBeforeKb)} to ${mb(f.rssAfterKb)} MB (seed ${seed})`,
    );
    assert.ok(f.heapBeforeKb > 0, "the live heap was read");
    assert.ok(
      f.heapAfterKb - f.heapBeforeKb < HEAP_SLACK_KB,
      `server live heap went from ${mb(f.heapBeforeKb)} to ${mb(f.heapAfterKb)} MB (seed ${seed})`,
    );
    // The observers' connections, and nothing left of the churned ones (the
    // soak has already checked that /healthz counts only the observers).
    assert.ok(f.fdsAfter <= f.fdsBefore + 1, `fds ${f.fdsBefore} -> ${f.fdsAfter}`);
  } finally {
    heap.close();
    await server.stop();
  }
});
