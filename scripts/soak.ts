// A churn soak against a fresh server (`--db :memory:`, `--rate-limit 0`), for as long as you like:
//   deno run -A scripts/soak.ts --seconds 300 [--seed S] [--observers 5] [--churners 12]
//     [--max-outbox BYTES] [--no-feed] [--sample 10] [--server-arg=--history=200 ...]
// Prints the server's memory (RSS, and its live heap after a GC forced through
// the inspector) every --sample seconds and the figures at the end;
// exits 1 when any delivery was wrong or a member was left behind.
// --no-feed: stalled clients only stop reading (no DM flood), and the server keeps
// its default flood control.
import { parseArgs } from "node:util";
import { startWebServer } from "../tests/web_helpers.ts";
import { runSoak, type SoakFigures } from "../tests/soak_run.ts";
import { mb, type ProcSample } from "../tests/soak_proc.ts";
import { randomSeed } from "../tests/soak_prng.ts";
import { HeapProbe, INSPECT_FLAG } from "../tests/soak_heap.ts";

const USAGE =
  "usage: deno run -A scripts/soak.ts --seconds N [--seed S] [--observers K] [--churners K] " +
  "[--max-outbox BYTES] [--no-feed] [--sample SECONDS] [--server-arg=ARG]...";

function whole(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new TypeError(`--${name} must be a whole number, got "${raw}"`);
  }
  return n;
}

function printSample(s: ProcSample): void {
  console.log(
    `t=${String(s.t).padStart(5)}s  rss ${mb(s.rssKb).padStart(6)} MB  live heap ${
      s.heapKb === undefined ? "     ?" : mb(s.heapKb).padStart(6)
    } MB  fds ${String(s.fds).padStart(4)}  churned ${s.connections}`,
  );
}

function printFigures(f: SoakFigures): void {
  const c = f.churn;
  console.log(`seed ${f.seed}, ${f.seconds.toFixed(1)} s`);
  console.log(
    `churned ${c.connections} connections: ${c.quit} quit, ${c.reset} reset, ` +
      `${c.stall} stalled (${c.stallDropped} dropped by the server, ${c.stallSlow} of them as slow), ` +
      `${c.abandon} left before a name`,
  );
  console.log(
    `posted ${c.posted + f.observerPosts} messages (${f.observerPosts} by observers); ` +
      `checked ${f.messages} messages, ${f.deliveries} deliveries`,
  );
  console.log(
    `server rss ${mb(f.rssBeforeKb)} MB before, ${mb(f.rssAfterKb)} MB after, ` +
      `${mb(f.rssPeakKb)} MB peak; fds ${f.fdsBefore} before, ${f.fdsAfter} after`,
  );
  console.log(
    `server live heap after a full GC: ${mb(f.heapBeforeKb)} MB before, ${
      mb(f.heapAfterKb)
    } MB after`,
  );
  if (f.violations.length === 0) console.log("violations: none");
  else {
    console.log(`violations: ${f.violations.length}`);
    for (const v of f.violations) console.log(`  ${v}`);
  }
}

async function main(args: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: {
        seconds: { type: "string" },
        seed: { type: "string" },
        observers: { type: "string" },
        churners: { type: "string" },
        "max-outbox": { type: "string" },
        "no-feed": { type: "boolean" },
        sample: { type: "string" },
        "server-arg": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    console.error(`soak: ${err instanceof Error ? err.message : err}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let seconds, seed, observers, churners, sample;
  try {
    seconds = whole("seconds", values.seconds, 10);
    seed = values.seed === undefined ? randomSeed() : whole("seed", values.seed, 0);
    observers = whole("observers", values.observers, 5);
    churners = whole("churners", values.churners, 12);
    sample = whole("sample", values.sample, 10);
  } catch (err) {
    console.error(`soak: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  // Stalled clients flood themselves with DMs to overflow their outbox
  // quickly; flood control would pace that (or kick a WebSocket for it).
  const serverArgs = [
    ...(values["no-feed"] ? [] : ["--rate-limit", "0"]),
    ...(values["max-outbox"] ? ["--max-outbox", values["max-outbox"]] : []),
    ...(values["server-arg"] ?? []),
  ];
  // The inspector lets the soak force a GC in the server and read its live heap.
  const server = await startWebServer(serverArgs, { denoArgs: [INSPECT_FLAG] });
  const pid = server.child.pid;
  const heap = await HeapProbe.open(server);
  console.log(
    `seed ${seed}; server pid ${pid} (${server.stdout[0]}), args: ${serverArgs.join(" ")}`,
  );
  let figures: SoakFigures;
  try {
    figures = await runSoak({
      port: server.port,
      http: server.http,
      pid,
      seconds,
      seed,
      observers,
      churners,
      sampleMs: sample * 1000,
      onSample: printSample,
      feedStalls: !values["no-feed"],
      liveHeapKb: () => heap.liveKb(),
    });
  } finally {
    heap.close();
    await server.stop();
  }
  printFigures(figures);
  return figures.violations.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
