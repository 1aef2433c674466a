/**
 * A deterministic chat corpus for the search benchmark: words drawn from a
 * Zipf distribution (exponent 1) over a few thousand words, so a query can
 * be for a word in most messages ("the") or in a few hundred of a million.
 * The same seed gives the same messages on every machine and every run,
 * which is what lets the test check results against known word counts.
 */
import type { StoredMessage } from "../../server/core/history.ts";

/** mulberry32: small, fast and good enough for picking words; deterministic by seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The head of the distribution is real English chat words, so the commonest
// queries look like real ones; the long tail is made-up but pronounceable.
const COMMON = (
  "the to i a and you it is that of in for on this we be have with not do are " +
  "but so just at can was what if my me they all get like will no yes ok one up " +
  "about out there know now think how from your when or as an its time go then " +
  "good see would more here need some ill it's dont any new work make back fix " +
  "deploy build test server client release bug friday today tomorrow meeting " +
  "review merge branch issue thanks sorry please sure maybe code change update"
).split(" ");
const ONSETS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br"];
const VOWELS = ["a", "e", "i", "o", "u", "ai", "ou"];
const CODAS = ["", "", "n", "r", "s", "l", "t", "x"];

/** Default vocabulary size: enough for a long tail of words found a few hundred times in 1M messages. */
export const VOCABULARY = 4000;

/** Distinct words, most common first; the same list for a given size. */
export function vocabulary(size = VOCABULARY): string[] {
  const words = new Set<string>();
  for (const w of COMMON) {
    if (words.size < size) words.add(w.replace("'", ""));
  }
  const rand = prng(7);
  const pick = (a: readonly string[]) => a[Math.floor(rand() * a.length)];
  while (words.size < size) {
    let w = "";
    const syllables = 2 + Math.floor(rand() * 2);
    for (let s = 0; s < syllables; s++) w += pick(ONSETS) + pick(VOWELS);
    words.add(w + pick(CODAS));
  }
  return [...words];
}

/** A sampler of word ranks (0 = commonest) with P(rank) ∝ 1 / (rank + 1). */
export function zipf(size: number, rand: () => number): () => number {
  const cdf = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) cdf[i] = sum += 1 / (i + 1);
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Options of {@linkcode Corpus}. */
export interface CorpusOptions {
  /** @default 1 */
  seed?: number;
  /** @default VOCABULARY */
  words?: number;
  /** The room of the messages `next` counts. @default "lobby" */
  room?: string;
  /**
   * A quiet room beside it: after every `every` messages of `room`, one
   * more in `side.room` (its own seqs), counted in `sideWith`.
   */
  side?: { room: string; every: number };
  /** Keep the main room's texts (by seq - 1), to work out any search's exact answer. */
  keep?: boolean;
}

const SENDERS = Array.from({ length: 40 }, (_, i) => `user${i}`);
/** The corpus's clock starts here and moves one second per message. */
const START_MS = Date.parse("2026-01-01T00:00:00.000Z");

/**
 * Messages of 3–18 words, seq from 1, counting for each word how many
 * messages contain it (so a one-word search's result count is known).
 */
export class Corpus {
  readonly words: string[];
  readonly room: string;
  /** Messages of the main room that contain word i (at least once). */
  readonly messagesWith: Uint32Array;
  /** The same for the side room. */
  readonly sideWith: Uint32Array;
  readonly side: { room: string; every: number } | undefined;
  /** The main room's texts when `keep`, else empty. */
  readonly texts: string[] = [];
  readonly #keep: boolean;
  #seq = 0;
  #sideSeq = 0;
  /** Per word, the last text that counted it: a Set per message costs more than the rest. */
  readonly #counted: Uint32Array;
  #texts = 0;
  #minute = "";
  #minuteOf = -1;
  readonly #rand: () => number;
  readonly #rank: () => number;

  constructor(options: CorpusOptions = {}) {
    this.words = vocabulary(options.words ?? VOCABULARY);
    this.room = options.room ?? "lobby";
    this.messagesWith = new Uint32Array(this.words.length);
    this.sideWith = new Uint32Array(this.words.length);
    this.side = options.side;
    this.#keep = options.keep ?? false;
    this.#counted = new Uint32Array(this.words.length);
    this.#rand = prng(options.seed ?? 1);
    this.#rank = zipf(this.words.length, this.#rand);
  }

  /** A message text (not counted in messagesWith: for posting over a socket). */
  text(): string {
    const n = 3 + Math.floor(this.#rand() * 16);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.words[this.#rank()]);
    return out.join(" ");
  }

  /** The next `n` messages of the main room (and the side room's among them), counted. */
  next(n: number): StoredMessage[] {
    const batch: StoredMessage[] = [];
    for (let k = 0; k < n; k++) {
      const seq = ++this.#seq;
      const text = this.#countedText(this.messagesWith);
      if (this.#keep) this.texts.push(text);
      batch.push(this.#message(this.room, seq, seq, text));
      if (this.side && seq % this.side.every === 0) {
        const text = this.#countedText(this.sideWith);
        batch.push(this.#message(this.side.room, ++this.#sideSeq, seq, text));
      }
    }
    return batch;
  }

  /** A text, each of its words counted once in `counts`. */
  #countedText(counts: Uint32Array): string {
    const count = 3 + Math.floor(this.#rand() * 16);
    // A fresh stamp per text: the last text that counted word r.
    const stamp = ++this.#texts;
    let text = "";
    for (let i = 0; i < count; i++) {
      const r = this.#rank();
      text += i === 0 ? this.words[r] : " " + this.words[r];
      if (this.#counted[r] !== stamp) {
        this.#counted[r] = stamp;
        counts[r]++;
      }
    }
    return text;
  }

  #message(room: string, seq: number, tick: number, text: string): StoredMessage {
    return {
      type: "message",
      room,
      seq,
      ts: this.#ts(tick),
      from: SENDERS[tick % SENDERS.length],
      text,
    };
  }

  /** The time of the main room's message `tick`, one second apart; toISOString once a minute (~1 µs). */
  #ts(tick: number): string {
    const minute = Math.floor(tick / 60);
    if (minute !== this.#minuteOf) {
      this.#minuteOf = minute;
      this.#minute = new Date(START_MS + minute * 60_000).toISOString().slice(0, 17);
    }
    return `${this.#minute}${String(tick % 60).padStart(2, "0")}.000Z`;
  }
}

/** A query: its words and the rank of the rarest (how selective it is). */
export interface Query {
  words: string[];
  rarest: number;
}

/**
 * `count` queries of `size` words, ranks drawn log-uniformly over the
 * vocabulary so common, middling and rare words are all asked for (a Zipf
 * draw would ask for "the" most of the time). Only words that occur in
 * the corpus are used, so every query has results to check.
 */
export function queries(corpus: Corpus, size: number, count: number, seed: number): Query[] {
  const rand = prng(seed);
  const occurring: number[] = [];
  for (let r = 0; r < corpus.words.length; r++) if (corpus.messagesWith[r] > 0) occurring.push(r);
  const out: Query[] = [];
  for (let q = 0; q < count; q++) {
    const ranks = new Set<number>();
    while (ranks.size < size) {
      const i = Math.floor(Math.exp(rand() * Math.log(occurring.length))) - 1;
      ranks.add(occurring[Math.min(occurring.length - 1, Math.max(0, i))]);
    }
    out.push({ words: [...ranks].map((r) => corpus.words[r]), rarest: Math.max(...ranks) });
  }
  return out;
}
