/**
 * The wire events of chat protocol version 1 (see PROTOCOL.md in this repo).
 * Server, terminal client and web page all speak these types; plain mode is
 * another rendering of the same server events (see `plain.ts`).
 */

/** Why somebody left a room (`part`: that room only; the others: the server). */
export type LeaveReason =
  | "quit"
  | "disconnect"
  | "timeout"
  | "slow"
  | "kicked"
  | "shutdown"
  | "part";

/** The error codes of the protocol. */
export type ErrorCode =
  | "bad_name"
  | "name_taken"
  | "auth_failed"
  | "line_too_long"
  | "rate_limited"
  | "bad_request"
  | "unknown_command"
  | "no_such_user"
  | "server_full"
  | "bad_room"
  | "not_in_room"
  | "room_limit"
  | "not_operator"
  | "banned"
  | "muted"
  | "too_large"
  | "upload_failed"
  | "not_allowed"
  | "no_such_message"
  // Added by this implementation: a message could not be stored (disk full, I/O error).
  | "server_error";

/** A shared file, as a room message's `file` field describes it. */
export interface FileInfo {
  name: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  /** The MIME type the server serves it with (from the name, never from the uploader). */
  type: string;
  /** Where anyone in the room downloads it (`GET`). */
  url: string;
}

/** A room message as stored in history and sent to members. */
export interface ChatMessage {
  type: "message";
  /** The room it was said in (absent only in histories written before rooms). */
  room?: string;
  seq: number;
  ts: string;
  from: string;
  text: string;
  action?: true;
  /** A file shared by this message (its text is the file's name). */
  file?: FileInfo;
  /** When its author last edited it (ISO time); `text` is the new text. */
  edited?: string;
  /** Deleted by its author or an operator: `text` is "" and `file` gone. */
  deleted?: true;
}

/** Most messages one `history` request returns. */
export const MAX_PAGE = 200;
/** Most results one `search` returns. */
export const MAX_RESULTS = 100;

/** One room as `rooms` lists it. */
export interface RoomSummary {
  name: string;
  members: number;
  topic: string;
}

/** Everything the server sends in JSON mode. */
export type ServerEvent =
  | {
    type: "welcome";
    name: string;
    /** The default room's members and history (empty when not in it). */
    members: string[];
    history: ChatMessage[];
    server: { name: string; version: string };
    /** The default room: the one `members` and `history` are of. */
    room?: string;
    /** The rooms the member is in now. */
    rooms?: string[];
    /** Names this history's life: a different one means seqs started over. */
    epoch?: string;
    /** The `epoch` the client gave was not this one: `since` was ignored. */
    reset?: true;
    /** The name's key, the first time a reserved name joins (keep it: `hello.key`). */
    key?: string;
    /** Operators among `members` (absent: none). */
    ops?: string[];
    /** A big room: how many members it has; `members` lists only some (`who` lists all). */
    count?: number;
    partial?: true;
  }
  | ChatMessage
  | { type: "dm"; ts: string; from: string; to: string; text: string; ref?: string }
  | { type: "join"; room?: string; ts: string; name: string }
  | { type: "leave"; room?: string; ts: string; name: string; reason: LeaveReason }
  | { type: "nick"; ts: string; from: string; to: string }
  | PresenceSummary
  | { type: "members"; room?: string; names: string[]; ops?: string[] }
  | { type: "ack"; room?: string; ref?: string; seq: number }
  | {
    type: "room";
    room: string;
    topic: string;
    members: string[];
    history: ChatMessage[];
    /** Operators among the members (absent: none). */
    ops?: string[];
    /** Only operators may set the topic. */
    locked?: true;
    /** A big room: how many members it has; `members` lists only some (`who` lists all). */
    count?: number;
    partial?: true;
  }
  | { type: "topic"; room: string; ts: string; from: string; text: string }
  | { type: "rooms"; rooms: RoomSummary[] }
  | {
    type: "upload";
    ref?: string;
    /** The one-time URL to `PUT` exactly `size` bytes to. */
    url: string;
    room: string;
    name: string;
    size: number;
    /** When the URL stops working (ISO time). */
    expires: string;
  }
  | { type: "pong" }
  | {
    type: "history";
    room: string;
    /** Oldest first. */
    messages: ChatMessage[];
    /** Older messages exist (ask again with `before` the first one's seq). */
    more: boolean;
    ref?: string;
  }
  | { type: "results"; query: string; messages: ChatMessage[]; ref?: string }
  | { type: "edit"; room: string; seq: number; ts: string; from: string; text: string }
  | { type: "delete"; room: string; seq: number; ts: string; by: string }
  | ModerationEvent
  | { type: "bans"; bans: BanSummary[] }
  | { type: "error"; code: ErrorCode; message: string; ref?: string }
  | { type: "shutdown"; message: string }
  // Plain-mode-only notices (help text, the banner): never sent in JSON mode.
  | { type: "notice"; text: string };

