// A small seeded PRNG, so a failing soak's seed replays its schedule.

/**
 * mulberry32: 32 bits of state, fast, and good enough to pick actions.
 * Each actor of the soak gets its own stream ({@linkcode Prng.fork}), so
 * one actor's choices do not depend on how the others interleave.
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One of `items`, each as likely as its weight. */
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as [T, number][];
    let total = 0;
    for (const [, w] of entries) total += w;
    let r = this.next() * total;
    for (const [k, w] of entries) {
      if ((r -= w) < 0) return k;
    }
    return entries[entries.length - 1][0];
  }

  /** An independent stream for actor `n`, derived from this one's seed. */
  fork(n: number): Prng {
    return new Prng(Math.imul(this.#state ^ Math.imul(n + 1, 0x9e3779b9), 0x85ebca6b));
  }
}

/** A seed from the clock, for runs that did not ask for one. */
export function randomSeed(): number {
  return (Date.now() ^ (performance.now() * 1000)) >>> 0;
}
