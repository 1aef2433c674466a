/**
 * The fuzzer, as a library: against a running `chat serve`, batch after
 * batch of hostile connections (fuzz_*_cases.ts) while a sender posts
 * legitimate messages, then the invariants: the server is alive and serves a
 * newcomer, every bystander got every legitimate message exactly once and in
 * order, nobody is left behind as a member, and the log shows no error.
 * Batch B of seed S is the same bytes on every run, so `--seed S
 * --from-batch B --batches 1` replays it.
 */
import fc from "fast-check";
import type { FuzzCase } from "./fuzz_cases.ts";
import { sweepLines } from "./fuzz_json_cases.ts";
import {
  closeQuietly,
  standardTargets,
  type Target,
  type TargetOptions,
  writeAll,
} from "./fuzz_targets.ts";
import {
  type Bystander,
  JsonBystander,
  Ledger,
  PlainBystander,
  probe,
  Sender,
  WsBystander,
} from "./fuzz_watch.ts";
import { metrics } from "./web_helpers.ts";
import { compare, describeCase, errorLines, pause, settled } from "./fuzz_report.ts";

/** Reads and discards what the server sends, until it closes or we do; keeps the last bytes. */
class Sink {
  #reading: Promise<void> | null = null;
  tail = new Uint8Array(0);
  constructor(readonly conn: Deno.Conn) {}

  start(): void {
    this.#reading ??= (async () => {
      const buf = new Uint8Array(16384);
      try {
        for (let n = await this.conn.read(buf); n !== null; n = await this.conn.read(buf)) {
          const joined = new Uint8Array(this.tail.length + n);
          joined.set(this.tail);
          joined.set(buf.subarray(0, n), this.tail.length);
          this.tail = joined.slice(-130);
        }
      } catch {
        // reset by the server, or closed by us
      }
    })();
  }

  /** Resolves when reading stopped (at once if it never started). */
  get done(): Promise<void> {
    return this.#reading ?? Promise.resolve();
  }

  /** True when the last thing received is a WebSocket close frame (server frames are unmasked). */
  get endsWithClose(): boolean {
    const t = this.tail;
    for (let i = t.length - 2; i >= 0; i--) {
      if (t[i] === 0x88 && t[i + 1] === t.length - i - 2) return true;
    }
    return false;
  }
}

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  tcpPort: number;
  /** Absent: no WebSocket bystander, WebSocket or HTTP cases. */
  webPort?: number;
  /** The fast-check seed (32-bit); batch B of a seed is always the same. */
  seed: number;
  /** No batch starts after this many seconds. @default 30 */
  seconds?: number;
  /** Most batches. @default Infinity */
  batches?: number;
  /** The first batch's number, to replay one. @default 0 */
  firstBatch?: number;
  /** Where progress and findings are written. */
  log: (line: string) => void;
  /** The server's stderr so far, a live array (ServerProcess.stderr). @default not checked */
  stderr?: readonly string[];
  /** False once the server has exited. @default not checked */
  alive?: () => boolean;
  /** The server's --max-line. @default 4096 */
  maxLine?: number;
  /** The server's --handshake-timeout in seconds: stalled handshakes must be closed. @default not checked */
  handshakeTimeout?: number;
  /** Hostile connections at once (the long-lived ones and probes add 6). @default 6 */
  concurrency?: number;
  /** Go on after a batch with a violation. @default false */
  keepGoing?: boolean;
  /** Replaces the standard targets (for TLS and the like). */
  targets?: (o: TargetOptions) => Target[];
}

/** One broken invariant. */
export interface Violation {
  batch: number;
  what: string;
  detail: string;
  /** Cases of the batch that reproduce it alone (log errors only). */
  culprits?: string[];
}

/** What a run did. */
export interface FuzzFigures {
  seed: number;
  batches: number;
  seconds: number;
  /** Cases tried, by kind ("plain.commands", "ws.fragments", …). */
  cases: Record<string, number>;
  casesTotal: number;
  connections: number;
  bytesSent: number;
  legitSent: number;
  /** Legitimate messages checked at each bystander (sent × bystanders). */
  deliveriesChecked: number;
  /** Message events whose seq continuity JSON bystanders checked. */
  seqChecked: number;
  violations: Violation[];
}

