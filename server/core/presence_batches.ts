import type { ServerEvent } from "../../protocol/events.ts";
import { Frame, FrameRun } from "./frame.ts";
import { BATCH_PRESENCE } from "./join_request.ts";
import type { Member, Room } from "./room.ts";

/** Most joins and leaves in one batch: a bigger one is sent at once. */
const MAX_BATCH = 1000;

/**
 * How long a big room's joins and leaves wait to be announced together:
 * 20 ms, and 1 ms more per 50 members beyond 1000 (at most 200 ms): every
 * batch costs one hand-over per member, so the biggest rooms batch longest.
 */
export function presenceDelay(members: number): number {
  return Math.min(200, Math.max(20, Math.round(members / 50)));
}

/**
 * Joins and leaves of big rooms on their way: announced at once in a room
 * under {@linkcode BATCH_PRESENCE} members; in a bigger one collected for
 * {@linkcode presenceDelay} and handed to each member as one run. A join
 * storm would otherwise hand every member one frame per joiner. The Chat
 * flushes a room's batch before anything else reaches that room, so
 * nobody sees a message from someone whose join they have not seen.
 */
export class PresenceBatches {
  readonly #broadcast: (room: Room, event: ServerEvent) => void;
  readonly #batches = new Map<Room, { frames: Frame[]; subjects: Member[] }>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `broadcast` sends an event to a room at once (small rooms). */
  constructor(broadcast: (room: Room, event: ServerEvent) => void) {
    this.#broadcast = broadcast;
  }

  /** Announces a join or leave of `subject` to `room` (which it is not in, or no longer). */
  announce(room: Room, event: ServerEvent, subject: Member): void {
    if (room.size < BATCH_PRESENCE && !this.#batches.has(room)) {
      return this.#broadcast(room, event);
    }
    let batch = this.#batches.get(room);
    if (!batch) this.#batches.set(room, batch = { frames: [], subjects: [] });
    batch.frames.push(new Frame(event));
    batch.subjects.push(subject);
    if (batch.frames.length >= MAX_BATCH) return this.flush(room);
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, presenceDelay(room.size));
    }
  }

  /**
   * Sends the batch of `room` (of every room, without one): a member gets
   * the events after its own last join in the batch (its welcome listed the
   * earlier ones), everyone else all of them, in one hand-over.
   */
  flush(room?: Room): void {
    if (this.#batches.size === 0) return;
    if (room === undefined) {
      for (const r of [...this.#batches.keys()]) this.flush(r);
      return;
    }
    const batch = this.#batches.get(room);
    if (!batch) return;
    this.#batches.delete(room);
    const run = new FrameRun(batch.frames);
    const last = new Map<Member, number>();
    batch.subjects.forEach((m, i) => last.set(m, i));
    for (const m of room.members) {
      const tagged = m.current !== room;
      const k = last.get(m);
      if (k === undefined && m.peer.sendRun) m.peer.sendRun(run, undefined, [], tagged);
      else {
        for (let i = (k ?? -1) + 1; i < batch.frames.length; i++) {
          m.peer.send(batch.frames[i], tagged);
        }
      }
    }
  }
}
