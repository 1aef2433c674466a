import { nameKey } from "../../protocol/names.ts";
import {
  type History,
  lowerBound,
  type Page,
  revised,
  type Revision,
  type RoomRecord,
  type StoredMessage,
} from "../core/history.ts";
import { ClusterRevisions } from "./cluster_revisions.ts";
import type { Log } from "../core/peer.ts";
import { keys } from "./keys.ts";
import type { Commands } from "./link.ts";

/** How far a mirror may grow past its cap before it is trimmed back (reads slice the newest). */
const TRIM_SLACK = 1000;

interface Mirror {
  name: string;
  topic: string;
  lastSeq: number;
  /** The room's newest messages, oldest first, while the room is open here. */
  messages: StoredMessage[] | null;
  /** Revisions of messages that had not reached the mirror yet. */
  early?: Map<number, Revision>;
}

/**
 * The history as a cluster node reads it: Redis has every room's messages
 * (their streams) and the rooms themselves (a hash); this node keeps a
 * mirror of the newest messages of the rooms its members are in, so that
 * the Chat, which never waits, can read a welcome's history at once. The
 * mirror is filled when a room is opened here (`load`) and kept up to date
 * by the ledger (`append`, in seq order). Room records are written to Redis
 * as they change (a failed write is logged: the room still works here).
 */
export class ClusterHistory implements History {
  readonly epoch: string;
  readonly #commands: Commands;
  readonly #cap: number;
  readonly #log: Log;
  readonly #rooms = new Map<string, Mirror>();
  readonly #revisions: ClusterRevisions;

