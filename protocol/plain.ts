import type { ChatMessage, ServerEvent } from "./events.ts";

/** One message of history or of the room, as a plain-mode line (without "\n"). */
export function plainMessage(m: ChatMessage): string {
  return m.action ? `* ${m.from} ${m.text}` : `${m.from}: ${m.text}`;
}

/** "3 online: alice, bob, carol" */
export function onlineList(names: string[]): string {
  return `${names.length} online: ${names.join(", ")}`;
}

/** A history replay between the markers, or nothing when there is none. */
function historyLines(history: ChatMessage[]): string {
  if (history.length === 0) return "";
  const n = history.length;
  let out = `* Last ${n} message${n === 1 ? "" : "s"}:\n`;
  for (const m of history) out += plainMessage(m) + "\n";
  return out + "* End of history.\n";
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
        `* Welcome, ${event.name}! ${onlineList(event.members)}. Type /help for commands.\n`;
    case "room":
      return `* Now in #${event.room}: ${onlineList(event.members)}.${
        event.topic ? ` Topic: ${event.topic}` : ""
      }\n` + historyLines(event.history);
    case "topic":
      return event.text === ""
        ? `* ${event.from} cleared the topic\n`
        : `* ${event.from} set the topic: ${event.text}\n`;
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
    case "members":
      return `* ${onlineList(event.names)}\n`;
    case "error":
      return `! ${event.code}: ${event.message}\n`;
    case "shutdown":
      return `* ${event.message}\n`;
    case "notice":
      return `* ${event.text}\n`;
    case "ack":
    case "pong":
      return null;
  }
}
