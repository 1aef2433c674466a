/**
 * The parts of the search benchmark that call SqliteHistory directly:
 * building the two databases, searching and paging through the API, and
 * the append rate with and without the index.
 */
import type { StoredMessage } from "../../server/core/history.ts";
import { SqliteHistory } from "../../server/storage/sqlite_history.ts";
import {
  checkPage,
  checkResults,
  type Latency,
  latency,
  newestWith,
  type Spread,
  spread,
} from "./checks.ts";
import type { Corpus, Query } from "./corpus.ts";

/** Bytes of a database: the file and, if any is left, its WAL. */
export function dbBytes(path: string): number {
  let n = 0;
  for (const f of [path, `${path}-wal`]) {
    try {
      n += Deno.statSync(f).size;
    } catch {
      // no WAL: closing the last connection checkpointed and removed it
    }
  }
  return n;
}

/** What building the databases cost. */
export interface Build {
  messages: number;
  sideMessages: number;
  batch: number;
  /** SqliteHistory.append into the database without the index, messages/s (generation not counted). */
  appendPerSecond: number;
  appendSeconds: number;
  /** Indexing a copy opened with search on, in the server's steps, every message. */
  rebuildSeconds: number;
  bytesWithout: number;
  bytesWith: number;
}

/**
 * Builds `plain` (no index) by SqliteHistory.append in batches (and an
 * empty room), then `indexed` as a copy of it opened with search on and
 * indexed in the server's own steps (as an idle server does): it gives
 * the indexing rate and both sizes for the same messages.
 */
export async function build(
  corpus: Corpus,
  messages: number,
  options: { plain: string; indexed: string; batch: number; emptyRoom: string },
): Promise<Build> {
  const plain = SqliteHistory.open(options.plain, { search: false });
  let appendMs = 0;
  let side = 0;
  try {
    plain.createRoom(options.emptyRoom);
    for (let done = 0; done < messages; done += options.batch) {
      const batch = corpus.next(Math.min(options.batch, messages - done));
      side += batch.length - Math.min(options.batch, messages - done);
      const t0 = performance.now();
      plain.append(batch);
      appendMs += performance.now() - t0;
    }
  } finally {
    plain.close();
  }
  Deno.copyFileSync(options.plain, options.indexed);
  const t0 = performance.now();
  const h = SqliteHistory.open(options.indexed, { search: true });
  try {
    await h.indexAll();
  } finally {
    h.close();
  }
  const rebuildSeconds = (performance.now() - t0) / 1000;
  return {
    messages,
    sideMessages: side,
    batch: options.batch,
    appendPerSecond: (messages + side) / (appendMs / 1000),
    appendSeconds: appendMs / 1000,
    rebuildSeconds,
    bytesWithout: dbBytes(options.plain),
    bytesWith: dbBytes(options.indexed),
  };
}

/** Timings of a set of queries and what their answers held. */
export interface SearchRun extends Latency {
  /** Mean results per query. */
  results: number;
  /** Queries whose rarest word is among the 100 commonest / not among the 1000 commonest. */
  common: Latency;
  rare: Latency;
}

/** What a query's answer must be, for {@linkcode checkResults}. */
export function expectation(
  corpus: Corpus,
  room: string,
  query: Query,
  limit: number,
): { room: string; limit: number; expected?: number; seqs?: number[] } {
  if (room === corpus.room && corpus.texts.length > 0) {
    return { room, limit, seqs: newestWith(corpus.texts, query.words, limit) };
  }
  // Any other room than the two the corpus fills is empty.
  if (room !== corpus.room && room !== corpus.side?.room) return { room, limit, expected: 0 };
  if (query.words.length !== 1) return { room, limit };
  const counts = room === corpus.room ? corpus.messagesWith : corpus.sideWith;
  return { room, limit, expected: counts[corpus.words.indexOf(query.words[0])] };
}

/** Gathers the timings of one set of queries, split by how common the rarest word is. */
export class SearchTimings {
  readonly #all: number[] = [];
  readonly #common: number[] = [];
  readonly #rare: number[] = [];
  #results = 0;

