/// <reference lib="dom" />
/**
 * What the page's parts share: the connection (and through it the rooms we
 * are in and our name) and what the page remembers between events. One
 * object, made by app.ts and handed to each part, so that no module keeps
 * state of its own at the top level.
 */
import { nameKey } from "../protocol/names.ts";
import { OpTracker } from "../protocol/op_tracker.ts";
import { ResendQueue } from "../protocol/resend_queue.ts";
import type { RoomTracker, RoomView } from "../protocol/room_tracker.ts";
import type { Connection } from "./connection.ts";

/** The log shown while in no room at all. */
export const NO_ROOM = "";

/** One of our messages, shown as pending until its ack. */
export interface Pending {
  li: HTMLLIElement;
  text: string;
  /** The room's key. */
  room: string;
  /** A file we shared: its URL (the history's copy is told by it, not by the text). */
  url?: string;
}

/** The page's state; see the module doc. */
export class PageState {
  readonly conn: Connection;
  /** Our messages sent and not yet acked, by ref; `room` is the room's key. */
  readonly pending = new Map<string, Pending>();
  /**
   * The same messages as the server is to get them (with their ids), until
   * acked: sent again after `server_error`, and after a reconnect.
   */
  readonly outbox: ResendQueue;
  /** What was typed and not sent, by room key, while another room is shown. */
  readonly drafts = new Map<string, string>();
  /** For the refs of DMs (messages get theirs from the outbox). */
  nextRef = 1;
  /** Messages that came while the tab was hidden, for the title. */
  unread = 0;
  /** The key of a room we asked to enter: it is shown when the server says we are in. */
  entering: string | null = null;
  /** A room the address named while not joined: entered after the welcome. */
  wanted: string | null;
  /** `rooms` answers still to come that we asked for ourselves (for the room suggestions). */
  quietRooms = 0;
  /** `members` answers still to come to a /who (others: someone became an operator). */
  askedWho = 0;
  /** Rooms whose history comes back (a `room` event) after a reconnect's welcome. */
  readonly resuming = new Set<string>();
  /** Who is an operator in each room, and which rooms are locked. */
  readonly ops = new OpTracker();

  /** `wanted`: the room the address names as the page opens, if any. */
  constructor(conn: Connection, wanted: string | null) {
    this.conn = conn;
    this.wanted = wanted;
    this.outbox = new ResendQueue({
      refPrefix: "m",
      send: (events) => {
        // While resuming, they wait for the resend after the rooms' histories.
        if (!conn.joined || this.resuming.size > 0) return false;
        for (const e of events) conn.send(e);
        return true;
      },
    });
  }

  // Arrow functions, so a part can take them out of the object; read each
  // time, as a quit gives the connection a new tracker and a nick a new name.

  /** The rooms we are in, the current one, and the last seq seen in each. */
  readonly tracker = (): RoomTracker => this.conn.rooms;
  /** Our name. */
  readonly me = (): string => this.conn.name;
  /** True when we are an operator (on this connection). */
  readonly amOp = (): boolean => this.ops.isOperator(this.conn.name, true);
  /** The room an event is of (no room: the default one), as a key. */
  readonly keyOf = (room: string | undefined): string =>
    nameKey(room ?? this.tracker().defaultRoom ?? "");
  /** The room an event is of (no room: the default one), if we are in it. */
  readonly roomOf = (room: string | undefined): RoomView | undefined =>
    this.tracker().get(room ?? this.tracker().defaultRoom ?? undefined);
}
