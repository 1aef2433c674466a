import { PRESENCE_NAMES, type PresenceSummary, type ServerEvent } from "../../protocol/events.ts";
import { Frame, FrameRun } from "./frame.ts";
import { BATCH_PRESENCE, BIG_ROOM } from "./join_request.ts";
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
 * storm would otherwise hand every member one frame per joiner. In a room
 * of more than {@linkcode BIG_ROOM} members a batch is one `presence`
 * summary (a few names and the counts) instead: a join storm of 10 000
 * would otherwise send each member every other joiner's name, 50 million
 * events in all, and the bytes of that, not the members, were what the
 * server's memory went to. The Chat
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
    const big = room.size > BIG_ROOM;
    let summary: Frame | undefined;
    for (const m of room.members) {
      const tagged = m.current !== room;
      if (big && !m.peer.eachPresence) {
        m.peer.send(summary ??= new Frame(summarize(room, batch.frames)), tagged);
        continue;
      }
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

/** One batch as a `presence` summary: the first names of each kind, the counts, the room's size. */
function summarize(room: Room, frames: readonly Frame[]): PresenceSummary {
  const e: PresenceSummary = {
    type: "presence",
    room: room.name,
    ts: "",
    count: room.size,
    joined: [],
    left: [],
    joins: 0,
    leaves: 0,
  };
  for (const f of frames) {
    const ev = f.event;
    if (ev.type === "join") {
      if (e.joins++ < PRESENCE_NAMES) e.joined.push(ev.name);
      e.ts = ev.ts;
    } else if (ev.type === "leave") {
      if (e.leaves++ < PRESENCE_NAMES) e.left.push(ev.name);
      e.ts = ev.ts;
    }
  }
  return e;
}