/**
 * A big room's joins and leaves of one batch, in place of a `join` or
 * `leave` event each (docs/protocol.md, Big rooms): who joined and left
 * (at most {@linkcode PRESENCE_NAMES} of each by name), how many in all,
 * and the room's size after them.
 */
export interface PresenceSummary {
  type: "presence";
  room: string;
  ts: string;
  /** Members in the room now. */
  count: number;
  joined: string[];
  left: string[];
  /** How many joined and left in all (more than `joined`/`left` name). */
  joins: number;
  leaves: number;
}

/** Most names of each kind a `presence` summary lists. */
export const PRESENCE_NAMES = 20;

/** What an operator did, as everyone in the affected rooms is told. */
export interface ModerationEvent {
  type: "moderation";
  action: "kick" | "ban" | "unban" | "mute" | "unmute" | "lock" | "unlock" | "unreserve";
  /** A name, address or CIDR; for lock and unlock, the room. */
  target: string;
  by: string;
  reason?: string;
  /** When a ban or mute ends (ISO time); absent: never. */
  until?: string;
  room?: string;
}

/** One ban, as `bans` lists it. */
export interface BanSummary {
  target: string;
  by: string;
  reason?: string;
  /** Absent: forever. */
  until?: string;
}

/** Everything a JSON-mode client sends. */
export type ClientEvent =
  | {
    type: "hello";
    name: string;
    password?: string;
    /** A number means the default room; an object gives a seq per room. */
    since?: number | Record<string, number>;
    /** The rooms to be in (instead of the default room). */
    rooms?: string[];
    /** The epoch the `since` belongs to. */
    epoch?: string;
    /** The key of a reserved name. */
    key?: string;
    /** false: neither get a key nor reserve a free name (scripts, throwaway machines). */
    reserve?: boolean;
  }
  | { type: "say"; text: string; room?: string; ref?: string; id?: string }
  | { type: "me"; text: string; room?: string; ref?: string; id?: string }
  | { type: "dm"; to: string; text: string; ref?: string }
  | { type: "nick"; name: string }
  | { type: "who"; room?: string }
  | { type: "enter"; room: string; since?: number }
  | { type: "part"; room: string }
  | { type: "rooms" }
  | { type: "topic"; room: string; text: string }
  | { type: "ping" }
  | { type: "bye" }
  | { type: "op"; password: string }
  | { type: "kick"; name: string; reason?: string }
  | { type: "ban"; target: string; duration?: string; reason?: string }
  | { type: "unban"; target: string }
  | { type: "bans" }
  | { type: "mute"; name: string; duration?: string }
  | { type: "unmute"; name: string }
  | { type: "lock"; room?: string; locked: boolean }
  | { type: "upload"; room?: string; name: string; size: number; ref?: string }
  | { type: "unreserve"; name: string; reason?: string }
  | { type: "history"; room?: string; before?: number; limit?: number; ref?: string }
  | { type: "search"; room?: string; query: string; limit?: number; ref?: string }
  | { type: "edit"; room?: string; seq: number; text: string; ref?: string }
  | { type: "delete"; room?: string; seq: number; ref?: string };

