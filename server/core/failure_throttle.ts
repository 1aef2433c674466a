import { addressKey } from "./address.ts";
import type { Clock } from "./clock.ts";

/** Options of {@linkcode FailureThrottle}. */
export interface FailureThrottleOptions {
  /** Failed attempts from one address that are answered at once. @default 3 */
  free?: number;
  /** The wait before answering the first attempt after those, in ms. @default 1000 */
  firstDelayMs?: number;
  /** The longest wait, in ms. @default 30000 */
  maxDelayMs?: number;
  /** An address with no failure for this long starts over, in ms. @default 900000 */
  forgetMs?: number;
  /** Most addresses remembered; the longest quiet are forgotten first. @default 10000 */
  maxAddresses?: number;
}

interface Entry {
  failures: number;
  lastFailure: number;
  /** When the last attempt queued from this address will be answered. */
  busyUntil: number;
  /** Attempts booked and not answered yet: each counts as a failure to come. */
  queued: number;
}

/**
 * Slows down password guessing per address: after `free` failures, every
 * further attempt from that address is answered only after a wait that
 * doubles with each failure, up to `maxDelayMs`. Attempts from one address
 * queue behind each other, and each one queued counts as the failure it
 * will most likely be, so that N guesses sent at once are answered no
 * sooner than N sent one after another: parallel connections buy an
 * attacker nothing. Other addresses are never slowed. The clock is
 * injected; the caller does the waiting.
 */
export class FailureThrottle {
  readonly #clock: Clock;
  readonly #free: number;
  readonly #first: number;
  readonly #max: number;
  readonly #forget: number;
  readonly #cap: number;
  // Map order is oldest failure first: refreshed entries move to the end.
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock, options: FailureThrottleOptions = {}) {
    this.#clock = clock;
    this.#free = options.free ?? 3;
    this.#first = options.firstDelayMs ?? 1000;
    this.#max = options.maxDelayMs ?? 30_000;
    this.#forget = options.forgetMs ?? 15 * 60_000;
    this.#cap = options.maxAddresses ?? 10_000;
  }

  #entry(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && this.#clock.now() - e.lastFailure > this.#forget && e.busyUntil <= this.#clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Failures remembered for `address`. */
  failures(address: string): number {
    return this.#entry(addressKey(address))?.failures ?? 0;
  }

  /**
   * Books the answer to one attempt from `address`: returns how many ms to
   * wait before answering it (0 while the address has failed fewer than
   * `free` times and nothing from it is queued). Every booking must be
   * answered with {@linkcode fail} or {@linkcode succeed}.
   */
  reserve(address: string): number {
    const e = this.#entry(addressKey(address));
    // Nothing remembered: answered at once, before any other attempt is booked.
    if (!e) return 0;
    const now = this.#clock.now();
    const over = e.failures + e.queued - this.#free;
    const delay = over < 0 ? 0 : Math.min(this.#max, this.#first * 2 ** Math.min(over, 30));
    e.busyUntil = Math.max(now, e.busyUntil) + delay;
    e.queued++;
    return e.busyUntil - now;
  }

  /** Records a failed attempt from `address`; returns its failures so far. */
  fail(address: string): number {
    const key = addressKey(address);
    const now = this.#clock.now();
    const e = this.#entry(key) ?? { failures: 0, lastFailure: now, busyUntil: now, queued: 0 };
    e.failures++;
    if (e.queued > 0) e.queued--;
    e.lastFailure = now;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    while (this.#entries.size > this.#cap) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return e.failures;
  }

  /** A right answer from `address`: it starts over. */
  succeed(address: string): void {
    this.#entries.delete(addressKey(address));
  }
}
