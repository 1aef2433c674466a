import type { ChatMessage } from "../../protocol/events.ts";

/**
 * Where room messages are kept. The room calls it synchronously and never
 * awaits it: `append` returns once the batch is stored (committed, for a
 * persistent store) and throws if it could not be.
 */
export interface History {
  /** Stores messages in seq order; throws when they cannot be stored. */
  append(batch: readonly ChatMessage[]): void;
  /** The last `limit` messages, oldest first. */
  recent(limit: number): ChatMessage[];
  /** Messages with seq > `seq`, oldest first, at most `limit` (the newest ones). */
  since(seq: number, limit: number): ChatMessage[];
  /** The seq of the newest stored message, 0 when there is none. */
  lastSeq(): number;
  /** How many messages are stored. */
  count(): number;
  /** Releases resources; safe to call twice. */
  close(): void;
}

/** A history that keeps the last `capacity` messages in memory. */
export class MemoryHistory implements History {
  readonly #capacity: number;
  #ring: ChatMessage[] = [];
  #start = 0;
  #lastSeq: number;

  constructor(capacity: number, lastSeq = 0) {
    this.#capacity = capacity;
    this.#lastSeq = lastSeq;
  }

  append(batch: readonly ChatMessage[]): void {
    for (const m of batch) {
      this.#lastSeq = m.seq;
      if (this.#capacity === 0) continue;
      if (this.#ring.length < this.#capacity) this.#ring.push(m);
      else {
        this.#ring[this.#start] = m;
        this.#start = (this.#start + 1) % this.#capacity;
      }
    }
  }

  #all(): ChatMessage[] {
    return this.#ring.slice(this.#start).concat(this.#ring.slice(0, this.#start));
  }

  recent(limit: number): ChatMessage[] {
    return limit <= 0 ? [] : this.#all().slice(-limit);
  }

  since(seq: number, limit: number): ChatMessage[] {
    return limit <= 0 ? [] : this.#all().filter((m) => m.seq > seq).slice(-limit);
  }

  lastSeq(): number {
    return this.#lastSeq;
  }

  count(): number {
    return this.#ring.length;
  }

  close(): void {}
}
