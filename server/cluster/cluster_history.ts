import { nameKey } from "../../protocol/names.ts";
import type { History, RoomRecord, StoredMessage } from "../core/history.ts";
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

  constructor(
    epoch: string,
    rooms: RoomRecord[],
    options: { commands: Commands; cap: number; log: Log },
  ) {
    this.epoch = epoch;
    this.#commands = options.commands;
    this.#cap = options.cap;
    this.#log = options.log;
    for (const r of rooms) {
      this.#rooms.set(nameKey(r.name), {
        name: r.name,
        topic: r.topic,
        lastSeq: r.lastSeq,
        messages: null,
      });
    }
  }

  /** Whether the room's stream still holds message `seq` (trimming removes the oldest). */
  async kept(room: string, seq: number): Promise<boolean> {
    const id = `0-${seq}`;
    const r = await this.#commands.send(["XRANGE", keys.log(nameKey(room)), id, id]);
    return Array.isArray(r) && r.length > 0;
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

  /** Fills a room's mirror (from the ledger's open): its newest messages, oldest first. */
  load(name: string, messages: StoredMessage[]): void {
    const r = this.#room(name);
    r.messages = messages.slice(-this.#cap);
    const last = messages.at(-1)?.seq ?? 0;
    if (last > r.lastSeq) r.lastSeq = last;
  }

  /** Whether a room's messages are mirrored here. */
  loaded(name: string): boolean {
    return this.#rooms.get(nameKey(name))?.messages != null;
  }

  /** Delivered messages of one room, in seq order (called by the ledger). */
  append(batch: readonly StoredMessage[]): void {
    for (const m of batch) {
      const r = this.#room(m.room);
      if (m.seq > r.lastSeq) r.lastSeq = m.seq;
      if (!r.messages) continue;
      r.messages.push(m);
      // Trimmed in chunks: one splice per message would copy the whole mirror each time.
      if (r.messages.length > this.#cap + TRIM_SLACK) {
        r.messages.splice(0, r.messages.length - this.#cap);
      }
    }
  }

  recent(room: string, limit: number): StoredMessage[] {
    const r = this.#rooms.get(nameKey(room));
    return !r?.messages || limit <= 0 ? [] : r.messages.slice(-limit);
  }

  since(room: string, seq: number, limit: number): StoredMessage[] {
    const r = this.#rooms.get(nameKey(room));
    if (!r?.messages || limit <= 0) return [];
    return r.messages.filter((m) => m.seq > seq).slice(-limit);
  }

  lastSeq(room: string): number {
    return this.#rooms.get(nameKey(room))?.lastSeq ?? 0;
  }

  rooms(): RoomRecord[] {
    return [...this.#rooms.values()].map((r) => ({
      name: r.name,
      topic: r.topic,
      lastSeq: r.lastSeq,
      count: r.messages?.length ?? 0,
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
    for (const r of this.#rooms.values()) n += r.messages?.length ?? 0;
    return n;
  }

  close(): void {}
}
