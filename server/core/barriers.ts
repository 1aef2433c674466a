import type { Clock } from "./clock.ts";
import type { Member, Room } from "./room.ts";

/**
 * How long a refused message's id holds back its sender's later ones in
 * that room, from its last refusal: clients that resend do so within 5 s;
 * one that does not is not held back for long.
 */
export const BARRIER_MS = 10_000;

/** A message held behind a barrier: posted when it falls, refused when its message fails again. */
export interface Held {
  ref: string | undefined;
  post(): void;
}

interface Barrier {
  /** The id of the message that was refused. */
  id: string;
  until: number;
  /** It came again and waits for its outcome: what follows it is held, not refused. */
  resent: boolean;
  held: Held[];
}

/** What to do with a member's message in a room. */
export type Verdict = "go" | "hold" | "refuse";

/**
 * Keeps one sender's messages in a room in their order when one of them
 * could not be stored (Redis away, a disk error): after the refusal, the
 * sender's later messages there are refused too, until the refused one is
 * sent again (same id, as chat join and the page do); from then on what
 * follows it is held and posted right after it is stored — or refused
 * with it if it fails again. So a line already on its way never overtakes
 * the one being retried.
 */
export class Barriers {
  readonly #clock: Clock;
  readonly #by = new WeakMap<Member, Map<Room, Barrier>>();
  /**
   * Barriers up now: with none (nearly always), a message costs no lookup.
   * One left behind by a member who went only loses that shortcut.
   */
  #count = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Whether `from`'s message `id` to `room` may go now, must wait (then `hold` it), or is refused. */
  admit(from: Member, room: Room, id: string | undefined): Verdict {
    if (this.#count === 0) return "go";
    const b = this.#by.get(from)?.get(room);
    if (!b) return "go";
    if (id === b.id) {
      b.resent = true;
      return "go";
    }
    if (b.resent) return "hold";
    if (this.#clock.now() > b.until) {
      this.#by.get(from)!.delete(room);
      this.#count--;
      return "go";
    }
    return "refuse";
  }

  hold(from: Member, room: Room, held: Held): void {
    this.#by.get(from)!.get(room)!.held.push(held);
  }

  /** A message of `from` with `id` was refused: returns what was held behind it (refuse those too). */
  refused(from: Member, room: Room, id: string | undefined): Held[] {
    if (id === undefined) return [];
    let byRoom = this.#by.get(from);
    if (!byRoom) this.#by.set(from, byRoom = new Map());
    const until = this.#clock.now() + BARRIER_MS;
    const b = byRoom.get(room);
    if (!b) {
      byRoom.set(room, { id, until, resent: false, held: [] });
      this.#count++;
      return [];
    }
    if (b.id !== id) return [];
    // Refused again: the client retries it and what it held, in order.
    b.until = until;
    b.resent = false;
    return b.held.splice(0);
  }

  /** A message of `from` with `id` was stored: returns what was held behind it (post those now). */
  stored(from: Member, room: Room, id: string | undefined): Held[] {
    if (this.#count === 0) return [];
    const byRoom = this.#by.get(from);
    const b = byRoom?.get(room);
    if (!b || id !== b.id) return [];
    byRoom!.delete(room);
    this.#count--;
    return b.held;
  }
}
