import type { ChatMessage } from "../../protocol/events.ts";
import type { Maybe } from "./reservations.ts";
import { matchesWords } from "./search_words.ts";

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

/** One page of older history: oldest first; `more`: older messages exist. */
export interface Page {
  messages: StoredMessage[];
  more: boolean;
}

/** A change to a stored message: its author's new text, or its deletion. */
export type Revision =
  | { kind: "edit"; text: string; ts: string }
  | { kind: "delete"; ts: string; by: string };

/** A message as a revision leaves it (an edit's text and time; a deletion's blank). */
export function revised(m: StoredMessage, r: Revision): StoredMessage {
  if (r.kind === "edit") return { ...m, text: r.text, edited: r.ts };
  const { file: _file, edited: _edited, ...rest } = m;
  return { ...rest, text: "", deleted: true };
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
  /**
   * Up to `limit` messages of `room` older than seq `before` (undefined:
   * the newest), oldest first. The only reads that may wait (a cluster's
   * older messages are in Redis, not in the node's mirror).
   */
  page(room: string, before: number | undefined, limit: number): Maybe<Page>;
  /**
   * Messages of `rooms` that contain every one of `words` (folded by
   * `searchWords`) as whole words, newest first, at most `limit`; deleted
   * ones never match. Throws a `SearchOff` when this history cannot search.
   */
  search(rooms: readonly string[], words: readonly string[], limit: number): Maybe<StoredMessage[]>;
  /** Message `seq` of `room` as it is now, or null when it is not kept. */
  message(room: string, seq: number): Maybe<StoredMessage | null>;
  /** Stores an edit or a deletion; the message as it is now, or null when it is not kept. */
  revise(room: string, seq: number, revision: Revision): Maybe<StoredMessage | null>;
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

  page(room: string, before: number | undefined, limit: number): Page {
    const all = this.#rooms.get(room)?.messages ?? [];
    const end = before === undefined ? all.length : lowerBound(all, before);
    const start = Math.max(0, end - limit);
    return { messages: all.slice(start, end), more: start > 0 };
  }

  search(rooms: readonly string[], words: readonly string[], limit: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (const name of rooms) {
      for (const m of this.#rooms.get(name)?.messages ?? []) {
        if (!m.deleted && matchesWords(m.text, words)) out.push(m);
      }
    }
    // Seqs are per room; the time says which is newer across rooms.
    out.sort((a, b) => a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : b.seq - a.seq);
    return out.slice(0, limit);
  }

  message(room: string, seq: number): StoredMessage | null {
    const all = this.#rooms.get(room)?.messages ?? [];
    const i = lowerBound(all, seq);
    return all[i]?.seq === seq ? all[i] : null;
  }

  revise(room: string, seq: number, revision: Revision): StoredMessage | null {
    const all = this.#rooms.get(room)?.messages ?? [];
    const i = lowerBound(all, seq);
    if (all[i]?.seq !== seq) return null;
    // A new object: the old one may still be in frames on their way.
    return all[i] = revised(all[i], revision);
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

/** The index of the first message with seq ≥ `seq` (messages in seq order). */
export function lowerBound(messages: readonly { seq: number }[], seq: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (messages[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
