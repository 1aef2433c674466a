/**
 * The parts of the search benchmark that go through a real `chat serve`
 * over TCP: JSON `search` and `history` timed from the request's write to
 * its reply, and acked `say`s per second with and without the index.
 */
import type { StoredMessage } from "../../server/core/history.ts";
import { Asker, Flooder, startChat } from "./chat_process.ts";
import { checkPage, checkResults, type Latency, latency } from "./checks.ts";
import type { Corpus, Query } from "./corpus.ts";
import { expectation, type PagingRun, type SearchRun, SearchTimings } from "./store_phases.ts";

/**
 * Another member, in a room of its own, saying something every `everyMs`
 * and timing its ack: how long a search holds up everyone else (SQLite
 * calls are synchronous, so the server does nothing else meanwhile).
 */
class Bystander {
  readonly #ms: number[] = [];
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(asker: Asker, room: string, everyMs: number) {
    this.#done = (async () => {
      while (!this.#stopped) {
        const { ms } = await asker.ask({ type: "say", room, text: "still here" });
        this.#ms.push(ms);
        await sleep(everyMs);
      }
    })();
  }

  /** Stops it; the ack latencies since it started. */
  async stop(): Promise<Latency> {
    this.#stopped = true;
    await this.#done;
    return latency(this.#ms);
  }
}

/** Sends `queries` as JSON `search` in `room`, one at a time, until done or `seconds` have passed. */
export async function searchWire(
  asker: Asker,
  corpus: Corpus,
  options: { room: string; queries: readonly Query[]; limit: number; seconds: number },
  problems: string[],
): Promise<SearchRun> {
  const timings = new SearchTimings();
  const end = performance.now() + options.seconds * 1000;
  for (const q of options.queries) {
    if (performance.now() > end) break;
    const { event, ms } = await asker.ask({
      type: "search",
      room: options.room,
      query: q.words.join(" "),
      limit: options.limit,
    });
    if (event.type !== "results") {
      problems.push(`search ${q.words.join(" ")}: ${event.type} ${event.message ?? ""}`);
      continue;
    }
    const found = event.messages as StoredMessage[];
    timings.add(q, ms, found.length);
    const want = expectation(corpus, options.room, q, options.limit);
    problems.push(...checkResults(q.words, found, want));
  }
  return timings.result();
}

/** Walks back from the newest message of `room` with JSON `history` {before, limit}. */
export async function pageWire(
  asker: Asker,
  options: { room: string; lastSeq: number; limit: number; pages: number; seconds: number },
  problems: string[],
): Promise<PagingRun> {
  const ms: number[] = [];
  let before = options.lastSeq + 1;
  let seen = 0;
  const end = performance.now() + options.seconds * 1000;
  while (ms.length < options.pages && before > 1 && performance.now() < end) {
    const r = await asker.ask({
      type: "history",
      room: options.room,
      before,
      limit: options.limit,
    });
    if (r.event.type !== "history") {
      problems.push(`history before ${before}: ${r.event.type} ${r.event.message ?? ""}`);
      break;
    }
    ms.push(r.ms);
    const messages = r.event.messages as StoredMessage[];
    problems.push(...checkPage(messages, { before, limit: options.limit, more: r.event.more }));
    seen += messages.length;
    if (messages.length === 0) break;
    before = messages[0].seq;
  }
  return { ...latency(ms), messages: seen, reachedStart: before <= 1 };
}

/** One flood of a server: acked messages/s over the measured seconds. */
export interface FloodRun {
  search: boolean;
  clients: number;
  window: number;
  ackedPerSecond: number;
  acked: number;
  errors: number;
  startSeconds: number;
}

/** Options of {@linkcode flood}. */
export interface FloodOptions {
  clients: number;
  /** Messages in flight per client. */
  window: number;
  warmupSeconds: number;
  seconds: number;
  /** Most messages a client sends, so a run stops by itself even if the clock does not. */
  maxPerClient: number;
  texts: readonly string[];
}

/**
 * Starts `chat serve --db db` (with `--no-search` when not `search`), has
 * `clients` clients flood it with `say`s, counts the acks of the measured
 * seconds after a warm-up, stops everything.
 */
export async function flood(db: string, search: boolean, options: FloodOptions): Promise<FloodRun> {
  const server = await startChat(db, { noSearch: !search });
  const flooders: Flooder[] = [];
  try {
    for (let i = 0; i < options.clients; i++) {
      flooders.push(
        await Flooder.join(server.port, `flood${i}`, {
          window: options.window,
          maxMessages: options.maxPerClient,
          texts: options.texts,
        }),
      );
    }
    await sleep(options.warmupSeconds * 1000);
    for (const f of flooders) f.measuring = true;
    const t0 = performance.now();
    await sleep(options.seconds * 1000);
    for (const f of flooders) f.measuring = false;
    const elapsed = (performance.now() - t0) / 1000;
    for (const f of flooders) f.stop();
    await Promise.race([Promise.all(flooders.map((f) => f.done)), sleep(5000)]);
    const acked = flooders.reduce((s, f) => s + f.counted, 0);
    return {
      search,
      clients: options.clients,
      window: options.window,
      ackedPerSecond: acked / elapsed,
      acked,
      errors: flooders.reduce((s, f) => s + f.errors, 0),
      startSeconds: server.startSeconds,
    };
  } finally {
    for (const f of flooders) f.stop();
    await server.stop();
  }
}

/** Searches and pages through a server on `db` (which has the index). */
export async function wirePhase(
  db: string,
  corpus: Corpus,
  options: {
    sets: { name: string; room: string; queries: readonly Query[] }[];
    /** Asked first, not timed. */
    warmup: readonly Query[];
    limit: number;
    seconds: number;
    pageLimit: number;
    pages: number;
    pageSeconds: number;
    /** The main room's newest seq: where paging starts. */
    lastSeq: number;
  },
  problems: string[],
): Promise<{
  startSeconds: number;
  search: Record<string, SearchRun & { bystander: Latency }>;
  paging: PagingRun;
}> {
  const server = await startChat(db);
  const rooms = [...new Set(options.sets.map((s) => s.room))];
  let asker: Asker | undefined;
  let other: Asker | undefined;
  try {
    asker = await Asker.join(server.port, "searcher", rooms);
    other = await Asker.join(server.port, "bystander", ["bystanders"]);
    // Untimed: the first requests to a fresh process time V8 compiling it, not the search.
    for (const q of options.warmup) {
      await asker.ask({
        type: "search",
        room: corpus.room,
        query: q.words.join(" "),
        limit: options.limit,
      });
    }
    const search: Record<string, SearchRun & { bystander: Latency }> = {};
    for (const set of options.sets) {
      // Every 20 ms: a light load beside the searches, the same for every set.
      const bystander = new Bystander(other, "bystanders", 20);
      const run = await searchWire(asker, corpus, {
        room: set.room,
        queries: set.queries,
        limit: options.limit,
        seconds: options.seconds,
      }, problems);
      search[set.name] = { ...run, bystander: await bystander.stop() };
    }
    const paging = await pageWire(asker, {
      room: corpus.room,
      lastSeq: options.lastSeq,
      limit: options.pageLimit,
      pages: options.pages,
      seconds: options.pageSeconds,
    }, problems);
    return { startSeconds: server.startSeconds, search, paging };
  } finally {
    asker?.close();
    other?.close();
    await server.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
