/**
 * What the benchmark asserts about the answers it times, so a fast but
 * wrong search (or a page with holes) shows up as problems, not as a
 * good figure. The words are checked by splitting the text on spaces, not
 * by the server's own folding: the corpus is lowercase ASCII words.
 */
import type { StoredMessage } from "../../server/core/history.ts";

/** Latency figures of a set of timings, in ms. */
export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Exact quantiles (the sample is small: sort it). */
export function latency(ms: readonly number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) =>
    s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)];
  return { count: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1] ?? NaN };
}

/** Rates of several rounds of the same measurement. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

/** The median (of an even count: the lower middle one) and the range of `rounds`. */
export function spread(rounds: readonly number[]): Spread {
  const s = [...rounds].sort((a, b) => a - b);
  return {
    median: s[Math.floor((s.length - 1) / 2)],
    min: s[0],
    max: s[s.length - 1],
    rounds: [...rounds],
  };
}

/**
 * Problems with one search's results: each must be in `room`, contain
 * every word, and come newest first; with `expected` (how many messages
 * of the room contain the words, when known) there must be min(expected,
 * limit) of them.
 */
export function checkResults(
  words: readonly string[],
  messages: readonly StoredMessage[],
  options: { room: string; limit: number; expected?: number; seqs?: readonly number[] },
): string[] {
  const problems: string[] = [];
  const q = JSON.stringify(words.join(" "));
  let last = Infinity;
  for (const m of messages) {
    const have = new Set(m.text.split(" "));
    const missing = words.filter((w) => !have.has(w));
    if (missing.length) problems.push(`${q}: #${m.seq} has no ${missing.join(", ")}`);
    if (m.room !== options.room) problems.push(`${q}: #${m.seq} is in ${m.room}`);
    if (!(m.seq < last)) problems.push(`${q}: #${m.seq} after #${last}, not newest first`);
    last = m.seq;
  }
  if (messages.length > options.limit) {
    problems.push(`${q}: ${messages.length} results, more than the limit ${options.limit}`);
  }
  if (options.expected !== undefined && options.seqs === undefined) {
    const want = Math.min(options.expected, options.limit);
    if (messages.length !== want) {
      problems.push(`${q}: ${messages.length} results, ${options.expected} messages have it`);
    }
  }
  if (options.seqs !== undefined) {
    const got = messages.map((m) => m.seq).join(",");
    if (got !== options.seqs.join(",")) {
      problems.push(`${q}: got #${got || "-"}, the newest with it are #${options.seqs.join(",")}`);
    }
  }
  return problems;
}

/**
 * The seqs of the newest `limit` of `texts` (text i is seq i + 1) that have
 * every one of `words`, newest first: the exact answer, by brute force.
 */
export function newestWith(
  texts: readonly string[],
  words: readonly string[],
  limit: number,
): number[] {
  const seqs: number[] = [];
  for (let i = texts.length - 1; i >= 0 && seqs.length < limit; i--) {
    const have = new Set(texts[i].split(" "));
    if (words.every((w) => have.has(w))) seqs.push(i + 1);
  }
  return seqs;
}

/**
 * Problems with one page walking back: `limit` messages (fewer only for
 * the oldest page), oldest first with consecutive seqs (the corpus has no
 * gaps), ending just before `before`.
 */
export function checkPage(
  messages: readonly StoredMessage[],
  options: { before: number; limit: number; more: boolean },
): string[] {
  const problems: string[] = [];
  const first = messages[0]?.seq ?? 0;
  const want = Math.min(options.limit, options.before - 1);
  if (messages.length !== want) {
    problems.push(`before ${options.before}: ${messages.length} messages, not ${want}`);
  }
  messages.forEach((m, i) => {
    if (m.seq !== first + i) problems.push(`before ${options.before}: #${m.seq} at ${i}`);
  });
  const end = messages[messages.length - 1]?.seq;
  if (end !== undefined && end !== options.before - 1) {
    problems.push(`before ${options.before}: the page ends at #${end}`);
  }
  if (options.more !== first > 1) {
    problems.push(`before ${options.before}: more is ${options.more} with #${first} first`);
  }
  return problems;
}
