import { nameKey } from "../../protocol/names.ts";
import type { Peer } from "./peer.ts";

/** A member of the server, as the core sees it. */
export interface Member {
  name: string;
  readonly peer: Peer;
  /** The rooms it is in now. */
  readonly rooms: Set<Room>;
  /**
   * Where its plain-mode lines go and whose events it sees unprefixed;
   * null when it is in no room.
   */
  current: Room | null;
  /**
   * True once it has used rooms (a JSON hello with rooms, since by room or
   * an epoch; enter, part, rooms, topic, say to a room): it gets `topic`
   * events, where a client that knows nothing of rooms gets a notice.
   */
  roomAware: boolean;
  /**
   * A member of another node of a cluster, mirrored here so that rooms,
   * names and `/who` are the same on every node: its peer forwards only
   * what is addressed to it alone (DMs); its node shows it everything else.
   */
  readonly remote?: true;
  /** Proved the operator password on this connection (see Moderation). */
  operator?: boolean;
}

/**
 * One room: its members, its sequence and its topic. A plain container
 * that only the {@linkcode Chat} changes, always synchronously.
 */
export class Room {
  readonly name: string;
  readonly key: string;
  topic: string;
  /** The seq of the newest message stored in this room. */
  lastSeq: number;
  /** Only operators may set the topic. */
  locked = false;
  readonly members = new Set<Member>();
  // Member names kept sorted by key as they come and go: `room` and
  // `welcome` events list every member, and sorting thousands of names on
  // each entry would be quadratic.
  readonly #sorted: string[] = [];
  readonly #byKey = new Map<string, Member>();

  constructor(name: string, topic = "", lastSeq = 0) {
    this.name = name;
    this.key = nameKey(name);
    this.topic = topic;
    this.lastSeq = lastSeq;
  }

  /** How many members are in it. */
  get size(): number {
    return this.members.size;
  }

  /** The members' names, sorted case-insensitively. */
  names(): string[] {
    return this.#sorted.map((key) => this.#byKey.get(key)!.name);
  }

  /** The operators among the members, sorted like `names`. */
  ops(): string[] {
    const out: string[] = [];
    for (const key of this.#sorted) {
      const m = this.#byKey.get(key)!;
      if (m.operator) out.push(m.name);
    }
    return out;
  }

  has(m: Member): boolean {
    return this.members.has(m);
  }

  add(m: Member): void {
    if (this.members.has(m)) return;
    this.members.add(m);
    const key = nameKey(m.name);
    this.#byKey.set(key, m);
    const a = this.#sorted;
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, key);
  }

  remove(m: Member): void {
    if (!this.members.delete(m)) return;
    const key = nameKey(m.name);
    this.#byKey.delete(key);
    const i = this.#sorted.indexOf(key);
    if (i >= 0) this.#sorted.splice(i, 1);
  }

  /** Moves a member to its new name in the sorted list; call after `m.name` changed. */
  renamed(m: Member, oldName: string): void {
    if (!this.members.has(m)) return;
    this.members.delete(m);
    const oldKey = nameKey(oldName);
    this.#byKey.delete(oldKey);
    const i = this.#sorted.indexOf(oldKey);
    if (i >= 0) this.#sorted.splice(i, 1);
    this.add(m);
  }

  /** Empties the room (at shutdown). */
  clear(): void {
    this.members.clear();
    this.#byKey.clear();
    this.#sorted.length = 0;
  }
}
