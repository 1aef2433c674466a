/**
 * The operators' slash commands, shared by the terminal client and the web
 * page: each typed line becomes the JSON event PROTOCOL.md "Operators and
 * moderation" defines, or a usage message. Each client puts these entries
 * into its own command table (so its /help lists them) and adds what is its
 * own, like asking for the password without echo.
 */
import type { ClientEvent } from "./events.ts";

/** One operator command: `build` turns its arguments into the event, or a usage message. */
export interface ModerationCommand {
  name: string;
  /** Arguments, as help shows them: "NAME [REASON]". */
  args: string;
  help: string;
  /** Words needed before `build` runs; fewer gets the usage back. */
  minArgs: number;
  /** What the first argument completes to (Tab): a member's name or a room. */
  completes: "names" | "rooms";
  /** The arguments hold a secret: keep the line off the screen and out of the input history. */
  secret?: true;
  /**
   * `words` are the whitespace-split arguments, `rest` the text after the
   * command, `room` the current room. Returns the event, or a string: what
   * is wrong and the usage.
   */
  build(words: string[], rest: string, room: string | undefined): ClientEvent | string;
}

/** A duration as the server takes it: a whole number of seconds, minutes, hours or days. */
export const DURATION = /^\d{1,6}[smhd]$/i;

/** True for "90m", "12h", "7d". */
export function isDuration(word: string): boolean {
  return DURATION.test(word);
}

/** A word that starts with a digit: a duration, perhaps mistyped ("2w", "10"), never a reason. */
const DURATION_LIKE = /^\d+[\p{L}]*$/u;

const DURATION_HELP = "DURATION is a number and s, m, h or d: 90m, 12h, 7d";

