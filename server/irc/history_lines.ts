import type { ChatMessage, ServerEvent } from "../../protocol/events.ts";
import { formatIrc } from "./message.ts";
import { channel, minuteOf, privmsgLines, saidText } from "./render.ts";

/**
 * The answers to HISTORY and SEARCH as NOTICEs from the server, the way the
 * replay on joining shows history: a header, one line per message with its
 * `#seq` (what EDIT and DELETE take), an end line. NOTICEs, so that no bot
 * answers an old message and no client shows it as said now.
 */

/** One message: `#34 [2026-12-01 12:00] <bob> text`, its channel first when `withRoom`. */
function numbered(m: ChatMessage, withRoom: boolean): string {
  const where = withRoom && m.room ? `${channel(m.room)} ` : "";
  return `${where}#${m.seq} [${minuteOf(m.ts)}] ${saidText(m)}`;
}

function notice(server: string, target: string, text: string): string {
  return formatIrc(server, "NOTICE", [target, text], true) + "\r\n";
}

function plural(n: number): string {
  return n === 1 ? "1 message" : `${n} messages`;
}

/**
 * A page of a channel's history, oldest first, to the channel (where the
 * client shows it); the end line says how to ask for the page before it.
 */
export function historyLines(
  server: string,
  e: Extract<ServerEvent, { type: "history" }>,
): string {
  const target = channel(e.room);
  if (e.messages.length === 0) return notice(server, target, `No messages in ${target} yet.`);
  let out = notice(server, target, `History of ${target}, ${plural(e.messages.length)}:`);
  for (const m of e.messages) {
    out += privmsgLines(server, target, numbered(m, false), false, "", "NOTICE");
  }
  // More older ones: the page was full, so the same count again, before the first.
  const end = e.more
    ? `End of history. Older ones: HISTORY ${target} ${e.messages.length} #${e.messages[0].seq}`
    : "End of history.";
  return out + notice(server, target, end);
}

/**
 * Search results, newest first: to the channel searched, or to the client's
 * own nick (its status window) with each line's channel when every channel
 * was searched.
 */
export function resultsLines(
  server: string,
  e: Extract<ServerEvent, { type: "results" }>,
  target: string,
): string {
  const inChannel = target.startsWith("#");
  const where = inChannel ? ` in ${target}` : "";
  if (e.messages.length === 0) {
    return notice(server, target, `Nothing${where} matches "${e.query}".`);
  }
  let out = notice(
    server,
    target,
    `${plural(e.messages.length)}${where} match${
      e.messages.length === 1 ? "es" : ""
    } "${e.query}", newest first:`,
  );
  for (const m of e.messages) {
    out += privmsgLines(server, target, numbered(m, !inChannel), false, "", "NOTICE");
  }
  return out + notice(server, target, "End of search.");
}
