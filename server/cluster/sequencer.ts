import type { Entry } from "../core/ledger.ts";

/** How long a gap may stay open before it is filled from the room's stream. */
export const GAP_WAIT_MS = 40;

/**
 * One room's messages on this node, put back into seq order. They come
 * from three places that race: this node's own scripts' replies, the
 * room's live channel (other nodes' messages), and the room's stream
 * (filling a gap). Each seq is delivered once, in order, and nothing after
 * a gap is delivered before the gap is filled: `fill` is asked for it when
 * a gap outlives {@linkcode GAP_WAIT_MS}, or at once after the live channel
 * was lost (`catchUp`).
 */
export class Sequencer {
  /** The next seq to deliver; null while the room is being opened (everything is held). */
  next: number | null;
  readonly #held = new Map<number, Entry>();
  readonly #deliver: (entries: Entry[]) => void;
  readonly #fill: (from: number, to: number | null) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `deliver` gets each run of consecutive entries; `fill(from, to)` must
   * `put` what the stream has from `from` to `to` (null: to its end), and
   * call `skipTo` if the stream no longer has some of it.
   */
  constructor(
    next: number | null,
    deliver: (entries: Entry[]) => void,
    fill: (from: number, to: number | null) => void,
  ) {
    this.next = next;
    this.#deliver = deliver;
    this.#fill = fill;
  }

  /** How many entries wait behind a gap. */
  get held(): number {
    return this.#held.size;
  }

  /** Takes one entry (any source); an old or known seq is ignored. */
  put(entry: Entry): void {
    const seq = entry.message.seq;
    if ((this.next !== null && seq < this.next) || this.#held.has(seq)) return;
    this.#held.set(seq, entry);
  }

  /** Delivers what is now in order; starts the gap timer if something waits behind a gap. */
  drain(): void {
    if (this.#held.size === 0 || this.next === null) return;
    const run: Entry[] = [];
    for (let e = this.#held.get(this.next); e; e = this.#held.get(this.next)) {
      this.#held.delete(this.next);
      run.push(e);
      this.next++;
    }
    if (run.length > 0) this.#deliver(run);
    if (this.#held.size === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#held.size > 0) this.#fill(this.next!, this.#lowestHeld() - 1);
      }, GAP_WAIT_MS);
    }
  }

  /** After the live channel was lost: everything from `next` on comes from the stream. */
  catchUp(): void {
    if (this.next !== null) this.#fill(this.next, null);
  }

  /** The room is open: deliver from `next` on (what was held before it is dropped). */
  start(next: number): void {
    for (const s of this.#held.keys()) if (s < next) this.#held.delete(s);
    this.next = next;
    this.drain();
  }

  /** The stream no longer has seqs before `seq` (retention): go on from there. */
  skipTo(seq: number): void {
    if (this.next === null || seq <= this.next) return;
    for (const s of this.#held.keys()) if (s < seq) this.#held.delete(s);
    this.next = seq;
  }

  #lowestHeld(): number {
    let low = Infinity;
    for (const s of this.#held.keys()) if (s < low) low = s;
    return low;
  }

  /** Stops the timer (the room is closed on this node, or the node stops). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held.clear();
  }
}
