/**
 * Our messages sent and not yet answered, kept in order so that none is lost
 * when the server cannot store one for a moment (`server_error`) or the
 * connection drops before its ack. Every `say` and `me` carries an `id` (see
 * "Message ids" in docs/protocol.md): the server stores a message with a
 * given id in a room at most once, so sending it again is always safe.
 * Shared by the terminal client and the web page; no I/O, the clock is
 * injected.
 */
import type { ChatMessage, ClientEvent } from "./events.ts";
import { nameKey } from "./names.ts";

/** A message of ours: say and me carry an `id`; all three carry a `ref`. */
export type Sendable = Extract<ClientEvent, { type: "say" | "me" | "dm" }> & {
  ref?: string;
  id?: string;
};

/** A fresh message id: a random UUID (36 of `0-9a-f-`, within the 1–64 `A-Za-z0-9_-` allowed). */
export function newMessageId(): string {
  return crypto.randomUUID();
}

/** Timers and time, injected so that tests run on a fake clock. */
export interface RetryClock {
  now(): number;
  /** Returns a handle for {@linkcode clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

type Handle = ReturnType<typeof setTimeout>;
const REAL_CLOCK: RetryClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as Handle),
};

/** Options of {@linkcode ResendQueue}. */
export interface ResendQueueOptions {
  /**
   * Sends messages again on the connection there is now (a retry after
   * `server_error`); returns false when there is none: they then go with
   * {@linkcode ResendQueue.resendAll} after the reconnect.
   */
  send(events: Sendable[]): boolean;
  /** What refs start with ("c1", "c2" …). @default "c" */
  refPrefix?: string;
  /** The first wait before a retry; it doubles after each failure. @default 500 */
  firstMs?: number;
  /** The longest wait between retries. @default 5000 */
  maxMs?: number;
  /** Give up on a message this long after its first `server_error`. @default 120000 */
  giveUpMs?: number;
  /** Spread of each wait, as a fraction. @default 0.2 */
  jitter?: number;
  /** @default Math.random */
  random?: () => number;
  /** @default the real clock */
  clock?: RetryClock;
}

/** What {@linkcode ResendQueue.failed} did with a message the server could not store. */
export type FailVerdict =
  /** It is sent again after a backoff. */
  | { kind: "retry"; event: Sendable }
  /** It failed for too long: given up, removed. */
  | { kind: "gave-up"; event: Sendable };

interface Entry {
  event: Sendable;
  /** When its first server_error came; null while it never failed. */
  firstFailure: number | null;
  failures: number;
  /** Failed, waiting for the retry timer. */
  due: boolean;
}

/**
 * Messages by `ref`, oldest first, until their answer (an ack, a DM's echo,
 * an error). A `server_error` answer to a say/me keeps it and sends it again
 * (same id) after 0.5 s, 1 s, 2 s … up to 5 s (each ±20 %), for up to 2
 * minutes from its first failure; then it is given up. After a reconnect,
 * {@linkcode resendAll} gives every message still waiting, in order.
 *
 * @example
 * const q = new ResendQueue({ send: (evs) => conn.send(...evs) });
 * conn.send(q.add({ type: "say", text: "hi" })); // {type:"say", text:"hi", ref:"c1", id:"…"}
 */
export class ResendQueue {
  readonly #waiting = new Map<string, Entry>();
  readonly #o: Required<Omit<ResendQueueOptions, "send">> & Pick<ResendQueueOptions, "send">;
  #next = 1;
  #timer: unknown;

  constructor(options: ResendQueueOptions) {
    this.#o = {
      refPrefix: "c",
      firstMs: 500,
      maxMs: 5000,
      giveUpMs: 120_000,
      jitter: 0.2,
      random: Math.random,
      clock: REAL_CLOCK,
      ...options,
    };
  }

  /** How many messages wait for an answer. */
  get size(): number {
    return this.#waiting.size;
  }

