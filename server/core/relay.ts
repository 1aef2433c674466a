import type { ServerEvent } from "../../protocol/events.ts";
import type { Clock } from "./clock.ts";
import { Frame, FrameRun } from "./frame.ts";
import type { History, StoredMessage } from "./history.ts";
import type { Log, Peer } from "./peer.ts";
import type { Member, Room } from "./room.ts";

interface Pending {
  room: Room;
  from: Member;
  text: string;
  action: boolean;
  ref: string | undefined;
}

/**
 * Room messages on their way: collected for the rest of the current turn
 * of the event loop, stored as one batch (one transaction, whatever the
 * rooms) before anyone sees them, then handed to each room's members: one
 * hand-over per member per room with news, with the member's own messages
 * replaced by their acks. So a persistent history commits many messages at
 * once, nothing is shown or acked that was not stored, and a member in 50
 * rooms costs nothing for the 49 that are quiet.
 */
export class Relay {
  readonly #history: History;
  readonly #clock: Clock;
  readonly #log: Log;
  #pending: Pending[] = [];
  #scheduled = false;

  constructor(history: History, clock: Clock, log: Log) {
    this.#history = history;
    this.#clock = clock;
    this.#log = log;
  }

  /** Queues a message; it is stored, relayed and acked at the end of this turn. */
  post(room: Room, from: Member, text: string, action: boolean, ref?: string): void {
    this.#pending.push({ room, from, text, action, ref });
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flushSoon);
    }
  }

  readonly #flushSoon = (): void => this.flush();

  /** Publishes what is pending now: before any other event, so everyone sees one order. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    const ts = new Date(this.#clock.now()).toISOString();
    // Seqs are given here, in order, per room; a room's counter moves only
    // once its messages are stored.
    const next = new Map<Room, number>();
    const batch: StoredMessage[] = pending.map((p) => {
      const seq = (next.get(p.room) ?? p.room.lastSeq) + 1;
      next.set(p.room, seq);
      const m: StoredMessage = {
        type: "message",
        room: p.room.name,
        seq,
        ts,
        from: p.from.name,
        text: p.text,
      };
      if (p.action) m.action = true;
      return m;
    });
    try {
      this.#history.append(batch);
    } catch (err) {
      this.#log(
        "error",
        `could not store ${batch.length} messages: ${err instanceof Error ? err.message : err}`,
      );
      for (const p of pending) {
        p.from.peer.send(
          new Frame({
            type: "error",
            code: "server_error",
            message: "your message could not be stored and was not sent, try again",
            ref: p.ref,
          }),
        );
      }
      return;
    }
    for (const [room, seq] of next) room.lastSeq = seq;
    // One run per room, in the order the rooms first appear in the batch.
    const byRoom = new Map<Room, number[]>();
    for (let i = 0; i < pending.length; i++) {
      const list = byRoom.get(pending[i].room);
      if (list) list.push(i);
      else byRoom.set(pending[i].room, [i]);
    }
    for (const [room, indexes] of byRoom) {
      this.#fanOut(room, indexes.map((i) => [pending[i], batch[i]]));
    }
  }

  #fanOut(room: Room, items: [Pending, StoredMessage][]): void {
    const frames = items.map(([, m]) => new Frame(m));
    const acks = items.map(([p, m]) => {
      const ack: ServerEvent = p.ref === undefined
        ? { type: "ack", room: room.name, seq: m.seq }
        : { type: "ack", room: room.name, ref: p.ref, seq: m.seq };
      return new Frame(ack);
    });
    // Each member gets every message of the room in seq order, except its
    // own, where it gets the ack: one hand-over per member.
    const own = new Map<Member, number[]>();
    for (let i = 0; i < items.length; i++) {
      const from = items[i][0].from;
      const list = own.get(from);
      if (list) list.push(i);
      else own.set(from, [i]);
    }
    const run = new FrameRun(frames);
    for (const m of room.members) {
      const mine = own.get(m);
      if (mine) own.delete(m);
      sendRun(m.peer, run, mine, acks, m.current !== room);
    }
    // A sender that is no longer in the room still gets its acks.
    for (const [m, mine] of own) for (const i of mine) m.peer.send(acks[i]);
  }
}

function sendRun(
  peer: Peer,
  run: FrameRun,
  own: number[] | undefined,
  acks: Frame[],
  tagged: boolean,
) {
  if (peer.sendRun) return peer.sendRun(run, own, acks, tagged);
  const frames = run.frames;
  for (let i = 0, j = 0; i < frames.length; i++) {
    if (own !== undefined && own[j] === i) {
      j++;
      peer.send(acks[i]);
    } else peer.send(frames[i], tagged);
  }
}
