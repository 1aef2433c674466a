import type { ClientEvent } from "../protocol/events.ts";

/** What the composer's text asks for. */
export type InputAction =
  | { kind: "send"; event: ClientEvent }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "error"; message: string }
  | { kind: "none" };

/** The commands the page understands, for its /help. */
export const COMMANDS: readonly [string, string][] = [
  ["/me TEXT", "say TEXT as an action: * you TEXT"],
  ["/msg NAME TEXT", "a private message to NAME (also /dm; or click a name)"],
  ["/nick NAME", "change your name"],
  ["/who", "list who is here"],
  ["/quit", "leave the room"],
  ["//TEXT", "send a message that starts with /"],
];

/**
 * Turns what was typed into a protocol event or a local action.
 *
 * @example
 * parseInput("/me waves") // { kind: "send", event: { type: "me", text: "waves" } }
 */
export function parseInput(raw: string): InputAction {
  const text = raw.replace(/[\r\n]+/g, " ");
  if (text.trim() === "") return { kind: "none" };
  if (text.startsWith("//")) return say(text.slice(1));
  if (!text.startsWith("/")) return say(text);
  const m = /^\/(\S+)\s*(.*)$/s.exec(text)!;
  const word = m[1].toLowerCase();
  const rest = m[2].trim();
  switch (word) {
    case "me":
      return rest ? { kind: "send", event: { type: "me", text: rest } } : usage("/me TEXT");
    case "msg":
    case "dm": {
      const d = /^(\S+)\s+(.+)$/s.exec(rest);
      return d
        ? { kind: "send", event: { type: "dm", to: d[1], text: d[2] } }
        : usage("/msg NAME TEXT");
    }
    case "nick":
      return rest && !/\s/.test(rest)
        ? { kind: "send", event: { type: "nick", name: rest } }
        : usage("/nick NAME");
    case "who":
    case "names":
      return { kind: "send", event: { type: "who" } };
    case "help":
      return { kind: "help" };
    case "quit":
      return { kind: "quit" };
    default:
      return {
        kind: "error",
        message: `/${word} is not a command: /help lists them (// sends a line starting with /)`,
      };
  }
}

function say(text: string): InputAction {
  return { kind: "send", event: { type: "say", text } };
}

function usage(u: string): InputAction {
  return { kind: "error", message: `usage: ${u}` };
}
