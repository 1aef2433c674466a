import type { FileInfo, ServerEvent } from "../../protocol/events.ts";
import type { Clock } from "./clock.ts";
import { Frame, FrameRun } from "./frame.ts";
import type { Draft, Entry, Ledger, LedgerSink } from "./ledger.ts";
import type { Peer } from "./peer.ts";
import { Barriers, type Held } from "./barriers.ts";
import type { Member, Room } from "./room.ts";

/**
 * Room messages on their way: collected for the rest of the current turn
 * of the event loop and handed to the {@linkcode Ledger} as one batch,
 * which gives them their seqs and stores them (one transaction on one node,
 * one round of scripts in a cluster) before anyone sees them. What the
 * ledger delivers is handed to each room's members: one hand-over per
 * member per room with news, with the member's own messages replaced by
 * their acks. So nothing is shown or acked that was not stored, and a
 * member in 50 rooms costs nothing for the 49 that are quiet.
 */
export class Relay implements LedgerSink {
  readonly #ledger: Ledger;
  readonly #clock: Clock;
  #pending: Draft[] = [];
  #scheduled = false;
  readonly #barriers: Barriers;

  readonly #beforeDeliver: (room: Room) => void;

  /** `beforeDeliver` runs before a room's messages are shown (the Chat sends its pending joins). */
  constructor(ledger: Ledger, clock: Clock, beforeDeliver: (room: Room) => void = () => {}) {
    this.#ledger = ledger;
    this.#clock = clock;
    this.#beforeDeliver = beforeDeliver;
    this.#barriers = new Barriers(clock);
    ledger.bind(this);
  }

  /** Queues a message; it is stored, relayed and acked once the ledger has it. */
  post(
    room: Room,
    from: Member,
    text: string,
    action: boolean,
    ref?: string,
    id?: string,
    extra?: { file: FileInfo; stored?: (seq: number) => void },
  ): void {
    // A sender's message that follows one of its refused ones keeps its place.
    const verdict = this.#barriers.admit(from, room, id);
    if (verdict === "refuse") return this.#refuse(from, ref, UNSTORED_BEHIND);
    if (verdict === "hold") {
      return this.#barriers.hold(from, room, {
        ref,
        id,
        // Admitted already: it goes even while the lines refused behind are awaited.
        post: () => this.#queue(room, from, text, action, ref, id, extra),
      });
    }
    this.#queue(room, from, text, action, ref, id, extra);
  }

  #queue(
    room: Room,
    from: Member,
    text: string,
    action: boolean,
    ref?: string,
    id?: string,
    extra?: { file: FileInfo; stored?: (seq: number) => void },
  ): void {
    const message: Draft["message"] = {
      type: "message",
      room: room.name,
      seq: 0,
      ts: "",
      from: from.name,
      text,
    };
    if (action) message.action = true;
    if (extra) message.file = extra.file;
    this.#pending.push({ room, from, message, ref, id, stored: extra?.stored });
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flushSoon);
    }
  }

  readonly #flushSoon = (): void => this.flush();

  /** Hands what is pending to the ledger now: before any other event, so everyone sees one order. */
  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    const ts = new Date(this.#clock.now()).toISOString();
    for (const d of pending) d.message.ts = ts;
    this.#ledger.submit(pending);
  }

  refused(drafts: Draft[], message: string): void {
    for (const d of drafts) {
      this.#refuse(d.from, d.ref, message);
      for (const h of this.#barriers.refused(d.from, d.room, d.id)) {
        this.#refuse(d.from, h.ref, UNSTORED_BEHIND);
      }
    }
  }

  #refuse(to: Member, ref: string | undefined, message: string): void {
    to.peer.send(new Frame({ type: "error", code: "server_error", message, ref }));
  }

  deliver(room: Room, entries: Entry[]): void {
    this.#beforeDeliver(room);
    const released: Held[] = [];
    for (const e of entries) {
      if (e.draft?.stored && !e.duplicate) e.draft.stored(e.message.seq);
      if (e.draft?.id !== undefined) {
        released.push(...this.#barriers.stored(e.draft.from, room, e.draft.id));
      }
    }
    // A resend's ack goes to its sender alone, in its place among the others.
    let from = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (!e.duplicate) continue;
      if (i > from) this.#fanOut(room, entries.slice(from, i));
      e.draft!.from.peer.send(new Frame(ackEvent(room, e.message.seq, e.draft!.ref)));
      from = i + 1;
    }
    if (from < entries.length) this.#fanOut(room, from === 0 ? entries : entries.slice(from));
    for (const h of released) h.post();
  }

  #fanOut(room: Room, entries: Entry[]): void {
    const frames = entries.map((e) => new Frame(e.message));
    // acks[i] is read only where frames[i] is the member's own.
    const acks: Frame[] = [];
    // Each member gets every message of the room in seq order, except its
    // own, where it gets the ack: one hand-over per member.
    const own = new Map<Member, number[]>();
    for (let i = 0; i < entries.length; i++) {
      const d = entries[i].draft;
      if (!d) continue;
      acks[i] = new Frame(ackEvent(room, entries[i].message.seq, d.ref));
      const list = own.get(d.from);
      if (list) list.push(i);
      else own.set(d.from, [i]);
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

const UNSTORED_BEHIND =
  "an earlier message of yours was not stored yet: send it again first, then this one";

function ackEvent(room: Room, seq: number, ref: string | undefined): ServerEvent {
  return ref === undefined
    ? { type: "ack", room: room.name, seq }
    : { type: "ack", room: room.name, ref, seq };
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
