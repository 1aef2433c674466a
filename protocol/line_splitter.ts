/** Marks, in a batch of lines, a line that exceeded the limit and was discarded. */
export const TOO_LONG: unique symbol = Symbol("line too long");

/** One entry of a batch: a decoded line, or the mark of a discarded one. */
export type SplitLine = string | typeof TOO_LONG;

const NL = 10;
const encoder = new TextEncoder();
// Never used in streaming mode, so one decoder serves every splitter.
const decoder = new TextDecoder();

/**
 * Splits a byte stream into UTF-8 lines ended by "\n" (a "\r" before it is
 * dropped), whatever way the bytes are split or coalesced. Invalid UTF-8
 * becomes U+FFFD. A line longer than `maxLineBytes` is reported once as
 * {@linkcode TOO_LONG} as soon as it is known, and the rest of it is
 * discarded up to its "\n": nothing is buffered beyond the limit.
 *
 * @example
 * const s = new LineSplitter(4096);
 * s.push(new TextEncoder().encode("a\nb")); // ["a"]
 * s.push(new TextEncoder().encode("\n"));   // ["b"]
 */
export class LineSplitter {
  #max: number;
  #pending: Uint8Array | null = null;
  #discarding = false;

  constructor(maxLineBytes: number) {
    if (!(maxLineBytes > 0)) throw new RangeError(`Cannot split lines: limit ${maxLineBytes}`);
    this.#max = maxLineBytes;
  }

  /** Bytes held for an unfinished line. */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }

  /**
   * Takes the next chunk and returns every line it completes, in order.
   * The chunk may be reused by the caller afterwards.
   */
  push(chunk: Uint8Array): SplitLine[] {
    const out: SplitLine[] = [];
    if (this.#discarding) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) return out;
      this.#discarding = false;
      chunk = chunk.subarray(nl + 1);
    }
    const last = chunk.lastIndexOf(NL);
    if (last < 0) {
      this.#keep(chunk, out);
      return out;
    }
    let complete = chunk.subarray(0, last);
    if (this.#pending) {
      const joined = new Uint8Array(this.#pending.length + complete.length);
      joined.set(this.#pending);
      joined.set(complete, this.#pending.length);
      complete = joined;
      this.#pending = null;
    }
    // One decode for the whole batch: "\n" never occurs inside a UTF-8
    // sequence, so splitting after decoding gives the same lines.
    const lines = decoder.decode(complete).split("\n");
    const max = this.#max;
    for (let line of lines) {
      if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
      // A UTF-16 unit never takes more than 3 UTF-8 bytes: only long lines need counting.
      if (line.length * 3 > max && encoder.encode(line).length > max) out.push(TOO_LONG);
      else out.push(line);
    }
    this.#keep(chunk.subarray(last + 1), out);
    return out;
  }

  #keep(rest: Uint8Array, out: SplitLine[]): void {
    if (rest.length === 0) return;
    const held = this.#pending?.length ?? 0;
    // +1 leaves room for the "\r" that may precede the "\n".
    if (held + rest.length > this.#max + 1) {
      this.#pending = null;
      this.#discarding = true;
      out.push(TOO_LONG);
      return;
    }
    const next = new Uint8Array(held + rest.length);
    if (this.#pending) next.set(this.#pending);
    next.set(rest, held);
    this.#pending = next;
  }
}
