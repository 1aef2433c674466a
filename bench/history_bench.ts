/**
 * History benchmark: acked messages per second and ack latency, with the
 * history in memory (`--db :memory:`) and in a file, for 1 and for 50 JSON
 * clients that flood the room, each keeping a window of messages in flight.
 * Then the cost of an fsync per commit (`synchronous=FULL`) against the
 * default (`NORMAL`), on the store alone. Not a test: it prints a table.
 *
 *   deno task bench:history [--seconds 3] [--rounds 3] [--clients 1,50] [--window 256,64]
 *
 * Every client also receives every other client's messages (it is one
 * room), so 50 clients means 49 deliveries per message.
 * Memory and file runs alternate and each figure is the median of --rounds
 * runs (the machine is shared). The whole run is bounded: about
 * 4 × rounds × (seconds + 2) s plus 5 s, 80 s with the defaults.
 */
import { parseArgs } from "node:util";
import type { ChatMessage } from "../protocol/events.ts";
import { SqliteHistory } from "../server/storage/sqlite_history.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    clients: { type: "string", default: "1,50" },
    window: { type: "string", default: "256,64" },
    text: { type: "string", default: "64" },
    "max-outbox": { type: "string", default: "16m" },
  },
});
const SECONDS = Math.min(30, Number(values.seconds));
const WARMUP = Math.min(10, Number(values.warmup));
const ROUNDS = Math.min(5, Math.max(1, Number(values.rounds)));
const CLIENT_COUNTS = values.clients.split(",").map(Number);
// Messages each client keeps in flight, per entry of --clients: 50 clients
// at 64 each already keep 3 200 in flight.
const WINDOWS = values.window.split(",").map(Number);
const windowFor = (clients: number): number =>
  WINDOWS[CLIENT_COUNTS.indexOf(clients)] ?? WINDOWS[WINDOWS.length - 1];
const TEXT = "x".repeat(Number(values.text));
const MAX_OUTBOX = values["max-outbox"];

/** Latencies in 0.1 ms buckets up to 10 s. */
class Histogram {
  readonly #buckets = new Uint32Array(100_001);
  count = 0;
  add(ms: number): void {
    this.#buckets[Math.min(100_000, Math.round(ms * 10))]++;
    this.count++;
  }
  quantile(q: number): number {
    let seen = 0;
    const want = Math.ceil(this.count * q);
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i];
      if (seen >= want) return i / 10;
    }
    return Infinity;
  }
}

interface Server {
  port: number;
  child: Deno.ChildProcess;
}

async function startServer(db: string, cwd: string): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--rate-limit",
      "0",
      "--history",
      "0",
      "--log-level",
      "warn",
      "--no-web",
      "--max-outbox",
      MAX_OUTBOX,
      "--db",
      db,
    ],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 15_000;
  while (!out.includes("\n") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value);
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const m = /tcp:\/\/[^:]+:(\d+)/.exec(out);
  if (!m) throw new Error(`server did not start: ${out}`);
  return { port: Number(m[1]), child };
}

/** One flooding JSON client: keeps `window` messages in flight, times each ack. */
class Flooder {
  readonly #conn: Deno.TcpConn;
  readonly #sentAt: number[] = [];
  #head = 0;
  #nextRef = 0;
  #rest = "";
  #stopped = false;
  acked = 0;
  errors = 0;
  measuring = false;
  readonly done: Promise<void>;

  constructor(conn: Deno.TcpConn, readonly latency: Histogram, readonly window: number) {
    this.#conn = conn;
    this.done = this.#run();
  }

  static async join(
    port: number,
    name: string,
    latency: Histogram,
    window: number,
  ): Promise<Flooder> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode(JSON.stringify({ type: "hello", name }) + "\n"));
    return new Flooder(conn, latency, window);
  }

  stop(): void {
    this.#stopped = true;
  }

  async #top(): Promise<void> {
    const inFlight = this.#sentAt.length - this.#head;
    if (this.#stopped || inFlight >= this.window / 2) return;
    const now = performance.now();
    let lines = "";
    for (let i = inFlight; i < this.window; i++) {
      lines += `{"type":"say","text":"${TEXT}","ref":"${this.#nextRef++}"}\n`;
      this.#sentAt.push(now);
    }
    let bytes = encoder.encode(lines);
    while (bytes.length > 0) bytes = bytes.subarray(await this.#conn.write(bytes));
  }

  async #run(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    let welcomed = false;
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        const text = this.#rest + decoder.decode(buf.subarray(0, n), { stream: true });
        const end = text.lastIndexOf("\n");
        this.#rest = text.slice(end + 1);
        const now = performance.now();
        // Acks are recognised by their prefix: cheaper than parsing every line,
        // and the other clients' messages (most of the traffic) never match.
        let i = text.indexOf('{"type":"ack"');
        while (i !== -1 && i < end) {
          const sent = this.#sentAt[this.#head++];
          if (this.measuring) {
            this.acked++;
            this.latency.add(now - sent);
          }
          i = text.indexOf('{"type":"ack"', i + 12);
        }
        for (let e = text.indexOf('"type":"error"'); e !== -1 && e < end;) {
          this.errors++;
          e = text.indexOf('"type":"error"', e + 14);
        }
        if (!welcomed && text.includes('"type":"welcome"')) welcomed = true;
        if (welcomed) await this.#top();
        if (this.#stopped && this.#head === this.#sentAt.length) break;
      }
    } catch {
      // the server went away
    }
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

