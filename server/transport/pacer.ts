import type { SplitLine } from "../../protocol/line_splitter.ts";
import type { Clock } from "../core/clock.ts";
import { type RateLimit, TokenBucket } from "../core/rate_limit.ts";
import type { Session } from "../core/session.ts";

/**
 * Feeds a batch of lines to a session, no faster than its rate limit. Lines
 * beyond the limit are held back (the transport does not read more while it
 * waits, so TCP flow control holds the client) and handed over later, in
 * order: flood control slows, it never drops.
 */
export class Pacer {
  readonly #bucket: TokenBucket | null;
  #told = false;

  constructor(limit: RateLimit, clock: Clock) {
    this.#bucket = limit.perSecond > 0 ? new TokenBucket(limit, clock) : null;
  }

  /** Handles every line; returns a promise only when it has to wait. */
  feed(session: Session, lines: SplitLine[]): Promise<void> | undefined {
    const bucket = this.#bucket;
    if (!bucket) {
      for (const line of lines) session.handle(line);
      return;
    }
    if (this.#told && bucket.full) this.#told = false;
    for (let i = 0; i < lines.length; i++) {
      if (bucket.delay() > 0) return this.#slow(session, lines, i, bucket);
      session.handle(lines[i]);
    }
  }

  async #slow(session: Session, lines: SplitLine[], from: number, bucket: TokenBucket) {
    if (!this.#told) {
      this.#told = true;
      session.rateLimited();
    }
    for (let i = from; i < lines.length; i++) {
      let wait: number;
      while ((wait = bucket.delay()) > 0) {
        await new Promise((r) => setTimeout(r, wait));
        if (session.ended) return;
      }
      session.handle(lines[i]);
    }
  }
}