/** The older-history, search, edit and delete requests (see `parseClientEvent`). */
function parseRevisionEvent(
  o: Record<string, unknown>,
  ref: string | undefined,
): ParsedClientEvent {
  const bad = (message: string): ParsedClientEvent => ({ ok: false, message, ref });
  if (o.room !== undefined && o.room !== null && !isString(o.room)) {
    return bad('"room" must be a room name');
  }
  const room = isString(o.room) ? { room: o.room } : {};
  const count = (max: number): number | undefined | null =>
    o.limit === undefined || o.limit === null
      ? undefined
      : isSeq(o.limit) && o.limit >= 1
      ? Math.min(o.limit, max)
      : null;
  switch (o.type) {
    case "history": {
      const limit = count(MAX_PAGE);
      if (limit === null) return bad(`"limit" must be a number from 1 to ${MAX_PAGE}`);
      if (o.before !== undefined && o.before !== null && !isSeq(o.before)) {
        return bad('"before" must be a seq: the oldest you have');
      }
      const event: Extract<ClientEvent, { type: "history" }> = { type: "history", ...room, ref };
      if (isSeq(o.before)) event.before = o.before;
      if (limit !== undefined) event.limit = limit;
      return { ok: true, event };
    }
    case "search": {
      if (!isString(o.query)) return bad('search needs a "query" string');
      const limit = count(MAX_RESULTS);
      if (limit === null) return bad(`"limit" must be a number from 1 to ${MAX_RESULTS}`);
      const event: Extract<ClientEvent, { type: "search" }> = {
        type: "search",
        ...room,
        query: o.query,
        ref,
      };
      if (limit !== undefined) event.limit = limit;
      return { ok: true, event };
    }
    case "edit":
      if (!isSeq(o.seq)) return bad('edit needs the message\'s "seq"');
      if (!isString(o.text)) return bad('edit needs the new "text"');
      return { ok: true, event: { type: "edit", ...room, seq: o.seq, text: o.text, ref } };
    default:
      if (!isSeq(o.seq)) return bad('delete needs the message\'s "seq"');
      return { ok: true, event: { type: "delete", ...room, seq: o.seq, ref } };
  }
}

/** The result of reading one JSON-mode line. */
export type ParsedClientEvent =
  | { ok: true; event: ClientEvent }
  | { ok: false; message: string; ref?: string };

const isString = (v: unknown): v is string => typeof v === "string";
const isSeq = (v: unknown): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
/** Most rooms one hello may name. */
export const MAX_HELLO_ROOMS = 100;
/**
 * A client-made message id (`say.id`, `me.id`): the server stores a
 * message with a given id in a room at most once, so a resend after a lost
 * ack is never a duplicate.
 */
export const MESSAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

function optRef(o: Record<string, unknown>): string | undefined {
  const ref = o.ref;
  if (isString(ref)) return ref;
  if (typeof ref === "number") return String(ref);
  return undefined;
}

/**
 * Parses one JSON-mode line into a typed client event. Unknown fields are
 * ignored; anything malformed yields a message for a `bad_request` error.
 *
 * @example
 * parseClientEvent('{"type":"say","text":"hi"}') // { ok: true, event: {type:"say", text:"hi"} }
 */
