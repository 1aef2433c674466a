import type { ChatMessage, ClientEvent } from "../protocol/events.ts";

/** A message sent (or to be sent) that the server has not acknowledged yet. */
export type Sendable = Extract<ClientEvent, { type: "say" | "me" | "dm" }>;

/**
 * Messages by `ref` until their ack (or a DM's echo, or an error) arrives,
 * so your own message is shown once, when the server has it, and messages
 * typed while the connection is down are sent when it is back.
 */
export class Outbox {
  readonly #waiting = new Map<string, Sendable>();
  #next = 1;

  /** How many messages wait for an answer. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Gives the event a fresh ref and keeps it until {@linkcode settle}. */
  add(event: Sendable): Sendable {
    const withRef = { ...event, ref: `c${this.#next++}` };
    this.#waiting.set(withRef.ref, withRef);
    return withRef;
  }

  /** Removes and returns the message with this ref, if it was waiting. */
  settle(ref: string | undefined): Sendable | undefined {
    if (ref === undefined) return undefined;
    const e = this.#waiting.get(ref);
    this.#waiting.delete(ref);
    return e;
  }

  /** Removes and returns the oldest waiting message (answers that carry no ref). */
  settleOldest(): Sendable | undefined {
    const first = this.#waiting.keys().next();
    return first.done ? undefined : this.settle(first.value);
  }

  /**
   * After a reconnect: drops the messages that the resumed history shows
   * were stored before the connection went (sent by `me` with the same
   * text), and returns the rest, oldest first, to send again.
   */
  resend(history: readonly ChatMessage[], me: string, defaultRoom?: string): Sendable[] {
    const stored = history.filter((m) => m.from === me);
    const same = (a: string | undefined, b: string | undefined) =>
      (a ?? defaultRoom)?.toLowerCase() === (b ?? defaultRoom)?.toLowerCase();
    for (const [ref, e] of this.#waiting) {
      if (e.type === "dm") continue;
      const i = stored.findIndex((m) =>
        m.text === e.text && (m.action === true) === (e.type === "me") && same(m.room, e.room)
      );
      if (i >= 0) {
        stored.splice(i, 1);
        this.#waiting.delete(ref);
      }
    }
    return [...this.#waiting.values()];
  }
}
