import type { Member, Refusal, Room } from "./room.ts";

/** What a command can reach: the room, the member running it, and its connection. */
export interface CommandContext {
  readonly room: Room;
  readonly member: Member;
  /** Sends a plain notice line ("* …") to this member only. */
  notice(text: string): void;
  /** Sends an error to this member only. */
  refuse(refusal: Refusal): void;
  /** Posts a room message (or an action) from this member. */
  say(text: string, action: boolean): void;
  /** Leaves the room and closes the connection. */
  quit(): void;
}

/** One slash command. `/help` and argument checks are generated from these. */
export interface Command {
  name: string;
  aliases: string[];
  /** Arguments, as shown in help: "NAME TEXT". */
  args: string;
  help: string;
  /** Words the command needs before it runs; fewer gets its usage back. */
  minArgs: number;
  /** `words` are the whitespace-split arguments, `rest` the raw text after the command. */
  run(ctx: CommandContext, words: string[], rest: string): void;
}

/** Everything after the first word of `rest`. */
function afterFirstWord(rest: string): string {
  return rest.replace(/^\S+\s?/, "");
}

/** The slash commands of plain mode, in the order /help lists them. */
export const COMMANDS: readonly Command[] = [
  {
    name: "msg",
    aliases: ["dm"],
    args: "NAME TEXT",
    help: "send a private message",
    minArgs: 2,
    run(ctx, words, rest) {
      const refusal = ctx.room.dm(ctx.member, words[0], afterFirstWord(rest));
      if (refusal) ctx.refuse(refusal);
    },
  },
  {
    name: "me",
    aliases: [],
    args: "TEXT",
    help: "act: /me waves shows * bob waves",
    minArgs: 1,
    run(ctx, _words, rest) {
      ctx.say(rest, true);
    },
  },
  {
    name: "nick",
    aliases: [],
    args: "NEW",
    help: "change your name",
    minArgs: 1,
    run(ctx, words) {
      const refusal = ctx.room.rename(ctx.member, words[0]);
      if (refusal) ctx.refuse(refusal);
    },
  },
  {
    name: "who",
    aliases: ["names"],
    args: "",
    help: "list who is online",
    minArgs: 0,
    run(ctx) {
      const names = ctx.room.names();
      ctx.notice(`${names.length} online: ${names.join(", ")}`);
    },
  },
  {
    name: "help",
    aliases: [],
    args: "",
    help: "show this help",
    minArgs: 0,
    run(ctx) {
      for (const line of helpLines()) ctx.notice(line);
    },
  },
  {
    name: "quit",
    aliases: [],
    args: "",
    help: "leave the chat (so does a bare exit)",
    minArgs: 0,
    run(ctx) {
      ctx.quit();
    },
  },
];

const BY_NAME = new Map<string, Command>();
for (const c of COMMANDS) for (const n of [c.name, ...c.aliases]) BY_NAME.set(n, c);

/** The command called `name` (without "/", any case), if any. */
export function findCommand(name: string): Command | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** "/msg NAME TEXT" */
export function usage(c: Command): string {
  return `/${c.name}${c.args ? " " + c.args : ""}`;
}

/** The /help text, one line per entry. */
export function helpLines(): string[] {
  const width = Math.max(...COMMANDS.map((c) => usage(c).length));
  return [
    "Commands:",
    ...COMMANDS.map((c) =>
      `  ${usage(c).padEnd(width)}  ${c.help}${
        c.aliases.length ? ` (also /${c.aliases.join(", /")})` : ""
      }`
    ),
    "Anything else is a message to everyone; start it with // to send a line beginning with /.",
  ];
}
