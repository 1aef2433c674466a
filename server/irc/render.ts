import type { ChatMessage, LeaveReason, ServerEvent } from "../../protocol/events.ts";
import type { FrameEncoder } from "../core/frame.ts";
import { formatIrc, hostmask, MAX_LINE_BYTES } from "./message.ts";
import { byteLength, splitUtf8 } from "./split.ts";
import { fileSize } from "../../protocol/plain.ts";
import type { MsgIds } from "./msgid.ts";

const encoder = new TextEncoder();

/** What IRC clients are told a leave was, as the text of a QUIT. */
const QUIT_TEXT: Record<LeaveReason, string> = {
  quit: "Quit",
  disconnect: "Connection closed",
  timeout: "Ping timeout",
  slow: "Dropped: too slow to read",
  kicked: "Kicked",
  shutdown: "Server shutting down",
  part: "Left",
};

/** The `@time=…` tag of an event, and its space; "" without server-time. */
export function timeTag(ts: string | undefined, timed: boolean): string {
  return timed && ts ? `@time=${ts} ` : "";
}

/**
 * The tags of a room message: `@time=…;msgid=… `, either or neither. Every
 * piece of a message split over several lines carries its msgid: they are
 * one message (clients must accept shared ids), and a REDACT removes all.
 */
export function messageTags(ts: string, timed: boolean, msgid: string, batch = ""): string {
  let tags = batch === "" ? "" : `batch=${batch}`;
  if (timed) tags += `${tags === "" ? "" : ";"}time=${ts}`;
  if (msgid !== "") tags += `${tags === "" ? "" : ";"}msgid=${msgid}`;
  return tags === "" ? "" : `@${tags} `;
}

/**
 * A room message as PRIVMSG lines, each within 512 bytes with its CRLF
 * (tags aside): the texts joined give the message exactly, split only
 * between characters. An action is a CTCP ACTION in each line.
 */
export function privmsgLines(
  prefix: string,
  target: string,
  text: string,
  action: boolean,
  tags: string,
  command = "PRIVMSG",
): string {
  const head = `:${prefix} ${command} ${target} :`;
  const room = MAX_LINE_BYTES - byteLength(head) - (action ? 9 : 0);
  let out = "";
  for (const piece of splitUtf8(text, room)) {
    out += tags + head + (action ? `\x01ACTION ${piece}\x01` : piece) + "\r\n";
  }
  return out;
}

/** A message's text on IRC: a shared file is an action with its link. */
export function ircText(m: ChatMessage): string {
  return m.file ? `shared ${m.file.name} (${fileSize(m.file.size)}): ${m.file.url}` : m.text;
}

/** The text of a room message for a channel: `#room`. */
export function channel(room: string): string {
  return `#${room}`;
}

/** What a client's capabilities change in the lines every member is sent alike. */
export interface EncoderOptions {
  /** `server-time`: `@time=` tags. */
  timed: boolean;
  /** `message-tags`: `@msgid=` on room messages (see msgid.ts). */
  ids: boolean;
  /** `draft/message-redaction` (with `message-tags`): a delete is a REDACT, not a NOTICE. */
  redact: boolean;
}

/**
 * The IRC lines of events every member sees alike (messages, joins, parts,
 * quits, nicks, topics, edits, deletions): encoded once per frame and
 * shared. One instance per combination of the capabilities that change
 * them serves the whole server (see `IrcServer.encoder`).
 */
export class IrcEncoder implements FrameEncoder {
  readonly timed: boolean;
  readonly ids: boolean;
  readonly redact: boolean;
  readonly #msgIds: MsgIds;

  constructor(options: EncoderOptions, msgIds: MsgIds) {
    this.timed = options.timed;
    this.ids = options.ids;
    this.redact = options.redact && options.ids;
    this.#msgIds = msgIds;
  }

  encode(e: ServerEvent): Uint8Array | null {
    const text = this.text(e);
    return text === null ? null : encoder.encode(text);
  }

