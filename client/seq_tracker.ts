/** What {@linkcode SeqTracker.see} decided about a seq. */
export type SeqVerdict = "new" | "duplicate" | "reset";

/**
 * Remembers the last room seq seen, so a reconnect can resume with
 * `hello.since` and nothing is shown twice.
 *
 * A server that honours `since` never sends a seq at or below it, so when
 * the first seq on a fresh connection is not above the last one seen, the
 * server has restarted without its history (seq starting again from 1):
 * that message is new, and counting starts over from it.
 */
export class SeqTracker {
  #last = 0;
  #fresh = true;

  /** The last seq seen, 0 before any: what `hello.since` carries. */
  get last(): number {
    return this.#last;
  }

  /** Call when a new connection has been welcomed. */
  newConnection(): void {
    this.#fresh = true;
  }

  /** Records a seq (of a message or an ack) and says whether to show it. */
  see(seq: number): SeqVerdict {
    const fresh = this.#fresh;
    this.#fresh = false;
    if (seq > this.#last) {
      this.#last = seq;
      return "new";
    }
    if (fresh && this.#last > 0) {
      this.#last = seq;
      return "reset";
    }
    return "duplicate";
  }
}
