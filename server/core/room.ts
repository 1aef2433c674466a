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
  /**
   * When it took its name (joined or renamed; Chat sets it): messages under
   * that name since then are its own, whoever had the name before.
   */
  named?: number;
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
  #ops: string[] | null = null;

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

  /** The first `limit` members' names, sorted like `names` (a big room's welcome lists no more). */
  someNames(limit: number): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#sorted.length && i < limit; i++) {
      out.push(this.#byKey.get(this.#sorted[i])!.name);
    }
    return out;
  }

  /**
   * The operators among the members, sorted like `names`. Kept until the
   * members or an operator change: every welcome of a big room asks.
   */
  ops(): string[] {
    if (this.#ops) return [...this.#ops];
    const out: Member[] = [];
    for (const m of this.members) if (m.operator) out.push(m);
    out.sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1));
    this.#ops = out.map((m) => m.name);
    return [...this.#ops];
  }

  /** A member became (or stopped being) an operator. */
  opsChanged(): void {
    this.#ops = null;
  }

  has(m: Member): boolean {
    return this.members.has(m);
  }

  add(m: Member): void {
    if (this.members.has(m)) return;
    this.members.add(m);
    if (m.operator) this.#ops = null;
    const key = nameKey(m.name);
    this.#byKey.set(key, m);
    this.#sorted.splice(this.#place(key), 0, key);
  }

  /** Where `key` is (or would go) in the sorted keys: a binary search, not a scan. */
  #place(key: string): number {
    const a = this.#sorted;
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #unlist(key: string): void {
    const i = this.#place(key);
    if (this.#sorted[i] === key) this.#sorted.splice(i, 1);
  }

  remove(m: Member): void {
    if (!this.members.delete(m)) return;
    if (m.operator) this.#ops = null;
    const key = nameKey(m.name);
    this.#byKey.delete(key);
    this.#unlist(key);
  }

  /** Moves a member to its new name in the sorted list; call after `m.name` changed. */
  renamed(m: Member, oldName: string): void {
    if (!this.members.has(m)) return;
    this.#ops = null;
    this.members.delete(m);
    const oldKey = nameKey(oldName);
    this.#byKey.delete(oldKey);
    this.#unlist(oldKey);
    this.add(m);
  }

  /** Empties the room (at shutdown). */
  clear(): void {
    this.members.clear();
    this.#ops = null;
    this.#byKey.clear();
    this.#sorted.length = 0;
  }
}