  /** The lines, or null for an event that is not shared alike (see IrcPeer). */
  text(e: ServerEvent): string | null {
    switch (e.type) {
      case "message":
        return privmsgLines(
          hostmask(e.from),
          channel(e.room ?? ""),
          ircText(e),
          e.action === true || e.file !== undefined,
          messageTags(e.ts, this.timed, this.ids ? this.#msgIds.of(e.room ?? "", e.seq) : ""),
        );
      case "join":
        return `${timeTag(e.ts, this.timed)}:${hostmask(e.name)} JOIN ${channel(e.room ?? "")}\r\n`;
      case "leave":
        if (e.reason === "part") {
          return `${timeTag(e.ts, this.timed)}:${hostmask(e.name)} PART ${
            channel(e.room ?? "")
          }\r\n`;
        }
        if (e.reason === "kicked") return null;
        return `${timeTag(e.ts, this.timed)}${
          formatIrc(hostmask(e.name), "QUIT", [QUIT_TEXT[e.reason]], true)
        }\r\n`;
      case "nick":
        return `${timeTag(e.ts, this.timed)}${formatIrc(hostmask(e.from), "NICK", [e.to])}\r\n`;
      case "topic":
        return `${timeTag(e.ts, this.timed)}${
          formatIrc(hostmask(e.from), "TOPIC", [channel(e.room), e.text], true)
        }\r\n`;
      case "edit":
        // No IRC client knows edits: a NOTICE from the editor, which no bot answers.
        return privmsgLines(
          hostmask(e.from),
          channel(e.room),
          `* ${e.from} edited #${e.seq}: ${e.text}`,
          false,
          timeTag(e.ts, this.timed),
          "NOTICE",
        );
      case "delete":
        if (this.redact) {
          return `${timeTag(e.ts, this.timed)}${
            formatIrc(hostmask(e.by), "REDACT", [channel(e.room), this.#msgIds.of(e.room, e.seq)])
          }\r\n`;
        }
        return `${timeTag(e.ts, this.timed)}${
          formatIrc(
            hostmask(e.by),
            "NOTICE",
            [channel(e.room), `* ${e.by} deleted #${e.seq}`],
            true,
          )
        }\r\n`;
      default:
        return null;
    }
  }
}

/** A numeric reply from the server: `:server 433 nick params…`. */
export function numeric(server: string, code: string, me: string, ...params: string[]): string {
  return formatIrc(server, code, [me || "*", ...params], params.length > 0) + "\r\n";
}

/**
 * Words of `items` in lines of `head` + words, each line within 512 bytes
 * (NAMES replies, ISUPPORT).
 */
export function packed(head: string, items: readonly string[], tail = ""): string[] {
  const lines: string[] = [];
  const room = MAX_LINE_BYTES - byteLength(head) - byteLength(tail);
  let cur = "";
  let bytes = 0;
  for (const item of items) {
    const b = byteLength(item) + (cur === "" ? 0 : 1);
    if (cur !== "" && bytes + b > room) {
      lines.push(head + cur + tail);
      cur = "";
      bytes = 0;
    }
    cur = cur === "" ? item : `${cur} ${item}`;
    bytes += cur === item ? byteLength(item) : b;
  }
  if (cur !== "" || lines.length === 0) lines.push(head + cur + tail);
  return lines;
}

/** `353`s and the `366` of a room: `@` marks operators. */
export function namesReply(
  server: string,
  me: string,
  room: string,
  names: readonly string[],
  ops: readonly string[],
): string {
  const op = new Set(ops);
  const shown = names.map((n) => op.has(n) ? `@${n}` : n);
  const head = `:${server} 353 ${me} = ${channel(room)} :`;
  let out = "";
  if (shown.length > 0) { for (const l of packed(head, shown)) out += l + "\r\n"; }
  return out + numeric(server, "366", me, channel(room), "End of /NAMES list");
}

/**
 * A stored message as a person reads it in a NOTICE: `<alice> hi`,
 * `* alice waves`, a shared file with its link, `<bob> (deleted)`, and
 * `(edited)` after an edited one (as plain mode marks them).
 */
export function saidText(m: ChatMessage): string {
  if (m.deleted) return `<${m.from}> (deleted)`;
  const said = m.action || m.file ? `* ${m.from} ${ircText(m)}` : `<${m.from}> ${m.text}`;
  return m.edited ? `${said} (edited)` : said;
}

/** `2026-12-01 12:00`: a stored message's time, to the minute. */
export function minuteOf(ts: string): string {
  return ts.slice(0, 16).replace("T", " ");
}

/** What a replay's lines depend on: the client's capabilities. */
export interface ReplayCaps {
  serverTime: boolean;
  batch: boolean;
  /** With `message-tags`: each PRIVMSG keeps its msgid. */
  ids: MsgIds | null;
}

/**
 * History replayed on joining: PRIVMSGs with their original times for a
 * client with server-time (in a `chathistory` batch when it has batch),
 * deleted messages left out, as the redaction spec allows; for one
 * without, NOTICEs from the server marked as a replay, so neither a person
 * nor a bot takes them for messages said now.
 */
export function replayLines(
  server: string,
  room: string,
  history: readonly ChatMessage[],
  caps: ReplayCaps,
  batchId: string,
): string {
  const target = channel(room);
  if (caps.serverTime) {
    const shown = history.filter((m) => !m.deleted);
    if (shown.length === 0) return "";
    let out = caps.batch ? `:${server} BATCH +${batchId} chathistory ${target}\r\n` : "";
    for (const m of shown) {
      const id = caps.ids ? caps.ids.of(room, m.seq) : "";
      out += privmsgLines(
        hostmask(m.from),
        target,
        m.edited ? `${ircText(m)} (edited)` : ircText(m),
        m.action === true || m.file !== undefined,
        messageTags(m.ts, true, id, caps.batch ? batchId : ""),
      );
    }
    return caps.batch ? out + `:${server} BATCH -${batchId}\r\n` : out;
  }
  if (history.length === 0) return "";
  const n = history.length;
  let out = formatIrc(server, "NOTICE", [
    target,
    `Replaying the last ${n === 1 ? "message" : `${n} messages`}:`,
  ], true) + "\r\n";
  for (const m of history) {
    out += privmsgLines(server, target, `[${minuteOf(m.ts)}] ${saidText(m)}`, false, "", "NOTICE");
  }
  return out + formatIrc(server, "NOTICE", [target, "End of replay."], true) + "\r\n";
}
