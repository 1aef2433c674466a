// A churn soak against a running server: observers stay and chat while
// churning clients join, chat, quit, reset and stall at random. Then every
// delivery is checked and the server's memory and descriptors are read.
import { Ledger } from "./soak_ledger.ts";
import { Observer, type ObserverKind } from "./soak_observers.ts";
import { type ChurnCounts, churnSlot, Gate, newChurnCounts } from "./soak_churn.ts";
import { Prng, randomSeed } from "./soak_prng.ts";
import { assertServerProcess, fdCount, peakRssKb, type ProcSample, rssKb } from "./soak_proc.ts";
import { sleep } from "./soak_clients.ts";

/** Options of {@linkcode runSoak}. */
export interface SoakOptions {
  /** The server's TCP port on 127.0.0.1. */
  port: number;
  /** The web side, e.g. "http://127.0.0.1:8081": WebSocket clients and /healthz. */
  http?: string;
  /** The server's pid, to read its memory; without it memory figures are 0. */
  pid?: number;
  /** Seconds of churn. @default 10 */
  seconds?: number;
  /** Seeds every random choice. @default a seed from the clock */
  seed?: number;
  /** Members that stay the whole run (plain, JSON, WebSocket in turn). @default 5 */
  observers?: number;
  /** Connections churning at once. @default 12 */
  churners?: number;
  /** Mean time between one observer's messages. @default 300 */
  observerGapMs?: number;
  /** Most messages one churning connection posts. @default 6 */
  maxPosts?: number;
  /** Longest padding of a message text, in bytes. @default 1000 */
  maxPad?: number;
  /** Longest a stalled client waits to be dropped as slow before it resets. @default 4000 */
  stallMs?: number;
  /**
   * Whether most stalled clients also send themselves DMs (~3.5 KB each, up
   * to ~10 MB) so that the server drops them as slow within a second or so
   * rather than minutes. That is a flood: with flood control on, the server
   * paces it or kicks a WebSocket for it, so turn it off then. @default true
   */
  feedStalls?: boolean;
  /** Time between memory samples. @default 10000 */
  sampleMs?: number;
  /** Called with each memory sample as it is taken. */
  onSample?: (sample: ProcSample) => void;
  /**
   * The server's live heap after a full GC, in kB (soak_heap.ts):
   * read with every sample and before and after the churn when given.
   */
  liveHeapKb?: () => Promise<number>;
  /** Prefix of every name the soak uses. @default "" */
  prefix?: string;
  /**
   * Most idle time after the churn for the server's memory to come down:
   * `rssAfterKb` is the lowest it gets within it (V8 shrinks its heap only
   * some seconds after allocation stops). @default 10000
   */
  settleMs?: number;
  /** Most churners joining at once (connected, not yet welcomed). @default 6 */
  maxJoining?: number;
}

/** What {@linkcode runSoak} measured. */
export interface SoakFigures {
  seed: number;
  /** Seconds from the first churn to the end (checks and settling included). */
  seconds: number;
  churn: ChurnCounts;
  /** Messages the observers posted. */
  observerPosts: number;
  /** Messages whose delivery was checked. */
  messages: number;
  /** Observer deliveries checked. */
  deliveries: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  /** Live heap after a full GC before and after the churn, kB; 0 without `liveHeapKb`. */
  heapBeforeKb: number;
  heapAfterKb: number;
  /** The most the server's resident memory ever was (VmHWM). */
  rssPeakKb: number;
  fdsBefore: number;
  fdsAfter: number;
  samples: ProcSample[];
  /** Empty when every check passed. */
  violations: string[];
}

/** Most connections the soak holds at once: well under a per-address limit of 100. */
export const MAX_CONNECTIONS = 90;
const KINDS: ObserverKind[] = ["json", "plain", "ws"];
const WAIT_MS = 10_000;

/** Letters and spaces of a random length up to `max`. */
function padding(prng: Prng, max: number): string {
  const n = prng.int(0, max);
  return "abcdefghij klmnopqrst uvwxyz".repeat(Math.ceil(n / 28) + 1).slice(0, n).trimEnd();
}

