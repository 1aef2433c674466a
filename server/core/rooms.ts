import type { ErrorCode, RoomSummary } from "../../protocol/events.ts";
import { nameKey, nameProblem, normalizeName } from "../../protocol/names.ts";
import type { History } from "./history.ts";
import type { Log } from "./peer.ts";
import { Room } from "./room.ts";

/** An error to send back to a client. */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * A refused room name as it can be shown: each control character a "?",
 * so `de<ESC>[1mv` reads "de?[1mv", not the "dev" that cleaning would show.
 */
function visible(name: string): string {
  return name.replace(CONTROL, "?").toWellFormed();
}

/** A refusal with this code and message. */
export const refuse = (code: ErrorCode, message: string): Refusal => ({ code, message });

/**
 * Every room of the server, by name (any case): loaded from the history at
 * start, created on first entry up to `maxRooms`, kept (with history and
 * topic) when they empty.
 */
export class Rooms {
  readonly #rooms = new Map<string, Room>();
  readonly #history: History;
  #max: number;
  readonly #log: Log;
  readonly #created: (room: Room) => void;

  constructor(history: History, max: number, log: Log, created: (room: Room) => void) {
    this.#history = history;
    this.#max = max;
    this.#log = log;
    this.#created = created;
    for (const r of history.rooms()) {
      this.#rooms.set(nameKey(r.name), new Room(r.name, r.topic, r.lastSeq));
    }
  }

  /** Most rooms that may exist (`--max-rooms`); lowering it deletes none. */
  get max(): number {
    return this.#max;
  }

  set max(n: number) {
    this.#max = n;
  }

  /** How many rooms exist. */
  get size(): number {
    return this.#rooms.size;
  }

  /** The room called `name` (any case, a leading # allowed), if it exists. */
  get(name: string): Room | undefined {
    return this.#rooms.get(nameKey(name.replace(/^#/, "")));
  }

  /** Every room. */
  all(): IterableIterator<Room> {
    return this.#rooms.values();
  }

  /**
   * The room a client named, or why not: `bad_room` for a name that breaks
   * the rules; with `create`, a new room (or `room_limit`); without it,
   * `not_in_room` for a room that does not exist.
   */
  resolve(raw: string, create: boolean): Room | Refusal {
    const name = normalizeName(raw).replace(/^#/, "");
    const problem = nameProblem(name);
    if (problem) {
      return refuse(
        "bad_room",
        `#${visible(name).slice(0, 40)} is not a room name: ${
          problem.replace(/\bname\b/g, "room name")
        }`,
      );
    }
    const existing = this.#rooms.get(nameKey(name));
    if (existing || !create) {
      return existing ??
        refuse("not_in_room", `there is no room #${name}, /join ${name} creates it`);
    }
    if (this.#rooms.size >= this.#max) {
      return refuse(
        "room_limit",
        `this server has its ${this.#max} rooms (--max-rooms); join one of them, /rooms lists them`,
      );
    }
    const room = new Room(name);
    this.#rooms.set(room.key, room);
    this.#history.createRoom(room.name);
    this.#log("info", `room #${room.name} created`);
    this.#created(room);
    return room;
  }

  /** The room `name`, made (whatever the limit) if it does not exist: the default room. */
  ensure(name: string): Room {
    let room = this.get(name);
    if (!room) {
      room = new Room(name);
      this.#rooms.set(room.key, room);
      this.#history.createRoom(room.name);
    }
    return room;
  }

  /**
   * A room another node made (or whose topic it changed), known here from
   * now on, whatever the limit (the node that made it checked it).
   */
  learn(name: string, topic?: string): Room {
    let room = this.get(name);
    if (!room) {
      room = new Room(name, topic ?? "");
      this.#rooms.set(room.key, room);
      this.#history.createRoom(room.name);
    } else if (topic !== undefined) room.topic = topic;
    return room;
  }

  /** Every room, most members first. */
  list(): RoomSummary[] {
    return [...this.#rooms.values()]
      .map((r) => ({ name: r.name, members: r.size, topic: r.topic }))
      .sort((a, b) => b.members - a.members || nameKey(a.name).localeCompare(nameKey(b.name)));
  }
}