/** A room name as typed: a leading # is allowed and is not part of it. */
const bare = (raw: string): string => raw.replace(/^#/, "");

/** `rest` without its first `n` words. */
export function wordsAfter(rest: string, n: number): string {
  let r = rest.trim();
  for (let i = 0; i < n; i++) r = r.replace(/^\S+\s*/, "");
  return r;
}

/**
 * An optional DURATION then an optional REASON, from `words[from]` on: the
 * word there is the duration when it looks like one; a mistyped duration is
 * refused rather than taken as the start of the reason (a ban would then be
 * for ever).
 */
function durationAndReason(
  words: string[],
  rest: string,
  from: number,
  usage: string,
): { duration?: string; reason?: string } | string {
  const first = words[from];
  if (first === undefined) return {};
  if (isDuration(first)) {
    const reason = wordsAfter(rest, from + 1);
    return reason === "" ? { duration: first } : { duration: first, reason };
  }
  if (DURATION_LIKE.test(first)) return `${DURATION_HELP}; usage: ${usage}`;
  return { reason: wordsAfter(rest, from) };
}

function usageOf(name: string, args: string): string {
  return `/${name}${args ? " " + args : ""}`;
}

/** A command taking one NAME (or TARGET) and nothing else. */
function oneName(
  name: string,
  args: string,
  help: string,
  make: (target: string) => ClientEvent,
): ModerationCommand {
  return {
    name,
    args,
    help,
    minArgs: 1,
    completes: "names",
    build: (words) =>
      words.length === 1
        ? make(words[0])
        : `only one ${args} please; usage: ${usageOf(name, args)}`,
  };
}

/** /lock and /unlock: the room named, else the current one. */
function lock(name: "lock" | "unlock", help: string): ModerationCommand {
  return {
    name,
    args: "[ROOM]",
    help,
    minArgs: 0,
    completes: "rooms",
    build: (words, _rest, room) => {
      if (words.length > 1) return `a room name has no spaces; usage: /${name} [ROOM]`;
      const r = words.length === 1 ? bare(words[0]) : room;
      if (r === undefined || r === "") return `you are in no room: /${name} ROOM says which`;
      return { type: "lock", room: r, locked: name === "lock" };
    },
  };
}

/** The commands, in the order help lists them. */
export const MODERATION_COMMANDS: readonly ModerationCommand[] = [
  {
    name: "op",
    args: "PASSWORD",
    help: "become an operator with the operator password (not shown, not kept)",
    minArgs: 1,
    completes: "names",
    secret: true,
    build: (_words, rest) => ({ type: "op", password: rest.trim() }),
  },
  {
    name: "kick",
    args: "NAME [REASON]",
    help: "disconnect NAME, saying why",
    minArgs: 1,
    completes: "names",
    build: (words, rest) => {
      const reason = wordsAfter(rest, 1);
      return reason === ""
        ? { type: "kick", name: words[0] }
        : { type: "kick", name: words[0], reason };
    },
  },
  {
    name: "ban",
    args: "NAME|ADDRESS|CIDR [DURATION] [REASON]",
    help: "ban (a NAME: its address too) for DURATION or ever",
    minArgs: 1,
    completes: "names",
    build: (words, rest) => {
      const usage = "/ban NAME|ADDRESS|CIDR [DURATION] [REASON]";
      const more = durationAndReason(words, rest, 1, usage);
      if (typeof more === "string") return more;
      return { type: "ban", target: words[0], ...more };
    },
  },
  oneName("unban", "TARGET", "lift a ban", (target) => ({
    type: "unban",
    target,
  })),
  {
    name: "bans",
    args: "",
    help: "list the bans",
    minArgs: 0,
    completes: "names",
    build: (words) => words.length === 0 ? { type: "bans" } : "usage: /bans (it takes no words)",
  },
  {
    name: "mute",
    args: "NAME [DURATION]",
    help: "silence NAME for DURATION (10m) or until /unmute",
    minArgs: 1,
    completes: "names",
    build: (words) => {
      const usage = "/mute NAME [DURATION]";
      if (words.length > 2) return `a mute has no reason; usage: ${usage}`;
      if (words.length === 1) return { type: "mute", name: words[0] };
      if (!isDuration(words[1])) return `${DURATION_HELP}; usage: ${usage}`;
      return { type: "mute", name: words[0], duration: words[1] };
    },
  },
  oneName("unmute", "NAME", "let NAME talk again", (name) => ({ type: "unmute", name })),
  lock("lock", "let only operators set ROOM's topic (default: here)"),
  lock("unlock", "let anyone set ROOM's topic again (default: here)"),
  {
    name: "unreserve",
    args: "NAME [REASON]",
    help: "free a reserved name, so anyone may take it",
    minArgs: 1,
    completes: "names",
    build: (words, rest) => {
      const reason = wordsAfter(rest, 1);
      return reason === ""
        ? { type: "unreserve", name: words[0] }
        : { type: "unreserve", name: words[0], reason };
    },
  },
];

/** The operator command called `word` (any case), if there is one. */
export function findModerationCommand(word: string): ModerationCommand | undefined {
  const w = word.toLowerCase();
  return MODERATION_COMMANDS.find((c) => c.name === w);
}

/** What a kick, ban or mute form holds (empty strings: not given). */
export interface ModerationForm {
  duration?: string;
  reason?: string;
}

/**
 * The event a kick, ban or mute of `target` asks for, from a form's fields
 * (the web page's dialog), or what is wrong with them. A kick has no
 * duration, a mute no reason: those fields are ignored.
 *
 * @example
 * moderationEvent("ban", "bob", { duration: "7d", reason: "spam" })
 * // { type: "ban", target: "bob", duration: "7d", reason: "spam" }
 */
export function moderationEvent(
  action: "kick" | "ban" | "mute",
  target: string,
  form: ModerationForm = {},
): ClientEvent | string {
  const duration = (form.duration ?? "").trim();
  const reason = (form.reason ?? "").replace(/[\r\n]+/g, " ").trim();
  if (duration !== "" && !isDuration(duration) && action !== "kick") {
    return `${DURATION_HELP}, or nothing`;
  }
  switch (action) {
    case "kick":
      return reason === ""
        ? { type: "kick", name: target }
        : { type: "kick", name: target, reason };
    case "ban": {
      const e: Extract<ClientEvent, { type: "ban" }> = { type: "ban", target };
      if (duration !== "") e.duration = duration;
      if (reason !== "") e.reason = reason;
      return e;
    }
    case "mute":
      return duration === ""
        ? { type: "mute", name: target }
        : { type: "mute", name: target, duration };
  }
}