interface Item {
  target: Target;
  c: FuzzCase;
}

const LEGIT_PER_BATCH = 4;
const SWEEP_PER_BATCH = 32;
const MAX_LINGERING = 4;

/** Mixes a batch number into the seed: each batch has its own, fixed cases. */
export function batchSeed(seed: number, batch: number): number {
  return (seed ^ Math.imul(batch + 1, 0x9e3779b1)) | 0;
}

/** Runs the fuzzer against a running server; never throws for what the server does. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzFigures> {
  const started = Date.now();
  const deadline = started + (o.seconds ?? 30) * 1000;
  const tag = (o.seed >>> 0).toString(36);
  const ledger = new Ledger();
  const f: FuzzFigures = {
    seed: o.seed,
    batches: 0,
    seconds: 0,
    cases: {},
    casesTotal: 0,
    connections: 0,
    bytesSent: 0,
    legitSent: 0,
    deliveriesChecked: 0,
    seqChecked: 0,
    violations: [],
  };
  const stderr = o.stderr ?? [];
  const found = (v: Violation) => {
    f.violations.push(v);
    o.log(`VIOLATION batch ${v.batch} [${v.what}] ${v.detail}`);
  };
  o.log(`fuzz seed ${o.seed} (replay with --seed=${o.seed})`);

  const names = { plain: `fzpl${tag}`, json: `fzjs${tag}`, ws: `fzws${tag}`, sender: `fzsd${tag}` };
  const watch = { sender: names.sender, ledger, until: deadline + 120_000 };
  const sender = await Sender.join(o.tcpPort, names.sender);
  const bystanders: Bystander[] = [
    await PlainBystander.join(o.tcpPort, names.plain, watch),
    await JsonBystander.join(o.tcpPort, names.json, watch),
  ];
  if (o.webPort !== undefined) {
    bystanders.push(await WsBystander.join(`http://127.0.0.1:${o.webPort}`, names.ws, watch));
  }
  f.connections += bystanders.length + 1;
  const targetOptions = { ...o, taken: [...Object.values(names)] };
  const targets = (o.targets ?? standardTargets)(targetOptions);
  const batchArb = fc.array(
    fc.oneof(...targets.map((t) => ({
      weight: t.weight,
      arbitrary: t.cases.map((c): Item => ({ target: t, c })),
    }))),
    { minLength: 24, maxLength: 36 },
  );
  const sweep = sweepLines();
  const handshakeMs = (o.handshakeTimeout ?? 0) * 1000;
  // The server's last cut of a connection that never joined comes after the
  // handshake timeout, the close's linger (2 s) and, for a WebSocket whose
  // client never answers the close frame, the web front's grace (2 s): wait
  // past all three, and a socket still open then is a violation.
  const lingerMs = o.handshakeTimeout ? handshakeMs + 2000 + 2000 + 3000 : 1500;
  const lingering = new Set<Promise<void>>();

  /** One case on its own connection; returns a violation's detail, or null. */
  async function runCase(item: Item, name: string, linger: number): Promise<string | null> {
    const { target, c } = item;
    let conn: Deno.Conn;
    try {
      conn = await target.connect();
    } catch {
      return null; // refused: if the server is gone, the checks say so
    }
    f.connections++;
    const sink = new Sink(conn);
    const watchdog = setTimeout(() => closeQuietly(conn), Math.max(12_000, linger + 2000));
    try {
      if (c.prelude !== "none" && target.open) await target.open(conn);
      if (c.prelude === "join") await writeAll(conn, target.join(name));
      if (c.end !== "rst") sink.start();
      for (const s of c.steps) {
        if (s.op === "pause") await pause(s.ms);
        else {
          await writeAll(conn, s.bytes);
          f.bytesSent += s.bytes.length;
        }
      }
      if (c.end === "rst") await pause(30); // the server's bytes arrive and stay unread
      else if (c.end === "half") {
        conn.closeWrite();
        await settled(sink.done, 2000);
      } else if (c.end === "linger") {
        const closed = await settled(sink.done, linger);
        if (!closed && c.mustClose && handshakeMs && linger === lingerMs) {
          const after = sink.endsWithClose ? ", after the server's close frame" : "";
          return `a ${target.name}/${c.kind} connection that never joined was still open ` +
            `${linger} ms later${after} (--handshake-timeout ${o.handshakeTimeout})`;
        }
      }
    } catch {
      // the server closed or reset the connection: hostile cases may well end so
    } finally {
      clearTimeout(watchdog);
      closeQuietly(conn);
      await sink.done;
    }
    return null;
  }

  async function runItem(item: Item, batch: number, i: number): Promise<void> {
    f.cases[`${item.target.name}/${item.c.kind}`] =
      (f.cases[`${item.target.name}/${item.c.kind}`] ?? 0) + 1;
    f.casesTotal++;
    const name = `h${batch}x${i}${tag}`;
    if (item.c.end === "linger" && lingering.size < MAX_LINGERING) {
      const p: Promise<void> = runCase(item, name, lingerMs).then((detail) => {
        if (detail) found({ batch, what: "handshake_timeout", detail });
      }).finally(() => lingering.delete(p));
      lingering.add(p);
      return;
    }
    await runCase(item, name, 200);
  }

  async function postLegit(batch: number): Promise<void> {
    for (let i = 0; i < LEGIT_PER_BATCH; i++) {
      await pause(40 * i);
      const text = `legit ${tag}.${batch}.${i} é\t\u{1F600}`;
      ledger.expect(text);
      try {
        ledger.acked(text, await sender.post(text));
        f.legitSent++;
      } catch (err) {
        found({ batch, what: "not_acked", detail: `"${text}": ${(err as Error).message}` });
      }
    }
  }

  function sweepItems(batch: number): Item[] {
    const items: Item[] = [];
    const start = (batch * SWEEP_PER_BATCH) % sweep.length;
    const slice = [...sweep, ...sweep].slice(start, start + SWEEP_PER_BATCH);
    for (const mode of ["plain", "json"] as const) {
      const takers = targets.filter((t) => t.sweep?.mode === mode);
      if (takers.length === 0) continue;
      const target = takers[batch % takers.length];
      for (const handshake of [false, true]) {
        const lines = slice.filter((l) => l.mode === mode && l.handshake === handshake)
          .map((l) => l.line);
        if (lines.length === 0) continue;
        const encoded = target.sweep!.encode(handshake ? ['{"type":"hello"}', ...lines] : lines);
        items.push({
          target,
          c: {
            kind: "sweep",
            prelude: handshake ? "open" : "join",
            steps: [{ op: "write", bytes: encoded }],
            end: "close",
          },
        });
      }
    }
    return items;
  }

  const broken = new Set<Bystander>();
  const checkedUpTo = new Map<Bystander, number>();

  async function check(batch: number, mark: number): Promise<Violation[]> {
    const v: Violation[] = [];
    const add = (what: string, detail: string) => v.push({ batch, what, detail });
    if (o.alive && !o.alive()) {
      add("crash", `the server exited; its last log lines:\n${stderr.slice(-15).join("\n")}`);
      return v;
    }
    const want = ledger.sent;
    for (const b of bystanders) {
      if (broken.has(b)) continue;
      const until = Date.now() + 5000;
      while (b.seen.length < want.length && !b.closed && Date.now() < until) await pause(20);
      const who = `${b.transport} bystander ${b.name}`;
      for (const p of b.problems.splice(0)) add("bystander", `${who}: ${p}`);
      const wrong = compare(b.seen, want);
      if (wrong) add(wrong.what, `${who}: ${wrong.detail}`);
      if (b.closed) add("bystander_dropped", `${who} was disconnected by the server`);
      if (wrong || b.closed) broken.add(b);
      else {
        f.deliveriesChecked += want.length - (checkedUpTo.get(b) ?? 0);
        checkedUpTo.set(b, want.length);
      }
    }
    const failed = await probe(o.tcpPort, `fzpr${tag}${batch}`);
    f.connections += 2;
    if (failed) add("probe", `a newcomer was not served: ${failed}`);
    const expected = [...bystanders.map((b) => b.name), sender.name].map((n) => n.toLowerCase())
      .sort().join(",");
    let members: string[] = [];
    for (let i = 0; i < 50; i++) {
      try {
        members = await sender.who();
      } catch (err) {
        add("hang", `who was not answered: ${(err as Error).message}`);
        break;
      }
      if (members.map((n) => n.toLowerCase()).sort().join(",") === expected) break;
      if (i === 49) add("ghost", `members long after the batch ended: ${members.join(", ")}`);
      else await pause(100);
    }
    for (const e of errorLines(stderr, mark)) add("error_log", e);
    return v;
  }

  /** Replays each case alone to find which ones log the error (at most 3, 20 s). */
  async function isolate(items: Item[], batch: number): Promise<string[]> {
    const culprits: string[] = [];
    const until = Date.now() + 20_000;
    for (let i = 0; i < items.length && culprits.length < 3 && Date.now() < until; i++) {
      const mark = stderr.length;
      await runCase(items[i], `iso${batch}x${i}${tag}`, 200);
      await pause(150);
      const errs = errorLines(stderr, mark);
      if (errs.length) {
        culprits.push(`${describeCase(items[i])}\n    logs: ${errs[0].split("\n")[0]}`);
      }
    }
    return culprits;
  }

  let lastLog = Date.now();
  const first = o.firstBatch ?? 0;
  for (let batch = first; batch < first + (o.batches ?? Infinity); batch++) {
    if (Date.now() >= deadline || (f.violations.length && !o.keepGoing)) break;
    const items = fc.sample(batchArb, { seed: batchSeed(o.seed, batch), numRuns: 1 })[0];
    items.push(...sweepItems(batch));
    const mark = stderr.length;
    const queue = items.map((item, i) => () => runItem(item, batch, i));
    const workers = Array.from({ length: o.concurrency ?? 6 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await next();
    });
    await Promise.all([...workers, postLegit(batch)]);
    f.batches++;
    const v = await check(batch, mark);
    for (const x of v) found(x);
    const logged = v.find((x) => x.what === "error_log");
    if (logged && (!o.alive || o.alive())) {
      logged.culprits = await isolate(items, batch);
    }
    if (v.some((x) => x.what === "crash")) break;
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      o.log(
        `[${
          ((Date.now() - started) / 1000).toFixed(0)
        } s] batch ${batch}: ${f.casesTotal} cases, ` +
          `${f.connections} connections, ${f.deliveriesChecked} deliveries checked, ` +
          `${f.violations.length} violations`,
      );
    }
  }
  await Promise.all(lingering);
  if (o.webPort !== undefined && (!o.alive || o.alive())) await checkLeaks();
  for (const b of bystanders) f.seqChecked += b.seqChecked;
  await sender.close();
  for (const b of bystanders) await b.close();
  f.seconds = (Date.now() - started) / 1000;
  return f;

  /** Once every hostile connection is closed, the server counts only ours. */
  async function checkLeaks(): Promise<void> {
    const want = bystanders.length + 1;
    let seen = "";
    for (let i = 0; i < 50; i++) {
      try {
        const m = await metrics(`http://127.0.0.1:${o.webPort}`);
        const open = m.families.get("chat_connections")?.samples.reduce((n, s) => n + s.value, 0);
        const members = m.value("chat_members");
        if (open === want && members === want) return;
        seen = `${open} connections and ${members} members open, ${want} expected`;
      } catch (err) {
        seen = `/metrics: ${(err as Error).message}`;
      }
      await pause(200);
    }
    found({ batch: first + f.batches - 1, what: "leak", detail: `after the run: ${seen}` });
  }
}
