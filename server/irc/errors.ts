import type { ErrorCode } from "../../protocol/events.ts";
import { formatIrc } from "./message.ts";
import { numeric } from "./render.ts";

/** The command an error answers, and what it was about (a nick or `#channel`). */
export interface IrcContext {
  command: string;
  target?: string;
  /** The msgid a REDACT named (its FAIL lines give it back). */
  msgid?: string;
}

/** chat's hints name its own commands; IRC users type these instead. */
function forIrc(text: string, target: string): string {
  const out = text
    .replace("/op PASSWORD", "/oper NAME PASSWORD")
    .replace(/\/who lists who is/, "/names #channel lists who is")
    .replace(/\/rooms lists them/, "/list lists them");
  // "/delete 34": plain mode's current room is IRC's named channel.
  return target.startsWith("#") ? out.replace(/\/(delete|edit) (\d+)/g, `/$1 ${target} $2`) : out;
}

/**
 * A REDACT's error as the redaction spec's FAIL lines (the client that
 * sends REDACT knows them): forbidden, unknown msgid, or a bad target.
 */
function redactFail(server: string, code: ErrorCode, text: string, ctx: IrcContext): string {
  const target = ctx.target ?? "*";
  const msgid = ctx.msgid ?? "*";
  const params = code === "not_allowed"
    ? ["REDACT_FORBIDDEN", target, msgid]
    : code === "no_such_message"
    ? ["UNKNOWN_MSGID", target, msgid]
    : code === "not_in_room" || code === "bad_room"
    ? ["INVALID_TARGET", target]
    : ["UNKNOWN_ERROR", target, msgid];
  return formatIrc(server, "FAIL", ["REDACT", ...params, text], true) + "\r\n";
}

/**
 * A chat error as the numerics IRC clients act on (RFC 2812 §5.2 and the
 * common extensions: 417 input too long, 479 bad channel name); what has no
 * numeric is a NOTICE naming the command. Errors answering a NOTICE are not
 * sent (RFC 2812 §3.3.2: no automatic reply to a NOTICE).
 */
export function errorLines(
  server: string,
  me: string,
  code: ErrorCode,
  message: string,
  ctx: IrcContext | null,
): string {
  const command = ctx?.command ?? "";
  const target = ctx?.target ?? "*";
  const text = forIrc(message, target);
  if (command === "NOTICE") return "";
  if (command === "REDACT" && code !== "rate_limited") return redactFail(server, code, text, ctx!);
  const sending = command === "PRIVMSG";
  switch (code) {
    case "name_taken":
      return numeric(server, "433", me, target, text);
    case "bad_name":
      return numeric(server, "432", me, target, text);
    case "no_such_user":
      return numeric(server, "401", me, target, text);
    case "not_in_room":
      return sending
        ? numeric(server, "404", me, target, text)
        : numeric(server, "442", me, target, text);
    case "muted":
      // A muted member's NICK: 435, which IRC servers send for a nick change a ban forbids.
      return command === "NICK"
        ? numeric(server, "435", me, target, text)
        : numeric(server, "404", me, target, text);
    case "bad_room":
      return numeric(server, "479", me, target, text);
    case "room_limit":
      return numeric(server, "405", me, target, text);
    case "not_operator":
      return target.startsWith("#")
        ? numeric(server, "482", me, target, text)
        : numeric(server, "481", me, text);
    case "line_too_long":
      return numeric(server, "417", me, text);
    case "auth_failed":
    case "banned":
    case "server_full": {
      const line = code === "auth_failed"
        ? numeric(server, "464", me, text)
        : code === "banned"
        ? numeric(server, "465", me, text)
        : "";
      // A wrong OPER password keeps the connection; the others end it.
      if (command === "OPER") return line;
      return line + `ERROR :Closing Link: ${text}\r\n`;
    }
    default: {
      const what = command === "" ? text : `${command}: ${text}`;
      return formatIrc(server, "NOTICE", [me, what], true) + "\r\n";
    }
  }
}