  add(query: Query, ms: number, results: number): void {
    this.#all.push(ms);
    if (query.rarest < 100) this.#common.push(ms);
    if (query.rarest >= 1000) this.#rare.push(ms);
    this.#results += results;
  }

  get count(): number {
    return this.#all.length;
  }

  result(): SearchRun {
    return {
      ...latency(this.#all),
      results: this.#results / Math.max(1, this.#all.length),
      common: latency(this.#common),
      rare: latency(this.#rare),
    };
  }
}

/** Runs `queries` against the history in `room` until done or `seconds` have passed. */
export async function searchApi(
  history: SqliteHistory,
  corpus: Corpus,
  options: { room: string; queries: readonly Query[]; limit: number; seconds: number },
  problems: string[],
): Promise<SearchRun> {
  const timings = new SearchTimings();
  const end = performance.now() + options.seconds * 1000;
  for (const q of options.queries) {
    if (performance.now() > end) break;
    const t0 = performance.now();
    const found = await history.search([options.room], q.words, options.limit);
    timings.add(q, performance.now() - t0, found.length);
    const want = expectation(corpus, options.room, q, options.limit);
    problems.push(...checkResults(q.words, found, want));
  }
  return timings.result();
}

/** A walk back through a room, page by page. */
export interface PagingRun extends Latency {
  /** Messages seen in all. */
  messages: number;
  /** Whether it reached the oldest message. */
  reachedStart: boolean;
}

/** Walks back from the newest message of `room`, `limit` at a time, for at most `pages` or `seconds`. */
export function pageApi(
  history: SqliteHistory,
  options: { room: string; limit: number; pages: number; seconds: number },
  problems: string[],
): PagingRun {
  const ms: number[] = [];
  let before = history.lastSeq(options.room) + 1;
  let seen = 0;
  const end = performance.now() + options.seconds * 1000;
  while (ms.length < options.pages && before > 1 && performance.now() < end) {
    const t0 = performance.now();
    const page = history.page(options.room, before, options.limit);
    ms.push(performance.now() - t0);
    problems.push(...checkPage(page.messages, { before, limit: options.limit, more: page.more }));
    seen += page.messages.length;
    if (page.messages.length === 0) break;
    before = page.messages[0].seq;
  }
  return { ...latency(ms), messages: seen, reachedStart: before <= 1 };
}

/** Messages that continue `room` after its last seq, with texts from `texts`. */
function continuation(
  history: SqliteHistory,
  room: string,
  texts: readonly string[],
  n: number,
): StoredMessage[] {
  const seq = history.lastSeq(room);
  const ts = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => ({
    type: "message",
    room,
    seq: seq + i + 1,
    ts,
    from: "bench",
    text: texts[(seq + i) % texts.length],
  }));
}

/** Append rates (messages/s) at each batch size, without and with the index. */
export interface AppendRates {
  batch: number;
  without: Spread;
  with: Spread;
}

/**
 * SqliteHistory.append into the two full databases, `batch` messages per
 * call as the server's flushes make them: alternating without and with for
 * `rounds` rounds of at most `perRound` messages or `seconds` each, so a
 * drift of the shared machine favours neither.
 */
export function appendRates(
  paths: { plain: string; indexed: string },
  texts: readonly string[],
  options: { batches: readonly number[]; rounds: number; perRound: number; seconds: number },
): AppendRates[] {
  const plain = SqliteHistory.open(paths.plain, { search: false });
  const indexed = SqliteHistory.open(paths.indexed, { search: true });
  const room = "lobby";
  try {
    return options.batches.map((batch) => {
      const rates = { without: [] as number[], with: [] as number[] };
      for (let r = 0; r < options.rounds; r++) {
        for (const [h, key] of [[plain, "without"], [indexed, "with"]] as const) {
          let n = 0;
          let ms = 0;
          while (n < options.perRound && ms < options.seconds * 1000) {
            const b = continuation(h, room, texts, batch);
            const t0 = performance.now();
            h.append(b);
            ms += performance.now() - t0;
            n += batch;
          }
          rates[key].push(n / (ms / 1000));
        }
      }
      return { batch, without: spread(rates.without), with: spread(rates.with) };
    });
  } finally {
    plain.close();
    indexed.close();
  }
}
