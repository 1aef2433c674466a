import type { Clock } from "./clock.ts";

/** A flood-control setting: a burst of lines, then a steady rate. */
export interface RateLimit {
  /** Lines per second, steady; 0 turns flood control off. */
  perSecond: number;
  /** Lines that may arrive at once before the steady rate applies. */
  burst: number;
}

/**
 * A token bucket. `delay()` says how long to hold the next line back; the
 * caller waits that long before reading it, so nothing is ever dropped.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #last: number;

  constructor(limit: RateLimit, clock: Clock) {
    this.#rate = limit.perSecond / 1000;
    this.#burst = Math.max(1, limit.burst);
    this.#clock = clock;
    this.#tokens = this.#burst;
    this.#last = clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#rate);
    this.#last = now;
  }

  /** True when the bucket is full again: the client is no longer being slowed. */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.#burst;
  }

  /** Takes a token and returns 0, or returns the ms to wait before trying again. */
  delay(): number {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#rate);
  }
}
