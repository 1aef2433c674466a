import type { ChatMessage } from "../../protocol/events.ts";

/** A message as it is stored: always with its room. */
export type StoredMessage = ChatMessage & { room: string };

/** A room as the history knows it, for the server to load at start. */
export interface RoomRecord {
  /** The room's name, as first written. */
  name: string;
  topic: string;
  /** The seq of its newest message, 0 when there is none (or retention removed all). */
  lastSeq: number;
  /** Messages kept. */
  count: number;
  /** When its newest kept message was said, or null. */
  lastTs: string | null;
}

/**
 * Where room messages are kept, per room. The server calls it
 * synchronously and never awaits it: `append` returns once the batch (of
 * any rooms) is stored — committed, for a persistent store — and throws if
 * it could not be.
 */
export interface History {
  /**
   * Names this history's life: the same across restarts of a persistent
   * store, new whenever sequence numbers start over (see the protocol's
   * Epoch section).
   */
  readonly epoch: string;
  /** Stores messages, each room's in seq order; throws when they cannot be stored. */
  append(batch: readonly StoredMessage[]): void;
  /** The last `limit` messages of `room`, oldest first. */
  recent(room: string, limit: number): StoredMessage[];
  /** Messages of `room` with seq > `seq`, oldest first, at most `limit` (the newest ones). */
  since(room: string, seq: number, limit: number): StoredMessage[];
  /** The seq of the newest message of `room`, 0 when there is none. */
  lastSeq(room: string): number;
  /** Every room stored (with messages, a topic, or both). */
  rooms(): RoomRecord[];
  /** Records a room and its topic; `topic` "" clears it. */
  saveRoom(room: string, topic: string): void;
  /** Records a new room (no topic); a room already recorded keeps its topic. */
  createRoom(room: string): void;
  /** How many messages are stored, in all rooms. */
  count(): number;
  /** Releases resources; safe to call twice. */
  close(): void;
}

/** A history that keeps the last `capacity` messages of each room in memory. */
export class MemoryHistory implements History {
  readonly epoch: string = crypto.randomUUID();
  readonly #capacity: number;
  readonly #rooms = new Map<
    string,
    { messages: StoredMessage[]; lastSeq: number; topic: string }
  >();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  #room(name: string) {
    let r = this.#rooms.get(name);
    if (!r) this.#rooms.set(name, r = { messages: [], lastSeq: 0, topic: "" });
    return r;
  }

  append(batch: readonly StoredMessage[]): void {
    for (const m of batch) {
      const r = this.#room(m.room);
      r.lastSeq = m.seq;
      if (this.#capacity === 0) continue;
      r.messages.push(m);
      if (r.messages.length > this.#capacity) r.messages.shift();
    }
  }

  recent(room: string, limit: number): StoredMessage[] {
    const r = this.#rooms.get(room);
    return !r || limit <= 0 ? [] : r.messages.slice(-limit);
  }

  since(room: string, seq: number, limit: number): StoredMessage[] {
    const r = this.#rooms.get(room);
    return !r || limit <= 0 ? [] : r.messages.filter((m) => m.seq > seq).slice(-limit);
  }

  lastSeq(room: string): number {
    return this.#rooms.get(room)?.lastSeq ?? 0;
  }

  rooms(): RoomRecord[] {
    return [...this.#rooms].map(([name, r]) => ({
      name,
      topic: r.topic,
      lastSeq: r.lastSeq,
      count: r.messages.length,
      lastTs: r.messages.at(-1)?.ts ?? null,
    }));
  }

  saveRoom(room: string, topic: string): void {
    this.#room(room).topic = topic;
  }

  createRoom(room: string): void {
    this.#room(room);
  }

  count(): number {
    let n = 0;
    for (const r of this.#rooms.values()) n += r.messages.length;
    return n;
  }

  close(): void {}
}