interface Result {
  db: string;
  clients: number;
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(db: string, label: string, clients: number): Promise<Result> {
  const dir = await Deno.makeTempDir({ prefix: "chat_bench_" });
  const server = await startServer(db, dir);
  try {
    const latency = new Histogram();
    const flooders: Flooder[] = [];
    for (let i = 0; i < clients; i++) {
      flooders.push(await Flooder.join(server.port, `b${i}`, latency, windowFor(clients)));
    }
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    for (const f of flooders) f.measuring = true;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    for (const f of flooders) f.measuring = false;
    const elapsed = (performance.now() - t0) / 1000;
    for (const f of flooders) f.stop();
    await Promise.race([
      Promise.all(flooders.map((f) => f.done)),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
    const acked = flooders.reduce((s, f) => s + f.acked, 0);
    return {
      db: label,
      clients,
      rate: acked / elapsed,
      p50: latency.quantile(0.5),
      p99: latency.quantile(0.99),
      errors: flooders.reduce((s, f) => s + f.errors, 0),
    };
  } finally {
    try {
      server.child.kill("SIGTERM");
    } catch {
      // gone
    }
    await server.child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Commits per second of the store alone, in batches of `batch`, for ~0.7 s. */
async function storeRate(sync: "NORMAL" | "FULL", batch: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "chat_bench_" });
  const h = SqliteHistory.open(`${dir}/chat.db`, { synchronous: sync });
  try {
    const ts = new Date().toISOString();
    let seq = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 700) {
      const b: ChatMessage[] = [];
      for (let i = 0; i < batch; i++) {
        b.push({ type: "message", seq: ++seq, ts, from: "b", text: TEXT });
      }
      h.append(b);
    }
    return seq / ((performance.now() - t0) / 1000);
  } finally {
    h.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
// The machine is shared: memory and file runs alternate, and each figure is
// the median of ROUNDS runs, so a burst of someone else's load hits both.
const results: Result[] = [];
for (const clients of CLIENT_COUNTS) {
  const runs: Record<string, Result[]> = { ":memory:": [], file: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [db, label] of [[":memory:", ":memory:"], ["chat.db", "file"]]) {
      const r = await measure(db, label, clients);
      runs[label].push(r);
      console.error(`  ${label} × ${clients}, round ${round + 1}: ${fmt(r.rate)} acked/s`);
    }
  }
  for (const label of [":memory:", "file"]) {
    const sorted = runs[label].sort((a, b) => a.rate - b.rate);
    results.push(sorted[Math.floor(sorted.length / 2)]);
  }
}
console.log(
  `\nhistory bench ${
    new Date().toISOString().slice(0, 10)
  }: ${SECONDS} s per run after ${WARMUP} s warm-up, median of ${ROUNDS} runs, window ${values.window} per client, ${TEXT.length}-byte texts, ${navigator.hardwareConcurrency} cores\n`,
);
console.log("| db | clients | acked msg/s | p50 ack ms | p99 ack ms | file/memory |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const r of results) {
  const mem = results.find((m) => m.clients === r.clients && m.db === ":memory:")!;
  const ratio = r.db === "file" ? `${Math.round((r.rate / mem.rate) * 100)} %` : "";
  console.log(
    `| ${r.db} | ${r.clients} | ${fmt(r.rate)} | ${r.p50.toFixed(1)} | ${
      r.p99.toFixed(1)
    } | ${ratio} |${r.errors ? ` ${r.errors} errors` : ""}`,
  );
}
console.log("\nstore alone, messages/s (one transaction per batch):\n");
console.log("| synchronous | batch 1 | batch 10 | batch 100 |");
console.log("| --- | ---: | ---: | ---: |");
for (const sync of ["NORMAL", "FULL"] as const) {
  const rates = [];
  for (const batch of [1, 10, 100]) rates.push(fmt(await storeRate(sync, batch)));
  console.log(`| ${sync} | ${rates.join(" | ")} |`);
}