  constructor(
    epoch: string,
    rooms: RoomRecord[],
    options: { commands: Commands; cap: number; log: Log },
  ) {
    this.epoch = epoch;
    this.#commands = options.commands;
    this.#cap = options.cap;
    this.#log = options.log;
    this.#revisions = new ClusterRevisions(options.commands);
    for (const r of rooms) {
      this.#rooms.set(nameKey(r.name), {
        name: r.name,
        topic: r.topic,
        lastSeq: r.lastSeq,
        messages: null,
      });
    }
  }

  /** Whether the room's stream still holds message `seq` (trimming removes the oldest), not deleted. */
  async kept(room: string, seq: number): Promise<boolean> {
    const m = await this.#revisions.message(nameKey(room), seq);
    return m !== null && !m.deleted;
  }

  /** The room's newest messages as read from its stream, with their edits and deletions. */
  withRevisions(room: string, messages: StoredMessage[]): Promise<StoredMessage[]> {
    return this.#revisions.apply(nameKey(room), messages);
  }

  page(room: string, before: number | undefined, limit: number): Promise<Page> {
    return this.#revisions.page(nameKey(room), before, limit);
  }

  search(rooms: readonly string[], words: readonly string[], limit: number) {
    return this.#revisions.search(rooms.map((r) => ({ key: nameKey(r) })), words, limit);
  }

  message(room: string, seq: number): Promise<StoredMessage | null> {
    return this.#revisions.message(nameKey(room), seq);
  }

  async revise(room: string, seq: number, revision: Revision): Promise<StoredMessage | null> {
    const m = await this.#revisions.revise(nameKey(room), seq, revision);
    if (m) this.applied(room, seq, revision);
    return m;
  }

  /**
   * A revision stored (by this node or another): the mirror shows it. One of
   * a message not mirrored yet (still on its way here) is applied when it comes.
   */
  applied(room: string, seq: number, revision: Revision): void {
    const r = this.#rooms.get(nameKey(room));
    if (!r?.messages) return;
    const i = lowerBound(r.messages, seq);
    if (r.messages[i]?.seq === seq) r.messages[i] = revised(r.messages[i], revision);
    else if (seq > r.lastSeq) (r.early ??= new Map()).set(seq, revision);
  }

  /** Reads the rooms Redis knows (name, topic, counter), for a node starting up. */
  static async loadRooms(commands: Commands): Promise<RoomRecord[]> {
    const flat = await commands.send(["HGETALL", keys.rooms]) as string[] | Record<string, string>;
    const pairs: [string, string][] = Array.isArray(flat)
      ? Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])
      : Object.entries(flat ?? {});
    const out: RoomRecord[] = [];
    for (const [key, value] of pairs) {
      try {
        const r = JSON.parse(value) as { name: string; topic: string };
        const last = Number(await commands.send(["GET", keys.seq(key)]) ?? 0);
        out.push({ name: r.name, topic: r.topic ?? "", lastSeq: last, count: 0, lastTs: null });
      } catch {
        // A record that is not ours: skip it rather than refuse to start.
      }
    }
    return out;
  }

  #room(name: string): Mirror {
    const key = nameKey(name);
    let r = this.#rooms.get(key);
    if (!r) this.#rooms.set(key, r = { name, topic: "", lastSeq: 0, messages: null });
    return r;
  }

  /**
   * Fills a room's mirror (from the ledger's open): its newest messages,
   * oldest first. What the ledger delivered while they were being read
   * stays, after them.
   */
  load(name: string, messages: StoredMessage[]): void {
    const r = this.#room(name);
    const live = r.messages ?? [];
    const first = live[0]?.seq ?? Infinity;
    r.messages = messages.filter((m) => m.seq < first).concat(live).slice(-this.#cap);
    const last = r.messages.at(-1)?.seq ?? 0;
    if (last > r.lastSeq) r.lastSeq = last;
  }

  /** A room is being opened here: keep what the ledger delivers from now on (see `load`). */
  opening(name: string): void {
    this.#room(name).messages ??= [];
  }

  /** Delivered messages of one room, in seq order (called by the ledger). */
  append(batch: readonly StoredMessage[]): void {
    for (const m of batch) {
      const r = this.#room(m.room);
      if (m.seq > r.lastSeq) r.lastSeq = m.seq;
      if (!r.messages) continue;
      const early = r.early?.get(m.seq);
      if (early) r.early!.delete(m.seq);
      r.messages.push(early ? revised(m, early) : m);
      // Trimmed in chunks: one splice per message would copy the whole mirror each time.
      if (r.messages.length > this.#cap + TRIM_SLACK) {
        r.messages.splice(0, r.messages.length - this.#cap);
      }
    }
  }

  // Reads see the newest `cap` only: the mirror's slack past it is not
  // history (with --retain COUNT the cap is the count, and a node that has
  // mirrored a room for long answers like one that just read it).

  recent(room: string, limit: number): StoredMessage[] {
    const r = this.#rooms.get(nameKey(room));
    return !r?.messages || limit <= 0 ? [] : r.messages.slice(-Math.min(limit, this.#cap));
  }

  since(room: string, seq: number, limit: number): StoredMessage[] {
    const r = this.#rooms.get(nameKey(room));
    if (!r?.messages || limit <= 0) return [];
    const n = Math.min(limit, this.#cap);
    const from = Math.max(lowerBound(r.messages, seq + 1), r.messages.length - n);
    return r.messages.slice(from);
  }

  lastSeq(room: string): number {
    return this.#rooms.get(nameKey(room))?.lastSeq ?? 0;
  }

  rooms(): RoomRecord[] {
    return [...this.#rooms.values()].map((r) => ({
      name: r.name,
      topic: r.topic,
      lastSeq: r.lastSeq,
      count: Math.min(r.messages?.length ?? 0, this.#cap),
      lastTs: r.messages?.at(-1)?.ts ?? null,
    }));
  }

  saveRoom(room: string, topic: string): void {
    const r = this.#room(room);
    r.topic = topic;
    this.#write(["HSET", keys.rooms, nameKey(room), JSON.stringify({ name: r.name, topic })]);
  }

  createRoom(room: string): void {
    const r = this.#room(room);
    this.#write([
      "HSETNX",
      keys.rooms,
      nameKey(room),
      JSON.stringify({ name: r.name, topic: r.topic }),
    ]);
  }

  #write(args: string[]): void {
    this.#commands.send(args).catch((err) => {
      this.#log("warn", `could not record a room in Redis: ${err?.message ?? err}`);
    });
  }

  count(): number {
    let n = 0;
    for (const r of this.#rooms.values()) n += Math.min(r.messages?.length ?? 0, this.#cap);
    return n;
  }

  close(): void {}
}