  /** How many of them the server could not store and are being retried. */
  get retrying(): number {
    let n = 0;
    for (const e of this.#waiting.values()) if (e.firstFailure !== null) n++;
    return n;
  }

  /**
   * Gives the event a fresh ref (and a say/me an id), keeps it, and returns
   * it to send — unless {@linkcode held}: while earlier messages wait for
   * their retry, a new say/me waits behind them and goes with them, so that
   * a storage hiccup never lets a later line overtake an earlier one.
   */
  add<T extends Sendable>(event: T): T & { ref: string; id?: string } {
    const e: T & { ref: string; id?: string } = {
      ...event,
      ref: `${this.#o.refPrefix}${this.#next++}`,
    };
    if (e.type !== "dm" && e.id === undefined) e.id = newMessageId();
    const due = e.type !== "dm" && [...this.#waiting.values()].some((w) => w.due);
    this.#waiting.set(e.ref, { event: e, firstFailure: null, failures: 0, due });
    return e;
  }

  /** True when the message with this ref waits for the retry timer (do not send it now). */
  held(ref: string): boolean {
    return this.#waiting.get(ref)?.due === true;
  }

  /** The message with this ref, if it is waiting. */
  get(ref: string | undefined): Sendable | undefined {
    return ref === undefined ? undefined : this.#waiting.get(ref)?.event;
  }

  /** Removes and returns the message with this ref (its answer came), if it was waiting. */
  settle(ref: string | undefined): Sendable | undefined {
    if (ref === undefined) return undefined;
    const e = this.#waiting.get(ref);
    this.#waiting.delete(ref);
    if (e?.due) this.#rearm();
    return e?.event;
  }

  /** Removes and returns the oldest waiting message (an answer that carries no ref). */
  settleOldest(): Sendable | undefined {
    const first = this.#waiting.keys().next();
    return first.done ? undefined : this.settle(first.value);
  }

  /**
   * The server could not store the message with this ref (`server_error`):
   * a say/me is kept and sent again after a backoff, or given up (removed)
   * once it has failed for `giveUpMs`. Undefined when no say/me of ours has
   * this ref (then it is an ordinary error: {@linkcode settle} it).
   */
  failed(ref: string | undefined): FailVerdict | undefined {
    const e = ref === undefined ? undefined : this.#waiting.get(ref);
    if (!e || e.event.type === "dm") return undefined;
    const now = this.#o.clock.now();
    e.firstFailure ??= now;
    if (now - e.firstFailure >= this.#o.giveUpMs) {
      this.settle(ref);
      return { kind: "gave-up", event: e.event };
    }
    e.failures++;
    e.due = true;
    if (this.#timer === undefined) this.#arm(e.failures);
    return { kind: "retry", event: e.event };
  }

  /**
   * After a reconnect to the same history (same epoch): removes and returns
   * the say/me messages that the resumed `history` shows were stored before
   * the connection went (sent by `me`, same room, text and kind; each
   * stored message accounts for one of ours). The history is what came
   * after the last seq seen, so ours in it are exactly those whose ack was
   * lost; this also covers a server that has forgotten their ids (a
   * restart). `defaultRoom` is the room of a message that names none.
   */
  arrived(history: readonly ChatMessage[], me: string, defaultRoom?: string): Sendable[] {
    const stored = history.filter((m) => nameKey(m.from) === nameKey(me));
    const room = (r: string | undefined) => nameKey(r ?? defaultRoom ?? "");
    const found: Sendable[] = [];
    for (const [ref, { event: e }] of this.#waiting) {
      if (e.type === "dm") continue;
      const i = stored.findIndex((m) =>
        m.text === e.text && (m.action === true) === (e.type === "me") &&
        room(m.room) === room(e.room)
      );
      if (i < 0) continue;
      stored.splice(i, 1);
      this.settle(ref);
      found.push(e);
    }
    return found;
  }

  /**
   * After a reconnect (once the welcome and the rooms' histories came):
   * every message still waiting, oldest first, to send again as they are
   * (same ids). Retries that were waiting for their timer go now too.
   */
  resendAll(): Sendable[] {
    this.#disarm();
    for (const e of this.#waiting.values()) e.due = false;
    return [...this.#waiting.values()].map((e) => e.event);
  }

  /** Forgets everything (leaving, or a page that joins afresh); stops the timer. */
  clear(): void {
    this.#disarm();
    this.#waiting.clear();
  }

  #delay(failures: number): number {
    const base = Math.min(this.#o.maxMs, this.#o.firstMs * 2 ** (failures - 1));
    return Math.round(base * (1 + this.#o.jitter * (2 * this.#o.random() - 1)));
  }

  // One timer for the queue: when it fires, every failed message goes again,
  // in their order, so a storage hiccup does not shuffle a burst of lines.
  #arm(failures: number): void {
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      const due = [...this.#waiting.values()].filter((e) => e.due);
      if (due.length === 0) return;
      if (this.#o.send(due.map((e) => e.event))) { for (const e of due) e.due = false; }
      // Not connected: they wait for resendAll.
    }, this.#delay(failures));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A due message was answered: stop the timer when none is due any more. */
  #rearm(): void {
    if ([...this.#waiting.values()].some((e) => e.due)) return;
    this.#disarm();
  }
}
