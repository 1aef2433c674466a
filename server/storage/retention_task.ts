import type { Clock } from "../core/clock.ts";
import type { Log } from "../core/peer.ts";
import type { RetainPolicy } from "./retention.ts";
import { errorText } from "./storage_error.ts";

/** What retention needs from a store. */
export interface Trimmable {
  /** Deletes at most `limit` messages the policy no longer keeps; returns how many. */
  trim(policy: RetainPolicy, nowMs: number, limit: number): number;
}

/** Options of {@linkcode RetentionTask}. */
export interface RetentionTaskOptions {
  clock: Clock;
  log?: Log;
  /** Time between passes. @default 10000 */
  intervalMs?: number;
  /** Messages deleted per transaction; the room waits at most that long. @default 1000 */
  chunk?: number;
}

/**
 * Applies a retention policy in the background: a pass right after start,
 * then one every `intervalMs`. A pass deletes in small chunks and yields to
 * the event loop between them, so the room never stalls for long.
 */
export class RetentionTask {
  readonly #store: Trimmable;
  #policy: RetainPolicy;
  readonly #clock: Clock;
  readonly #log: Log;
  readonly #intervalMs: number;
  readonly #chunk: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;
  #deletedThisPass = 0;

  constructor(store: Trimmable, policy: RetainPolicy, options: RetentionTaskOptions) {
    this.#store = store;
    this.#policy = policy;
    this.#clock = options.clock;
    this.#log = options.log ?? (() => {});
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#chunk = options.chunk ?? 1000;
  }

  /** Starts the passes; does nothing when the policy keeps everything. */
  start(): void {
    if (this.#policy.maxAgeMs === null && this.#policy.maxCount === null) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** The policy applied. */
  get policy(): RetainPolicy {
    return this.#policy;
  }

  /**
   * Applies another policy from the next pass on (a reload); a running task
   * that now keeps everything stops, a stopped one that now deletes starts.
   */
  setPolicy(policy: RetainPolicy, started: boolean): void {
    this.#policy = policy;
    if (!started) return;
    const keepsAll = policy.maxAgeMs === null && policy.maxCount === null;
    if (keepsAll) this.stop();
    else if (this.#stopped) this.start();
  }

  /** Stops; a chunk in progress has already committed. Safe to call twice. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#step(), ms);
  }

  #step(): void {
    let deleted: number;
    try {
      deleted = this.#store.trim(this.#policy, this.#clock.now(), this.#chunk);
    } catch (err) {
      this.#log("warn", `retention: ${errorText(err)}; trying again later`);
      this.#deletedThisPass = 0;
      this.#schedule(this.#intervalMs);
      return;
    }
    this.#deletedThisPass += deleted;
    if (deleted >= this.#chunk) {
      this.#schedule(0);
      return;
    }
    if (this.#deletedThisPass > 0) {
      this.#log("info", `retention: deleted ${this.#deletedThisPass} old messages`);
    }
    this.#deletedThisPass = 0;
    this.#schedule(this.#intervalMs);
  }
}
