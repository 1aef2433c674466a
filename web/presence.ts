/// <reference lib="dom" />
/**
 * A big room's `presence` summaries (docs/protocol.md, Big rooms): the
 * names they list are applied to the members list at once; when a summary
 * names only some of those who came or went, the whole list is asked for
 * (`who`) once things are quiet, so that a join storm costs each page one
 * list, not one per batch.
 */
import type { PresenceSummary } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import { presenceText } from "../protocol/plain.ts";

/** How long a room must be quiet after an incomplete summary before the page asks `who`. */
export const WHO_AFTER_MS = 2000;

/** A room as the members list keeps it. */
interface RoomMembers {
  name: string;
  members: string[];
}

/** Applies summaries; asks `who` for a room whose list they left incomplete. */
export class PresenceSummaries {
  readonly #askWho: (room: string) => void;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(askWho: (room: string) => void) {
    this.#askWho = askWho;
  }

  /** Applies `e` to `room`'s members; returns the line the log shows. */
  apply(room: RoomMembers, e: PresenceSummary): string {
    const left = new Set(e.left.map(nameKey));
    room.members = room.members.filter((n) => !left.has(nameKey(n)));
    const known = new Set(room.members.map(nameKey));
    for (const n of e.joined) if (!known.has(nameKey(n))) room.members.push(n);
    if (e.joins > e.joined.length || e.leaves > e.left.length) this.#later(room.name);
    return presenceText(e);
  }

  #later(room: string): void {
    const key = nameKey(room);
    clearTimeout(this.#timers.get(key));
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.#askWho(room);
      }, WHO_AFTER_MS),
    );
  }
}
