import type { ChatMessage, LeaveReason, ServerEvent } from "../../protocol/events.ts";
import type { FrameEncoder } from "../core/frame.ts";
import { formatIrc, hostmask, MAX_LINE_BYTES } from "./message.ts";
import { byteLength, splitUtf8 } from "./split.ts";
import { fileSize } from "../../protocol/plain.ts";

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

/**
 * The IRC lines of events every member sees alike (messages, joins, parts,
 * quits, nicks, topics): encoded once per frame and shared. One instance
 * with `server-time` tags and one without serve the whole server.
 */
export class IrcEncoder implements FrameEncoder {
  readonly timed: boolean;

  constructor(timed: boolean) {
    this.timed = timed;
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
          timeTag(e.ts, this.timed),
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
 * History replayed on joining: PRIVMSGs with their original times for a
 * client with server-time (in a `chathistory` batch when it has batch);
 * for one without, NOTICEs from the server marked as a replay, so neither
 * a person nor a bot takes them for messages said now.
 */
export function replayLines(
  server: string,
  room: string,
  history: readonly ChatMessage[],
  caps: { serverTime: boolean; batch: boolean },
  batchId: string,
): string {
  if (history.length === 0) return "";
  const target = channel(room);
  if (caps.serverTime) {
    const batch = caps.batch ? `batch=${batchId};` : "";
    let out = caps.batch ? `:${server} BATCH +${batchId} chathistory ${target}\r\n` : "";
    for (const m of history) {
      out += privmsgLines(
        hostmask(m.from),
        target,
        m.text,
        m.action === true,
        `@${batch}time=${m.ts} `,
      );
    }
    return caps.batch ? out + `:${server} BATCH -${batchId}\r\n` : out;
  }
  const n = history.length;
  let out = formatIrc(server, "NOTICE", [
    target,
    `Replaying the last ${n === 1 ? "message" : `${n} messages`}:`,
  ], true) + "\r\n";
  for (const m of history) {
    const when = m.ts.slice(0, 16).replace("T", " ");
    const said = m.action || m.file ? `* ${m.from} ${ircText(m)}` : `<${m.from}> ${m.text}`;
    out += privmsgLines(server, target, `[${when}] ${said}`, false, "", "NOTICE");
  }
  return out + formatIrc(server, "NOTICE", [target, "End of replay."], true) + "\r\n";
}
