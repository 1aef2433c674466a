import type {
  BanSummary,
  ChatMessage,
  ModerationEvent,
  PresenceSummary,
  ServerEvent,
} from "./events.ts";
import { untilText } from "./op_tracker.ts";

/** One message of history or of the room, as a plain-mode line (without "\n"). */
export function plainMessage(m: ChatMessage): string {
  if (m.deleted) return `${m.from}: (deleted)`;
  if (m.edited) return `${m.action ? `* ${m.from} ${m.text}` : `${m.from}: ${m.text}`} (edited)`;
  if (m.file) return `* ${m.from} shared ${m.file.name} (${fileSize(m.file.size)}): ${m.file.url}`;
  return m.action ? `* ${m.from} ${m.text}` : `${m.from}: ${m.text}`;
}

/**
 * "47.1 kB" for 48213 bytes, "3.2 MB", "512 B": units of 1024 with one
 * decimal, as PROTOCOL.md's example shows a size.
 */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1023.95 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A big room's count ("10000 online, too many to list: /who shows them"), or the list. */
function listOrCount(names: string[], count: number | undefined): string {
  return count === undefined
    ? onlineList(names)
    : `${count} online, too many to list here (/who lists them)`;
}

/** "alice, bob and 948 others", "alice and bob", "carol" (at most 3 names). */
function someOf(names: string[], total: number): string {
  const shown = names.slice(0, 3);
  const others = total - shown.length;
  if (others > 0) return `${shown.join(", ")} and ${others} other${others === 1 ? "" : "s"}`;
  return shown.length <= 2
    ? shown.join(" and ")
    : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/** "alice, bob and 948 others joined; carol left (10000 online)" */
export function presenceText(e: PresenceSummary): string {
  const parts: string[] = [];
  if (e.joins > 0) parts.push(`${someOf(e.joined, e.joins)} joined`);
  if (e.leaves > 0) parts.push(`${someOf(e.left, e.leaves)} left`);
  return `${parts.join("; ")} (${e.count} online)`;
}

/** "3 online: alice, bob, carol" */
export function onlineList(names: string[]): string {
  return `${names.length} online: ${names.join(", ")}`;
}

/** What an operator did, as one sentence: "bob was kicked by alice: spamming". */
export function moderationText(e: ModerationEvent): string {
  const why = e.reason ? `: ${e.reason}` : "";
  switch (e.action) {
    case "kick":
      return `${e.target} was kicked by ${e.by}${why}`;
    case "ban":
      return `${e.target} was banned by ${e.by}${untilText(e.until)}${why}`;
    case "unban":
      return `${e.target} was unbanned by ${e.by}`;
    case "mute":
      return `${e.target} was muted by ${e.by}${untilText(e.until)}${why}`;
    case "unmute":
      return `${e.target} was unmuted by ${e.by}`;
    case "lock":
      return `#${e.target} was locked by ${e.by}: only operators can change its topic`;
    case "unlock":
      return `#${e.target} was unlocked by ${e.by}`;
    case "unreserve":
      return `the name ${e.target} was freed by ${e.by}`;
  }
}

/** "Bans: bob (by alice until …: spam), 10.0.0.0/8 (by carol)", or "No bans." */
export function bansText(bans: BanSummary[]): string {
  if (bans.length === 0) return "No bans.";
  return "Bans: " +
    bans.map((b) =>
      `${b.target} (by ${b.by}${untilText(b.until)}${b.reason ? `: ${b.reason}` : ""})`
    ).join(", ");
}

/** A history replay between the markers, or nothing when there is none. */
function historyLines(history: ChatMessage[]): string {
  if (history.length === 0) return "";
  const n = history.length;
  let out = `* Last ${n} message${n === 1 ? "" : "s"}:\n`;
  for (const m of history) out += plainMessage(m) + "\n";
  return out + "* End of history.\n";
}

/** `/history` and `/search` lines: each message with its `#seq` (and its room, for search). */
function numberedLines(
  head: string,
  messages: ChatMessage[],
  end: string,
  withRoom: boolean,
): string {
  let out = `* ${head}\n`;
  for (const m of messages) {
    out += `${withRoom && m.room ? `[#${m.room}] ` : ""}#${m.seq} ${plainMessage(m)}\n`;
  }
  return out + `* ${end}\n`;
}

/**
 * Renders a server event as plain-mode text: one or more lines, each ended
 * by "\n", or null when plain mode shows nothing for it (acks, pongs).
 * `viewer` is the name of the member it is rendered for; it matters only for
 * direct messages, which read differently for their sender.
 */
export function renderPlain(event: ServerEvent, viewer?: string): string | null {
  switch (event.type) {
    case "message":
      return plainMessage(event) + "\n";
    case "welcome":
      return historyLines(event.history) +
        `* Welcome, ${event.name}! ${
          listOrCount(event.members, event.count)
        }. Type /help for commands.\n`;
    case "room":
      return `* Now in #${event.room}: ${listOrCount(event.members, event.count)}.${
        event.topic ? ` Topic: ${event.topic}` : ""
      }\n` + historyLines(event.history);
    case "topic":
      return event.text === ""
        ? `* ${event.from} cleared the topic\n`
        : `* ${event.from} set the topic: ${event.text}\n`;
    case "upload":
      return `* Upload ${event.name} with: curl -T FILE ${event.url}  (one use, exactly ${event.size} bytes, until ${event.expires})\n`;
    case "rooms":
      return `* Rooms: ${event.rooms.map((r) => `#${r.name} (${r.members})`).join(", ")}\n`;
    case "dm":
      return event.from === viewer && event.to !== viewer
        ? `* (private) to ${event.to}: ${event.text}\n`
        : `(private) ${event.from}: ${event.text}\n`;
    case "join":
      return `* ${event.name} joined the chat\n`;
    case "leave":
      return event.reason === "part" && event.name === viewer
        ? `* You left #${event.room}\n`
        : `* ${event.name} left the chat\n`;
    case "nick":
      return `* ${event.from} is now ${event.to}\n`;
    case "presence":
      return `* ${presenceText(event)}\n`;
    case "members":
      return `* ${onlineList(event.names)}\n`;
    case "error":
      return `! ${event.code}: ${event.message}\n`;
    case "shutdown":
      return `* ${event.message}\n`;
    case "notice":
      return `* ${event.text}\n`;
    case "moderation":
      return `* ${moderationText(event)}\n`;
    case "bans":
      return `* ${bansText(event.bans)}\n`;
    case "history": {
      const n = event.messages.length;
      if (n === 0) return `* No messages in #${event.room} yet.\n`;
      return numberedLines(
        `Last ${n} message${n === 1 ? "" : "s"}:`,
        event.messages,
        "End of history.",
        false,
      );
    }
    case "results": {
      const n = event.messages.length;
      if (n === 0) return `* Nothing matches "${event.query}".\n`;
      return numberedLines(
        `${n === 1 ? "1 message matches" : `${n} messages match`} "${event.query}", newest first:`,
        event.messages,
        "End of search.",
        true,
      );
    }
    case "edit":
      return `* ${event.from} edited #${event.seq}: ${event.text}\n`;
    case "delete":
      return `* ${event.by} deleted #${event.seq}\n`;
    case "ack":
    case "pong":
      return null;
  }
}
