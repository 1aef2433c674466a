import type { ChatMessage, ServerEvent } from "../../protocol/events.ts";
import { nameKey } from "../../protocol/names.ts";
import type { Room } from "./room.ts";

/** What a member asks for when it joins the server. */
export interface JoinRequest {
  /** The rooms to be in; absent: the default room. */
  rooms?: string[];
  /** Last seq seen: a number for the default room, or by room. */
  since?: number | Record<string, number>;
  /** The epoch `since` belongs to. */
  epoch?: string;
  /** A key just issued for the name, sent once in the welcome. */
  key?: string;
}

/**
 * The seq after which `room`'s history is replayed for this request:
 * undefined for the recent history (no `since` for the room, or an epoch
 * that is not this history's: the seqs mean other messages now).
 */
export function sinceFor(
  req: JoinRequest,
  reset: boolean,
  room: Room,
  defaultRoom: Room,
): number | undefined {
  if (reset || req.since === undefined) return undefined;
  if (typeof req.since === "number") return room === defaultRoom ? req.since : undefined;
  for (const [k, v] of Object.entries(req.since)) {
    if (nameKey(k.replace(/^#/, "")) === room.key) return v;
  }
  return undefined;
}

/**
 * A room bigger than this is a big room: its welcome and `room` events list
 * only the first {@linkcode LISTED} members (and the one joining), with
 * `count` and `partial` (`who` lists them all), and its joins and leaves
 * are announced in batches (see Chat). Listing every member to every
 * joiner is quadratic: 10 000 joins would send 10 000 lists of up to
 * 10 000 names.
 */
export const BIG_ROOM = 500;
/** Members listed in a big room's welcome. */
export const LISTED = 50;
/**
 * From this many members a room's joins and leaves are announced in
 * batches (see Chat): a join storm hands each member one frame per batch,
 * not one per joiner, and leaves far less garbage behind.
 */
export const BATCH_PRESENCE = 64;

/** The members a welcome or `room` event lists: all of a small room; some of a big one. */
export function listed(room: Room, self: string): { members: string[]; count?: number } {
  if (room.size <= BIG_ROOM) return { members: room.names() };
  const some = room.someNames(LISTED);
  if (!some.some((n) => nameKey(n) === nameKey(self))) some.push(self);
  return { members: some, count: room.size };
}

/** What `welcome` says besides the member's name and rooms. */
export interface WelcomeParts {
  name: string;
  defaultRoom: Room;
  rooms: readonly Room[];
  /** The default room's history (empty when the member is not in it). */
  history: ChatMessage[];
  version: string;
  epoch: string;
  reset: boolean;
  key?: string;
}

/** The `welcome` event: the default room's members and history, if the member is in it. */
export function welcomeEvent(p: WelcomeParts): ServerEvent {
  const inLobby = p.rooms.includes(p.defaultRoom);
  const list = inLobby ? listed(p.defaultRoom, p.name) : { members: [] };
  const welcome: Extract<ServerEvent, { type: "welcome" }> = {
    type: "welcome",
    name: p.name,
    members: list.members,
    history: p.history,
    server: { name: "chat", version: p.version },
    room: p.defaultRoom.name,
    rooms: p.rooms.map((r) => r.name),
    epoch: p.epoch,
  };
  if (list.count !== undefined) {
    welcome.count = list.count;
    welcome.partial = true;
  }
  if (p.reset) welcome.reset = true;
  if (p.key !== undefined) welcome.key = p.key;
  const ops = inLobby ? p.defaultRoom.ops() : [];
  if (ops.length > 0) welcome.ops = ops;
  return welcome;
}

/** The `room` event of entering `room`: topic, members (operators, lock) and history. */
export function roomEvent(room: Room, history: ChatMessage[], self: string): ServerEvent {
  const list = listed(room, self);
  const event: Extract<ServerEvent, { type: "room" }> = {
    type: "room",
    room: room.name,
    topic: room.topic,
    members: list.members,
    history,
  };
  if (list.count !== undefined) {
    event.count = list.count;
    event.partial = true;
  }
  const ops = room.ops();
  if (ops.length > 0) event.ops = ops;
  if (room.locked) event.locked = true;
  return event;
}