export function parseClientEvent(line: string): ParsedClientEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, message: "the line is not valid JSON, send one JSON object per line" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, message: 'expected a JSON object with a "type" field' };
  }
  const o = raw as Record<string, unknown>;
  const ref = optRef(o);
  const bad = (message: string): ParsedClientEvent => ({ ok: false, message, ref });
  switch (o.type) {
    case "hello": {
      if (!isString(o.name)) return bad('hello needs a "name" string');
      const event: Extract<ClientEvent, { type: "hello" }> = { type: "hello", name: o.name };
      if (isString(o.password)) event.password = o.password;
      if (o.since !== undefined && o.since !== null) {
        if (isSeq(o.since)) event.since = o.since;
        else if (
          typeof o.since === "object" && !Array.isArray(o.since) &&
          Object.values(o.since).every(isSeq)
        ) event.since = { ...(o.since as Record<string, number>) };
        else return bad('"since" must be a seq, or an object of seqs by room like {"dev":33}');
      }
      if (o.rooms !== undefined && o.rooms !== null) {
        if (!Array.isArray(o.rooms) || !o.rooms.every(isString)) {
          return bad('"rooms" must be a list of room names like ["lobby","dev"]');
        }
        if (o.rooms.length > MAX_HELLO_ROOMS) {
          return bad(`"rooms" may name at most ${MAX_HELLO_ROOMS} rooms`);
        }
        event.rooms = [...o.rooms];
      }
      if (isString(o.epoch)) event.epoch = o.epoch;
      if (o.key !== undefined && !isString(o.key)) return bad('"key" must be a string');
      if (isString(o.key)) event.key = o.key;
      if (o.reserve !== undefined && typeof o.reserve !== "boolean") {
        return bad('"reserve" must be true or false');
      }
      if (o.reserve === false) event.reserve = false;
      return { ok: true, event };
    }
    case "say":
    case "me": {
      if (!isString(o.text)) return bad(`${o.type} needs a "text" string`);
      if (o.room !== undefined && !isString(o.room)) return bad('"room" must be a room name');
      if (o.id !== undefined && !(isString(o.id) && MESSAGE_ID.test(o.id))) {
        return bad('"id" must be 1 to 64 of A-Z a-z 0-9 _ - (a random UUID will do)');
      }
      const event: Extract<ClientEvent, { type: "say" | "me" }> = {
        type: o.type,
        text: o.text,
        ref,
      };
      if (isString(o.room)) event.room = o.room;
      if (isString(o.id)) event.id = o.id;
      return { ok: true, event };
    }
    case "enter": {
      if (!isString(o.room)) return bad('enter needs a "room" string');
      if (o.since !== undefined && o.since !== null && !isSeq(o.since)) {
        return bad('"since" must be a non-negative integer seq');
      }
      const event: Extract<ClientEvent, { type: "enter" }> = { type: "enter", room: o.room };
      if (isSeq(o.since)) event.since = o.since;
      return { ok: true, event };
    }
    case "part":
      if (!isString(o.room)) return bad('part needs a "room" string');
      return { ok: true, event: { type: "part", room: o.room } };
    case "topic":
      if (!isString(o.room) || !isString(o.text)) {
        return bad('topic needs "room" and "text" strings ("" clears it)');
      }
      return { ok: true, event: { type: "topic", room: o.room, text: o.text } };
    case "rooms":
      return { ok: true, event: { type: "rooms" } };
    case "dm":
      if (!isString(o.to) || !isString(o.text)) return bad('dm needs "to" and "text" strings');
      return { ok: true, event: { type: "dm", to: o.to, text: o.text, ref } };
    case "nick":
      if (!isString(o.name)) return bad('nick needs a "name" string');
      return { ok: true, event: { type: "nick", name: o.name } };
    case "who":
      if (o.room !== undefined && o.room !== null && !isString(o.room)) {
        return bad('"room" must be a room name');
      }
      return {
        ok: true,
        event: isString(o.room) ? { type: "who", room: o.room } : { type: "who" },
      };
    case "ping":
    case "bye":
    case "bans":
      return { ok: true, event: { type: o.type } };
    case "op":
      if (!isString(o.password)) return bad('op needs a "password" string');
      return { ok: true, event: { type: "op", password: o.password } };
    case "kick":
    case "mute":
    case "unmute":
    case "unreserve": {
      if (!isString(o.name)) return bad(`${o.type} needs a "name" string`);
      if (o.reason !== undefined && !isString(o.reason)) return bad('"reason" must be a string');
      if (o.duration !== undefined && !isString(o.duration)) {
        return bad('"duration" must be a string like "10m", "12h" or "7d"');
      }
      if (o.type === "kick") {
        return { ok: true, event: { type: "kick", name: o.name, reason: o.reason as string } };
      }
      if (o.type === "mute") {
        return { ok: true, event: { type: "mute", name: o.name, duration: o.duration as string } };
      }
      if (o.type === "unreserve" && o.reason !== undefined) {
        return { ok: true, event: { type: "unreserve", name: o.name, reason: o.reason as string } };
      }
      return { ok: true, event: { type: o.type, name: o.name } };
    }
    case "ban":
    case "unban": {
      if (!isString(o.target)) return bad(`${o.type} needs a "target": a name, address or CIDR`);
      if (o.type === "unban") return { ok: true, event: { type: "unban", target: o.target } };
      if (o.reason !== undefined && !isString(o.reason)) return bad('"reason" must be a string');
      if (o.duration !== undefined && !isString(o.duration)) {
        return bad('"duration" must be a string like "90m", "12h" or "7d"');
      }
      return {
        ok: true,
        event: {
          type: "ban",
          target: o.target,
          duration: o.duration as string | undefined,
          reason: o.reason as string | undefined,
        },
      };
    }
    case "lock": {
      if (o.room !== undefined && !isString(o.room)) return bad('"room" must be a room name');
      if (typeof o.locked !== "boolean") return bad('lock needs "locked": true or false');
      return {
        ok: true,
        event: { type: "lock", room: o.room as string | undefined, locked: o.locked },
      };
    }
    case "upload": {
      if (!isString(o.name)) return bad('upload needs the file\'s "name"');
      if (!isSeq(o.size)) return bad('upload needs the file\'s "size" in bytes');
      if (o.room !== undefined && !isString(o.room)) return bad('"room" must be a room name');
      const event: Extract<ClientEvent, { type: "upload" }> = {
        type: "upload",
        name: o.name,
        size: o.size,
        ref,
      };
      if (isString(o.room)) event.room = o.room;
      return { ok: true, event };
    }
    case "history":
    case "search":
    case "edit":
    case "delete":
      return parseRevisionEvent(o, ref);
    case undefined:
      return bad('missing "type" field');
    default:
      return bad(`unknown type ${JSON.stringify(o.type)}`);
  }
}
