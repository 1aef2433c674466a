/**
 * The wire events of chat protocol version 1 (see PROTOCOL.md in this repo).
 * Server, terminal client and web page all speak these types; plain mode is
 * another rendering of the same server events (see `plain.ts`).
 */

/** Why somebody left the room. */
export type LeaveReason = "quit" | "disconnect" | "timeout" | "slow" | "kicked" | "shutdown";

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
  // Added by this implementation: a message could not be stored (disk full, I/O error).
  | "server_error";

/** A room message as stored in history and sent to members. */
export interface ChatMessage {
  type: "message";
  seq: number;
  ts: string;
  from: string;
  text: string;
  action?: true;
}

/** Everything the server sends in JSON mode. */
export type ServerEvent =
  | {
    type: "welcome";
    name: string;
    members: string[];
    history: ChatMessage[];
    server: { name: string; version: string };
  }
  | ChatMessage
  | { type: "dm"; ts: string; from: string; to: string; text: string; ref?: string }
  | { type: "join"; ts: string; name: string }
  | { type: "leave"; ts: string; name: string; reason: LeaveReason }
  | { type: "nick"; ts: string; from: string; to: string }
  | { type: "members"; names: string[] }
  | { type: "ack"; ref?: string; seq: number }
  | { type: "pong" }
  | { type: "error"; code: ErrorCode; message: string; ref?: string }
  | { type: "shutdown"; message: string }
  // Plain-mode-only notices (help text, the banner): never sent in JSON mode.
  | { type: "notice"; text: string };

/** Everything a JSON-mode client sends. */
export type ClientEvent =
  | { type: "hello"; name: string; password?: string; since?: number }
  | { type: "say"; text: string; ref?: string }
  | { type: "me"; text: string; ref?: string }
  | { type: "dm"; to: string; text: string; ref?: string }
  | { type: "nick"; name: string }
  | { type: "who" }
  | { type: "ping" }
  | { type: "bye" };

/** The result of reading one JSON-mode line. */
export type ParsedClientEvent =
  | { ok: true; event: ClientEvent }
  | { ok: false; message: string; ref?: string };

const isString = (v: unknown): v is string => typeof v === "string";

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
      const event: ClientEvent = { type: "hello", name: o.name };
      if (isString(o.password)) event.password = o.password;
      if (o.since !== undefined && o.since !== null) {
        if (typeof o.since !== "number" || !Number.isSafeInteger(o.since) || o.since < 0) {
          return bad('"since" must be a non-negative integer seq');
        }
        event.since = o.since;
      }
      return { ok: true, event };
    }
    case "say":
    case "me":
      if (!isString(o.text)) return bad(`${o.type} needs a "text" string`);
      return { ok: true, event: { type: o.type, text: o.text, ref } };
    case "dm":
      if (!isString(o.to) || !isString(o.text)) return bad('dm needs "to" and "text" strings');
      return { ok: true, event: { type: "dm", to: o.to, text: o.text, ref } };
    case "nick":
      if (!isString(o.name)) return bad('nick needs a "name" string');
      return { ok: true, event: { type: "nick", name: o.name } };
    case "who":
    case "ping":
    case "bye":
      return { ok: true, event: { type: o.type } };
    case undefined:
      return bad('missing "type" field');
    default:
      return bad(`unknown type ${JSON.stringify(o.type)}`);
  }
}
