import type { ClientEvent } from "../protocol/events.ts";
import { HISTORY_COMMANDS, type HistoryState, seqOf } from "./history_commands.ts";
import type { OwnMessage } from "./own_messages.ts";
import { OPERATOR_COMMANDS } from "./operator_commands.ts";

/** What one line typed at the prompt asks for. */
export type Action =
  /** `secret`: the line holds a password: off the screen and out of the history. */
  | { kind: "send"; event: ClientEvent; secret?: true }
  /** `/op` alone: ask for the operator password without echo. */
  | { kind: "op" }
  | { kind: "switch"; room: string }
  | { kind: "topic" }
  /** `/send PATH`: share a file with `room`. */
  | { kind: "sendFile"; path: string; room: string }
  /** `/get N [DIR]`: download shared file N into DIR (default: here). */
  | { kind: "getFile"; n: number; dir: string | undefined }
  /** Needs what the client keeps (your last message, the pages shown): `run` gives the action. */
  | { kind: "withState"; run(state: HistoryState): Action }
  /** A line for you alone ("message numbers hidden"). */
  | { kind: "notice"; text: string }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "nothing" }
  | { kind: "usage"; message: string };

/** One slash command of the terminal client: /help and Tab completion come from this table. */
export interface ClientCommand {
  name: string;
  aliases: string[];
  /** Arguments, as shown in help: "NAME TEXT". */
  args: string;
  help: string;
  /** Words needed before it runs; fewer gets its usage back. */
  minArgs: number;
  /**
   * What the arguments complete to (Tab): member names, your rooms
   * (`rooms`), every room the server listed and yours (`anyRoom`: /join,
   * /who), file paths, or (`own`) a message number and your text of it.
   */
  completes?: "rooms" | "anyRoom" | "files" | "own";
  /** An operator's command (or /op): listed apart in /help. */
  operator?: true;
  /**
   * `words` are the whitespace-split arguments, `rest` the raw text after
   * the command, `current` the current room.
   */
  run(words: string[], rest: string, current: string | undefined): Action;
}

