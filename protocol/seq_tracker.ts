/** What to do with a room message, by its seq. */
export type SeqVerdict = "show" | "duplicate" | "restarted";

/**
 * Remembers the newest room message seen, so a reconnect asks only for
 * what was missed (`hello.since`) and shows nothing twice. Shared by the
 * terminal client and the web page.
 */
export class SeqTracker {
  #last = 0;
  #seen = false;

  /** The newest seq seen; 0 before any. */
  get last(): number {
    return this.#last;
  }

  /** The `since` for the next hello: undefined until something was seen. */
  get since(): number | undefined {
    return this.#seen ? this.#last : undefined;
  }

  /** Forgets everything: the server's history started over. */
  reset(): void {
    this.#last = 0;
    this.#seen = false;
  }

  /** Marks the first welcome: from now on reconnects resume. */
  joined(): void {
    this.#seen = true;
  }

  /**
   * Judges a message from `welcome.history` (replay) or a live one (acks of
   * our own messages are live too). A replayed
   * seq at or below the last one is a duplicate. Live messages arrive in seq
   * order, so a live seq at or below the last means the server started again
   * with a fresh history: it is shown and counting starts over.
   */
  judge(seq: number, replay: boolean): SeqVerdict {
    if (seq > this.#last) {
      this.#last = seq;
      return "show";
    }
    if (replay) return "duplicate";
    this.#last = seq;
    return "restarted";
  }
}