/** Polls `check` every 50 ms for at most `ms`; true if it came true. */
async function waitUntil(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Reads the server process, when its pid is known; zeros otherwise. */
class Probe {
  readonly #pid: number | undefined;
  constructor(pid: number | undefined) {
    if (pid !== undefined) assertServerProcess(pid);
    this.#pid = pid;
  }
  get alive(): boolean {
    if (this.#pid === undefined) return true;
    try {
      Deno.statSync(`/proc/${this.#pid}/status`);
      return true;
    } catch {
      return false;
    }
  }
  rss(): number {
    return this.#pid === undefined || !this.alive ? 0 : rssKb(this.#pid);
  }
  peak(): number {
    return this.#pid === undefined || !this.alive ? 0 : peakRssKb(this.#pid);
  }
  fds(): number {
    return this.#pid === undefined || !this.alive ? 0 : fdCount(this.#pid);
  }
}

/** Joins the observers: JSON, plain and WebSocket in turn (JSON when there is no web side). */
async function joinObservers(options: SoakOptions, ledger: Ledger): Promise<Observer[]> {
  const n = options.observers ?? 5;
  const observers: Observer[] = [];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[i % KINDS.length];
    const name = `${options.prefix ?? ""}o${i}`;
    const where = { port: options.port, http: options.http };
    observers.push(
      await Observer.join(kind === "ws" && !options.http ? "json" : kind, name, ledger, where),
    );
  }
  return observers;
}

/**
 * Runs the soak and returns its figures; `violations` lists every delivery
 * that was lost, duplicated or out of order, and every member left behind.
 *
 * @example
 * const figures = await runSoak({ port: 8080, http: "http://127.0.0.1:8081", seconds: 10 });
 */
export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const seed = options.seed ?? randomSeed();
  const prng = new Prng(seed);
  const nObservers = options.observers ?? 5;
  const nChurners = options.churners ?? 12;
  if (nObservers < 1 || nChurners < 0 || nObservers + nChurners > MAX_CONNECTIONS) {
    throw new RangeError(
      `Cannot soak with ${nObservers} observers and ${nChurners} churners: 1 to ${MAX_CONNECTIONS} connections in all`,
    );
  }
  const maxPad = options.maxPad ?? 1000;
  const probe = new Probe(options.pid);
  const ledger = new Ledger();
  const observers = await joinObservers(options, ledger);
  const json = observers.find((o) => o.kind !== "plain")!;
  const heap = options.liveHeapKb ?? (() => Promise.resolve(0));
  const heapBeforeKb = await heap();
  const rssBeforeKb = probe.rss();
  const fdsBefore = probe.fds();
  const counts = newChurnCounts();
  const samples: ProcSample[] = [];
  const started = Date.now();
  const abort = new AbortController();
  const sample = () => {
    if (!probe.alive) {
      if (!abort.signal.aborted) ledger.violation(`the server (pid ${options.pid}) is gone`);
      return abort.abort();
    }
    const t = Math.round((Date.now() - started) / 1000);
    let s: ProcSample;
    try {
      s = { t, rssKb: probe.rss(), fds: probe.fds(), connections: counts.connections };
    } catch {
      return; // the server went away between the check and the read: the next sample says so
    }
    samples.push(s);
    if (!options.liveHeapKb) return options.onSample?.(s);
    heap().then((kb) => {
      s.heapKb = kb;
      options.onSample?.(s);
    }, () => options.onSample?.(s));
  };
  sample();
  const sampler = setInterval(sample, options.sampleMs ?? 10_000);
  const stopChat = new AbortController();
  const gap = options.observerGapMs ?? 300;
  const chats = observers.map((o, i) =>
    o.chat(prng.fork(1000 + i), gap, (p) => padding(p, maxPad), stopChat.signal)
  );
  const joining = new Gate(options.maxJoining ?? 6);
  const slots: Promise<void>[] = [];
  for (let slot = 0; slot < nChurners; slot++) {
    slots.push(churnSlot({
      port: options.port,
      http: options.http,
      ledger,
      prng: prng.fork(slot),
      prefix: options.prefix ?? "",
      slot,
      deadline: started + (options.seconds ?? 10) * 1000,
      stallMs: options.stallMs ?? 4000,
      feedStalls: options.feedStalls ?? true,
      maxPosts: options.maxPosts ?? 6,
      pad: (p) => padding(p, maxPad),
      counts,
      joining,
      signal: abort.signal,
    }));
  }
  try {
    await Promise.all(slots);
  } finally {
    stopChat.abort();
    await Promise.all(chats).catch((err) => ledger.violation(`an observer failed: ${err}`));
    clearInterval(sampler);
  }
  if (!abort.signal.aborted) {
    await quiesce(options.http, nObservers, ledger);
    await lastMessage(json, observers, ledger);
    await checkMembers(json, observers, ledger);
  }
  const rssAfterKb = await settle(
    probe,
    rssBeforeKb,
    abort.signal.aborted ? 0 : options.settleMs ?? 10_000,
  );
  if (!abort.signal.aborted) sample();
  const heapAfterKb = abort.signal.aborted ? 0 : await heap();
  const fdsAfter = probe.fds();
  for (const o of observers) await o.leave();
  const { violations, messages, deliveries } = ledger.check();
  return {
    seed,
    seconds: (Date.now() - started) / 1000,
    churn: counts,
    observerPosts: observers.reduce((n, o) => n + o.posted, 0),
    messages,
    deliveries,
    rssBeforeKb,
    rssAfterKb,
    heapBeforeKb,
    heapAfterKb,
    rssPeakKb: probe.peak(),
    fdsBefore,
    fdsAfter,
    samples,
    violations,
  };
}