const room = (raw: string) => raw.replace(/^#/, "");
/** A path as typed: quotes around it (for spaces) are not part of it. */
const unquote = (raw: string) => /^(["'])(.*)\1$/s.exec(raw)?.[2] ?? raw;

/** The commands, in the order /help lists them. */
export const CLIENT_COMMANDS: readonly ClientCommand[] = [
  {
    name: "msg",
    aliases: ["dm"],
    args: "NAME TEXT",
    help: "send a private message",
    minArgs: 2,
    run: (words, rest) => ({
      kind: "send",
      event: { type: "dm", to: words[0], text: rest.replace(/^\S+\s?/, "") },
    }),
  },
  {
    name: "me",
    aliases: [],
    args: "TEXT",
    help: "act: /me waves shows * bob waves",
    minArgs: 1,
    run: (_words, rest, current) => ({
      kind: "send",
      event: current === undefined
        ? { type: "me", text: rest }
        : { type: "me", text: rest, room: current },
    }),
  },
  {
    name: "nick",
    aliases: [],
    args: "NEW",
    help: "change your name",
    minArgs: 1,
    run: (words) => ({ kind: "send", event: { type: "nick", name: words[0] } }),
  },
  {
    name: "join",
    aliases: [],
    args: "ROOM",
    help: "enter a room (made if new) and talk there",
    minArgs: 1,
    completes: "anyRoom",
    run: (words) => ({ kind: "send", event: { type: "enter", room: room(words[0]) } }),
  },
  {
    name: "part",
    aliases: ["leave"],
    args: "[ROOM]",
    help: "leave a room (default: the current one)",
    minArgs: 0,
    completes: "rooms",
    run: (words, _rest, current) => {
      const r = words[0] ? room(words[0]) : current;
      return r ? { kind: "send", event: { type: "part", room: r } } : {
        kind: "usage",
        message: "you are in no room: /part ROOM",
      };
    },
  },
  {
    name: "switch",
    aliases: ["s"],
    args: "ROOM",
    help: "type into another of your rooms (also Alt-1 to Alt-9)",
    minArgs: 1,
    completes: "rooms",
    run: (words) => ({ kind: "switch", room: room(words[0]) }),
  },
  {
    name: "rooms",
    aliases: [],
    args: "",
    help: "list the server's rooms",
    minArgs: 0,
    run: () => ({ kind: "send", event: { type: "rooms" } }),
  },
  {
    name: "topic",
    aliases: [],
    args: "[TEXT]",
    help: "show or set the current room's topic",
    minArgs: 0,
    run: (_words, rest, current) =>
      rest === ""
        ? { kind: "topic" }
        : current
        ? { kind: "send", event: { type: "topic", room: current, text: rest } }
        : { kind: "usage", message: "you are in no room: /join ROOM first" },
  },
  {
    name: "who",
    aliases: ["names"],
    args: "[ROOM]",
    help: "list who is in a room (default: the current one)",
    minArgs: 0,
    completes: "anyRoom",
    run: (words, _rest, current) => {
      const r = words[0] ? room(words[0]) : current;
      return { kind: "send", event: r ? { type: "who", room: r } : { type: "who" } };
    },
  },
  {
    name: "send",
    aliases: [],
    args: "PATH",
    help: "share a file with the current room",
    minArgs: 1,
    completes: "files",
    run: (_words, rest, current) =>
      current === undefined
        ? { kind: "usage", message: "you are in no room: /join ROOM first" }
        : { kind: "sendFile", path: unquote(rest), room: current },
  },
  {
    name: "get",
    aliases: [],
    args: "N [DIR]",
    help: "download a shared file (by its /get N) here, or into DIR",
    minArgs: 1,
    completes: "files",
    run: (words, rest) => {
      if (!/^\d{1,9}$/.test(words[0])) {
        return { kind: "usage", message: `usage: /get N [DIR], N a file's number: /get 3` };
      }
      const dir = unquote(rest.slice(words[0].length).trim());
      return { kind: "getFile", n: Number(words[0]), dir: dir === "" ? undefined : dir };
    },
  },
  ...HISTORY_COMMANDS,
  ...OPERATOR_COMMANDS,
  {
    name: "help",
    aliases: [],
    args: "",
    help: "show this help",
    minArgs: 0,
    run: () => ({ kind: "help" }),
  },
  {
    name: "quit",
    aliases: [],
    args: "",
    help: "leave (so do Ctrl-C, Ctrl-D and a bare exit)",
    minArgs: 0,
    run: () => ({ kind: "quit" }),
  },
];

function usageOf(c: ClientCommand): string {
  return `/${c.name}${c.args ? " " + c.args : ""}`;
}

function findCommand(word: string): ClientCommand | undefined {
  const w = word.toLowerCase();
  return CLIENT_COMMANDS.find((c) => c.name === w || c.aliases.includes(w));
}

/**
 * Turns one typed line into an action: a slash command, a bare `exit`, or a
 * message (`//text` sends "/text").
 *
 * @example
 * parseInput("/me waves") // { kind: "send", event: { type: "me", text: "waves" } }
 */
export function parseInput(line: string, current?: string): Action {
  if (line.trim() === "") return { kind: "nothing" };
  if (line.trim() === "exit") return { kind: "quit" };
  const say = (text: string): Action => ({
    kind: "send",
    event: current === undefined ? { type: "say", text } : { type: "say", text, room: current },
  });
  if (line.startsWith("//")) return say(line.slice(1));
  if (!line.startsWith("/")) return say(line);
  const rest = line.slice(1);
  const word = rest.split(/\s/, 1)[0];
  const command = findCommand(word);
  if (!command) {
    return {
      kind: "usage",
      message: `/${word} is not a command, /help lists them (// sends a line starting with /)`,
    };
  }
  const args = rest.slice(word.length).trim();
  const words = args === "" ? [] : args.split(/\s+/);
  if (words.length < command.minArgs) {
    return { kind: "usage", message: `usage: ${usageOf(command)}` };
  }
  return command.run(words, args, current);
}

/** Options of {@linkcode helpLines}. */
export interface HelpOptions {
  /**
   * List the operators' commands; false: one line saying how to become one
   * (so that everyone's /help fits a screen). @default true
   */
  operator?: boolean;
}

/** The /help text, one line per command, then the keys. */
export function helpLines(options: HelpOptions = {}): string[] {
  const row = (c: ClientCommand) => {
    const names = [usageOf(c), ...c.aliases.map((a) => "/" + a)].join(", ");
    return [names, c.help];
  };
  const rows = CLIENT_COMMANDS.filter((c) => !c.operator).map(row);
  const ops = CLIENT_COMMANDS.filter((c) => c.operator).map(row);
  // Long usages (/ban's) would push every help text far right: they get their own line.
  const width = Math.max(...[...rows, ...ops].map(([u]) => u.length).filter((n) => n <= 24));
  const line = ([u, h]: string[]) =>
    u.length > width ? [`  ${u}`, `  ${"".padEnd(width)}  ${h}`] : [`  ${u.padEnd(width)}  ${h}`];
  return [
    "Commands:",
    ...rows.flatMap(line),
    `  ${"//TEXT".padEnd(width)}  send a message that starts with /`,
    ...(options.operator === false
      ? ["Operators: /op first, then /help lists their commands (kick, ban, mute, lock…)."]
      : ["Operators (after /op):", ...ops.flatMap(line)]),
    "Keys: Tab completes names and commands, and after /edit your message's text;",
    "Up/Down recall what you sent; Ctrl-C leaves. #numbers are each room's own.",
  ];
}

/** The room names Tab offers: yours, and every room of the server's last `rooms` list. */
export interface RoomNames {
  mine: readonly string[];
  all: readonly string[];
}

/**
 * Tab completion, in readline's shape: the candidates and the text they
 * replace. A first word starting with "/" completes commands; any other
 * word completes member names. `own` finds your message `seq` (without
 * one, your last) in the current room, for /edit.
 */
export function complete(
  line: string,
  members: readonly string[],
  rooms: readonly string[] | RoomNames = [],
  paths: (typed: string) => string[] = () => [],
  own: (seq?: number) => OwnMessage | undefined = () => undefined,
): [string[], string] {
  const m = /(\S*)$/.exec(line);
  const word = m ? m[1] : "";
  const before = line.slice(0, line.length - word.length);
  const isFirst = before.trim() === "";
  if (isFirst && word.startsWith("/")) {
    const all = CLIENT_COMMANDS.flatMap((c) => [c.name, ...c.aliases]).map((n) => `/${n} `);
    const hits = all.filter((c) => c.startsWith(word.toLowerCase()));
    return [hits, word];
  }
  // The first argument of /join, /part, /switch, /who is a room: /part and
  // /switch take one of yours, /join and /who any the server has.
  const command = /^\/(\S+)\s+$/.exec(before);
  const takes = command ? findCommand(command[1])?.completes : undefined;
  if (takes === "rooms" || takes === "anyRoom") {
    const { mine, all } = Array.isArray(rooms) ? { mine: rooms, all: [] } : rooms as RoomNames;
    const names = takes === "rooms" ? mine : [...new Set([...mine, ...all])];
    const w = word.replace(/^#/, "").toLowerCase();
    return [names.filter((r) => r.toLowerCase().startsWith(w)).map((r) => r + " "), word];
  }
  // "/edit " or "/edit 34": the number and your text, to fix; "/edit 34 ": the text.
  const edit = /^\/(\S+)\s+(#?\d+\s+)?$/.exec(before);
  if (edit && findCommand(edit[1])?.completes === "own") {
    const typed = seqOf(word);
    const m = edit[2] !== undefined
      ? word === "" ? own(seqOf(edit[2].trim())!) : undefined
      : word === ""
      ? own()
      : typed !== null
      ? own(typed)
      : undefined;
    if (m) return [[edit[2] !== undefined ? m.text : `${m.seq} ${m.text}`], word];
  }
  // /send's path; /get's DIR (after the number).
  const files = /^\/(\S+)\s+(?:\d+\s+)?$/.exec(before);
  if (files && findCommand(files[1])?.completes === "files") {
    const isGet = findCommand(files[1])?.name === "get";
    if (!isGet || /\d\s+$/.test(before)) {
      const hits = paths(word).filter((p) => !isGet || p.endsWith("/"));
      return [hits, word];
    }
  }
  if (word === "") return [[], word];
  const w = word.toLowerCase();
  const hits = members.filter((n) => n.toLowerCase().startsWith(w)).map((n) => n + " ");
  return [hits, word];
}
