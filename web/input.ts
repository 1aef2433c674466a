import type { ClientEvent } from "../protocol/events.ts";
import { OPERATOR_COMMANDS } from "./operator_commands.ts";

/** What the composer's text (or the room and topic fields) asks for. */
export type InputAction =
  | { kind: "send"; event: ClientEvent }
  | { kind: "switch"; room: string }
  | { kind: "topic" }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "error"; message: string }
  | { kind: "none" };

/** One slash command of the page: /help is rendered from this table. */
export interface PageCommand {
  name: string;
  aliases: string[];
  /** Arguments, as /help shows them: "NAME TEXT". */
  args: string;
  help: string;
  /** Words needed; fewer gets the usage back. */
  minArgs: number;
  /** At most this many words (a name cannot hold a space). */
  maxArgs?: number;
  /** An operator's command (or /op): listed apart by /help. */
  operator?: true;
  /** `rest` is the text after the command, `room` the current room. */
  run(words: string[], rest: string, room: string | undefined): InputAction;
}

/** A room name as typed: a leading # is allowed and is not part of it. */
const bare = (raw: string): string => raw.trim().replace(/^#/, "");

/** A say or me event, in `room` when there is a current room. */
function inRoom(
  event: { type: "say" | "me"; text: string },
  room: string | undefined,
): ClientEvent {
  return room === undefined ? event : { ...event, room };
}

const TABLE: readonly PageCommand[] = [
  {
    name: "me",
    aliases: [],
    args: "TEXT",
    help: "say TEXT as an action: * you TEXT",
    minArgs: 1,
    run: (_w, rest, room) => ({ kind: "send", event: inRoom({ type: "me", text: rest }, room) }),
  },
  {
    name: "msg",
    aliases: ["dm"],
    args: "NAME TEXT",
    help: "a private message to NAME (or click a name)",
    minArgs: 2,
    run: (w, rest) => ({
      kind: "send",
      event: { type: "dm", to: w[0], text: rest.replace(/^\S+\s+/, "") },
    }),
  },
  {
    name: "join",
    aliases: [],
    args: "ROOM",
    help: "enter ROOM (made if new) and talk there",
    minArgs: 1,
    maxArgs: 1,
    run: (w) => ({ kind: "send", event: { type: "enter", room: bare(w[0]) } }),
  },
  {
    name: "part",
    aliases: ["leave"],
    args: "[ROOM]",
    help: "leave ROOM (default: this room)",
    minArgs: 0,
    maxArgs: 1,
    run: (w, _rest, room) => {
      const r = w.length > 0 ? bare(w[0]) : room;
      return r === undefined
        ? { kind: "error", message: "you are in no room: /part ROOM says which" }
        : { kind: "send", event: { type: "part", room: r } };
    },
  },
  {
    name: "switch",
    aliases: [],
    args: "ROOM",
    help: "show ROOM, one you are in (also Alt+Up / Alt+Down)",
    minArgs: 1,
    maxArgs: 1,
    run: (w) => ({ kind: "switch", room: bare(w[0]) }),
  },
  {
    name: "topic",
    aliases: [],
    args: "[TEXT]",
    help: "show this room's topic, or set it to TEXT (or click the topic)",
    minArgs: 0,
    run: (_w, rest, room) => {
      if (rest === "") return { kind: "topic" };
      return room === undefined
        ? { kind: "error", message: "you are in no room: /join ROOM first" }
        : { kind: "send", event: { type: "topic", room, text: rest } };
    },
  },
  {
    name: "rooms",
    aliases: ["list"],
    args: "",
    help: "list every room on the server",
    minArgs: 0,
    maxArgs: 0,
    run: () => ({ kind: "send", event: { type: "rooms" } }),
  },
  {
    name: "who",
    aliases: ["names"],
    args: "[ROOM]",
    help: "list who is in ROOM (default: this room)",
    minArgs: 0,
    maxArgs: 1,
    run: (w, _rest, room) => {
      const r = w.length > 0 ? bare(w[0]) : room;
      return { kind: "send", event: r === undefined ? { type: "who" } : { type: "who", room: r } };
    },
  },
  {
    name: "nick",
    aliases: [],
    args: "NAME",
    help: "change your name",
    minArgs: 1,
    maxArgs: 1,
    run: (w) => ({ kind: "send", event: { type: "nick", name: w[0] } }),
  },
  ...OPERATOR_COMMANDS,
  {
    name: "help",
    aliases: [],
    args: "",
    help: "this list",
    minArgs: 0,
    run: () => ({ kind: "help" }),
  },
  {
    name: "quit",
    aliases: [],
    args: "",
    help: "leave the chat",
    minArgs: 0,
    run: () => ({ kind: "quit" }),
  },
];

const helpRow = (c: PageCommand): [string, string] => {
  const also = c.aliases.length > 0 ? ` (also /${c.aliases.join(", /")})` : "";
  return [`/${c.name}${c.args ? ` ${c.args}` : ""}`, `${c.help}${also}`];
};

/**
 * The commands and keys the page understands, for its /help: [usage, help];
 * a row with no help is a heading.
 */
export const COMMANDS: readonly [string, string][] = [
  ...TABLE.filter((c) => !c.operator).map(helpRow),
  ["//TEXT", "send a message that starts with /"],
  ["Alt+Up / Alt+Down", "the previous / next room in the list"],
  ["Operators (after /op):", ""],
  ...TABLE.filter((c) => c.operator).map(helpRow),
];

/**
 * Turns what was typed into a protocol event or a local action. `room` is
 * the current room: messages, /part, /topic and /who go there.
 *
 * @example
 * parseInput("/me waves") // { kind: "send", event: { type: "me", text: "waves" } }
 * parseInput("hi", "dev") // { kind: "send", event: { type: "say", text: "hi", room: "dev" } }
 */
export function parseInput(raw: string, room?: string): InputAction {
  const text = raw.replace(/[\r\n]+/g, " ");
  if (text.trim() === "") return { kind: "none" };
  if (text.startsWith("//")) return say(text.slice(1), room);
  if (!text.startsWith("/")) return say(text, room);
  const m = /^\/(\S+)\s*(.*)$/s.exec(text)!;
  const word = m[1].toLowerCase();
  const rest = m[2].trim();
  const cmd = TABLE.find((c) => c.name === word || c.aliases.includes(word));
  if (!cmd) {
    return {
      kind: "error",
      message: `/${word} is not a command: /help lists them (// sends a line starting with /)`,
    };
  }
  const words = rest === "" ? [] : rest.split(/\s+/);
  if (words.length < cmd.minArgs || words.length > (cmd.maxArgs ?? Infinity)) {
    return { kind: "error", message: `usage: /${cmd.name}${cmd.args ? ` ${cmd.args}` : ""}` };
  }
  return cmd.run(words, rest, room);
}

/**
 * What the "Join a room" field asks for: entering the room named.
 *
 * @example
 * roomInput(" #dev ") // { kind: "send", event: { type: "enter", room: "dev" } }
 */
export function roomInput(raw: string): InputAction {
  const room = bare(raw);
  if (room === "") return { kind: "none" };
  if (/\s/.test(room)) {
    return { kind: "error", message: "a room name has no spaces: letters, digits, _ - and ." };
  }
  return { kind: "send", event: { type: "enter", room } };
}

/** What the topic editor asks for: setting `room`'s topic ("" clears it). */
export function topicInput(raw: string, room: string): InputAction {
  return {
    kind: "send",
    event: { type: "topic", room, text: raw.replace(/[\r\n]+/g, " ").trim() },
  };
}

function say(text: string, room: string | undefined): InputAction {
  return { kind: "send", event: inRoom({ type: "say", text }, room) };
}
