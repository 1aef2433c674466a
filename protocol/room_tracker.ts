import type { ChatMessage, ClientEvent, ServerEvent } from "./events.ts";
import { nameKey } from "./names.ts";
import { SeqTracker, type SeqVerdict } from "./seq_tracker.ts";

/** What a client keeps of one room it is in. */
export interface RoomView {
  name: string;
  topic: string;
  members: string[];
  /** Messages since it was last the current room. */
  unread: number;
  /** Some of them mention you. */
  mentioned: boolean;
  readonly seq: SeqTracker;
}

type Welcome = Extract<ServerEvent, { type: "welcome" }>;
type RoomEvent = Extract<ServerEvent, { type: "room" }>;

/**
 * The rooms a client is in, which one is current, what is unread in the
 * others, and the last seq seen in each, so that a reconnect resumes every
 * room (`hello.since` by room, with the epoch) with no gap and nothing
 * shown twice. Shared by the terminal client and the web page; no I/O.
 */
export class RoomTracker {
  readonly #rooms = new Map<string, RoomView>();
  /** The server's default room, once a welcome has named it. */
  defaultRoom: string | null = null;
  #current: string | null = null;
  #epoch: string | undefined;
  #joined = false;

  /** The rooms, in the order they were entered. */
  list(): RoomView[] {
    return [...this.#rooms.values()];
  }

  /** The room called `name` (any case, a leading # allowed), if we are in it. */
  get(name: string | undefined): RoomView | undefined {
    return name === undefined ? undefined : this.#rooms.get(nameKey(name.replace(/^#/, "")));
  }

  /** The current room: where typed lines go. */
  get current(): RoomView | undefined {
    return this.get(this.#current ?? undefined);
  }

  /** Makes `name` current (it must be one we are in); clears its unread count. */
  switchTo(name: string): RoomView | undefined {
    const r = this.get(name);
    if (!r) return undefined;
    this.#current = r.name;
    r.unread = 0;
    r.mentioned = false;
    return r;
  }

  #add(name: string): RoomView {
    let r = this.get(name);
    if (!r) {
      r = { name, topic: "", members: [], unread: 0, mentioned: false, seq: new SeqTracker() };
      this.#rooms.set(nameKey(name), r);
    }
    return r;
  }

  /**
   * The hello for (re)joining: the rooms we are in and the last seq of
   * each, with the epoch they belong to. `rooms` is used before the first
   * welcome (the rooms asked for on the command line).
   */
  hello(name: string, rooms?: string[]): Extract<ClientEvent, { type: "hello" }> {
    const hello: Extract<ClientEvent, { type: "hello" }> = { type: "hello", name };
    if (!this.#joined) {
      if (rooms && rooms.length > 0) hello.rooms = rooms;
      return hello;
    }
    hello.rooms = this.list().map((r) => r.name);
    const since: Record<string, number> = {};
    for (const r of this.list()) if (r.seq.since !== undefined) since[r.name] = r.seq.since;
    if (Object.keys(since).length > 0) hello.since = since;
    if (this.#epoch !== undefined) hello.epoch = this.#epoch;
    return hello;
  }

  /**
   * Takes a welcome: the rooms we are now in and the default room's
   * members. Returns true when the server's history started over (another
   * epoch): every room then counts from scratch.
   */
  welcome(w: Welcome): boolean {
    const reset = w.reset === true;
    const known = new Set(this.list().map((r) => nameKey(r.name)));
    this.defaultRoom = w.room ?? w.rooms?.[0] ?? this.defaultRoom ?? "lobby";
    this.#epoch = w.epoch;
    const rooms = w.rooms ?? [this.defaultRoom];
    for (const k of [...this.#rooms.keys()]) {
      if (!rooms.some((n) => nameKey(n) === k)) this.#rooms.delete(k);
    }
    for (const n of rooms) {
      const r = this.#add(n);
      if (reset || !known.has(nameKey(n))) r.seq.reset();
      r.seq.joined();
    }
    const lobby = this.get(this.defaultRoom);
    if (lobby) lobby.members = [...w.members];
    if (!this.current) this.#current = (lobby ?? this.list()[0])?.name ?? null;
    this.#joined = true;
    return reset;
  }

  /** Takes a `room` event (entered, or resumed after a welcome). */
  entered(e: RoomEvent): RoomView {
    const r = this.#add(e.room);
    r.topic = e.topic;
    r.members = [...e.members];
    r.seq.joined();
    if (!this.current) this.#current = r.name;
    return r;
  }

  /** We left `name`; returns the room that is current now, if any. */
  parted(name: string): RoomView | undefined {
    const r = this.get(name);
    if (!r) return this.current;
    this.#rooms.delete(nameKey(r.name));
    if (this.#current === r.name) {
      this.#current = (this.get(this.defaultRoom ?? undefined) ?? this.list()[0])?.name ?? null;
    }
    return this.current;
  }

  /**
   * Judges a message of `room` (see {@linkcode SeqTracker.judge}); a shown
   * message of a room that is not current counts as unread there.
   */
  judge(room: string | undefined, seq: number, replay: boolean, mention = false): SeqVerdict {
    const r = this.get(room ?? this.defaultRoom ?? undefined);
    if (!r) return "show";
    const verdict = r.seq.judge(seq, replay);
    if (verdict !== "duplicate" && !replay && r !== this.current) {
      r.unread++;
      if (mention) r.mentioned = true;
    }
    return verdict;
  }

  /** The history messages of a replay that are new (not seen before). */
  fresh(room: string | undefined, history: readonly ChatMessage[]): ChatMessage[] {
    return history.filter((m) => this.judge(m.room ?? room, m.seq, true) !== "duplicate");
  }
}
