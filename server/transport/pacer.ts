import type { SplitLine } from "../../protocol/line_splitter.ts";
import type { Clock } from "../core/clock.ts";
import { type RateLimit, TokenBucket } from "../core/rate_limit.ts";

/** What a pacer feeds: a chat Session, or a transport's adapter around one (IRC). */
export interface LineHandler {
  /** Returns a promise while the line cannot be answered yet; later lines wait for it. */
  handle(line: SplitLine): void | Promise<void>;
  readonly ended: boolean;
  /** Flood control started holding lines back: tell the client once. */
  rateLimited(): void;
}

/**
 * Feeds a batch of lines to a session, no faster than its rate limit. Lines
 * beyond the limit are held back (the transport does not read more while it
 * waits, so TCP flow control holds the client) and handed over later, in
 * order: flood control slows, it never drops. A line the session cannot
 * answer yet (a password being checked) holds back the lines after it the
 * same way.
 */
export class Pacer {
  readonly #bucket: TokenBucket | null;
  readonly #onSlow: () => void;
  #told = false;

  /** `onSlow` is called each time flood control starts holding lines back (for /metrics). */
  constructor(limit: RateLimit, clock: Clock, onSlow: () => void = () => {}) {
    this.#bucket = limit.perSecond > 0 ? new TokenBucket(limit, clock) : null;
    this.#onSlow = onSlow;
  }

  /** Handles every line; returns a promise only when it has to wait. */
  feed(session: LineHandler, lines: SplitLine[]): Promise<void> | undefined {
    const bucket = this.#bucket;
    if (bucket && this.#told && bucket.full) this.#told = false;
    for (let i = 0; i < lines.length; i++) {
      if (bucket && bucket.delay() > 0) return this.#slow(session, lines, i, bucket);
      const busy = session.handle(lines[i]);
      if (busy) return this.#after(busy, session, lines, i + 1);
    }
  }

  async #after(busy: Promise<void>, session: LineHandler, lines: SplitLine[], from: number) {
    await busy;
    if (session.ended || from >= lines.length) return;
    await this.feed(session, lines.slice(from));
  }

  async #slow(session: LineHandler, lines: SplitLine[], from: number, bucket: TokenBucket) {
    this.#onSlow();
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
      await session.handle(lines[i]);
      if (session.ended) return;
    }
  }
}
