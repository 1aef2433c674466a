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
  id: string | undefined;
  post(): void;
}

interface Barrier {
  /** The id of the message that was refused. */
  id: string;
  until: number;
  /** It came again and waits for its outcome: what follows it is held, not refused. */
  resent: boolean;
  held: Held[];
  /**
   * Ids of the sender's later messages refused behind it, which the client
   * sends again, in its order, after the refused one. Once that one is
   * stored they go as they come again, and anything else is still refused
   * until they all came: a line sent before the client heard of the
   * refusals cannot overtake them.
   */
  behind: Set<string>;
  /** The refused one is stored: only `behind` is waited for. */
  stored: boolean;
}

/** What to do with a member's message in a room. */
export type Verdict = "go" | "hold" | "refuse";

/**
 * Keeps one sender's messages in a room in their order when one of them
 * could not be stored (Redis away, a disk error): after the refusal, the
 * sender's later messages there are refused too, until the refused one is
 * sent again (same id, as chat join and the page do); from then on what
 * follows it is held and posted right after it is stored — or refused
 * with it if it fails again; the lines refused behind it are then awaited
 * in turn (see `behind`). So a line already on its way never overtakes
 * the ones being retried.
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
    if (b.stored) {
      if (id !== undefined && b.behind.delete(id)) {
        if (b.behind.size === 0) this.#drop(from, room);
        return "go";
      }
    } else {
      if (id === b.id) {
        b.resent = true;
        return "go";
      }
      if (b.resent) return "hold";
    }
    if (this.#clock.now() > b.until) {
      this.#drop(from, room);
      return "go";
    }
    if (id !== undefined) b.behind.add(id);
    return "refuse";
  }

  #drop(from: Member, room: Room): void {
    this.#by.get(from)!.delete(room);
    this.#count--;
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
      byRoom.set(room, { id, until, resent: false, held: [], behind: new Set(), stored: false });
      this.#count++;
      return [];
    }
    if (b.id !== id || b.stored) {
      // A later one that failed too: the client sends it again, after the others.
      if (b.id !== id) b.behind.add(id);
      return [];
    }
    // Refused again: the client retries it and what it held, in order.
    b.until = until;
    b.resent = false;
    return b.held.splice(0);
  }

  /**
   * A message of `from` with `id` was stored: returns what was held behind
   * it, to post now as it is (it was admitted already).
   */
  stored(from: Member, room: Room, id: string | undefined): Held[] {
    if (this.#count === 0) return [];
    const b = this.#by.get(from)?.get(room);
    if (!b || b.stored || id !== b.id) return [];
    const held = b.held;
    b.held = [];
    for (const h of held) if (h.id !== undefined) b.behind.delete(h.id);
    if (b.behind.size === 0) this.#drop(from, room);
    else {
      b.stored = true;
      b.until = this.#clock.now() + BARRIER_MS;
    }
    return held;
  }
}