/** The lowest RSS within `ms`, polled; stops early once it is within 2 MB of `before`. */
async function settle(probe: Probe, before: number, ms: number): Promise<number> {
  let low = probe.rss();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && low > before + 2048) {
    await sleep(250);
    low = Math.min(low, probe.rss());
  }
  return low;
}

/** One last message: once every observer has it, everything before it has arrived. */
async function lastMessage(json: Observer, observers: Observer[], ledger: Ledger): Promise<void> {
  const marker = `${json.name}/fin`;
  await json.post(marker);
  if (!(await waitUntil(() => observers.every((o) => o.has(marker)), WAIT_MS))) {
    const late = observers.filter((o) => !o.has(marker)).map((o) => o.name);
    ledger.violation(`the last message did not reach ${late.join(", ")}`);
  }
}

/**
 * Open connections, from /healthz, asked without keep-alive: a pooled
 * connection would be one more descriptor in the server's count.
 */
async function openConnections(http: string): Promise<number> {
  const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
  try {
    const res = await fetch(`${http}/healthz`, { client, signal: AbortSignal.timeout(2000) });
    return Number((await res.json()).connections);
  } catch {
    return -1;
  } finally {
    client.close();
  }
}

/** Waits until the server holds only the observers' connections (when /healthz says). */
async function quiesce(http: string | undefined, want: number, ledger: Ledger): Promise<void> {
  if (!http) return await sleep(1000);
  let open = -1;
  const ok = await waitUntil(async () => (open = await openConnections(http)) === want, WAIT_MS);
  if (!ok) ledger.violation(`the server still has ${open} connections open, ${want} expected`);
}

/** Asks who is in the room: exactly the observers, nobody left behind. */
async function checkMembers(json: Observer, observers: Observer[], ledger: Ledger): Promise<void> {
  await json.who();
  if (!(await waitUntil(() => json.members !== undefined, WAIT_MS))) {
    return ledger.violation("no answer to who");
  }
  const ours = new Set(observers.map((o) => o.name.toLowerCase()));
  const ghosts = json.members!.filter((n) => !ours.has(n.toLowerCase()) && ledger.isSender(n));
  if (ghosts.length > 0) {
    ledger.violation(`still in the room after the churn: ${ghosts.join(", ")}`);
  }
}
