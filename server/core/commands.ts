import type { ServerEvent } from "../../protocol/events.ts";
import { onlineList } from "../../protocol/plain.ts";
import type { Chat, Refusal } from "./chat.ts";
import { MODERATION_COMMANDS } from "./moderation_commands.ts";
import { KEY_COMMAND, UNRESERVE_COMMAND } from "./reservation_commands.ts";
import { UPLOAD_COMMAND } from "./file_commands.ts";
import { REVISION_COMMANDS } from "./revisions.ts";
import { type Member, Room } from "./room.ts";

/** What a command can reach: the server, the member running it, and its connection. */
export interface CommandContext {
  readonly chat: Chat;
  readonly member: Member;
  /** Sends an event to this member only. */
  send(event: ServerEvent): void;
  /** Sends a plain notice line ("* …") to this member only. */
  notice(text: string): void;
  /** Sends an error to this member only (with the `ref` of the request it answers). */
  refuse(refusal: Refusal, ref?: string): void;
  /** Sends the refusal, if there is one. */
  check(refusal: Refusal | null, ref?: string): void;
  /**
   * Posts a room message (or an action) from this member: to `room`, else
   * its current room (plain) or the default room (JSON).
   */
  say(text: string, action: boolean, ref?: string, room?: string, id?: string): void;
  /** The room `raw` names (one the member is in), else `fallback`; null after refusing. */
  room(raw: string | undefined, fallback: Room | null, ref?: string): Room | null;
  /** The client pinged (a transport may expect it to keep doing so). */
  pinged(): void;
  /** Leaves the room and closes the connection. */
  quit(): void;
  /** Renames the member (waiting, in a cluster, for the name to be free everywhere). */
  rename(name: string): void | Promise<void>;
  /** Checks the operator password (waits: failures are slowed). */
  op(password: string): Promise<void>;
  /** Enters a room (waiting, in a cluster, for it to be readable here). */
  enter(room: string, since?: number): void | Promise<void>;
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
  /**
   * The first word names a room and is handed over as typed, not cleaned:
   * the room rules then refuse its escapes with bad_room, as in JSON mode,
   * where cleaning first would turn `de<ESC>[1mv` into #dev.
   */
  roomArg?: true;
  /** `words` are the whitespace-split arguments, `rest` the raw text after the command. */
  run(ctx: CommandContext, words: string[], rest: string): void | Promise<void>;
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
      ctx.check(ctx.chat.dm(ctx.member, words[0], afterFirstWord(rest)));
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
      return ctx.rename(words[0]);
    },
  },
  {
    name: "join",
    aliases: [],
    args: "ROOM",
    help: "enter a room (made if new) and talk there",
    minArgs: 1,
    roomArg: true,
    run(ctx, words) {
      return ctx.enter(words[0]);
    },
  },
  {
    name: "part",
    aliases: ["leave"],
    args: "[ROOM]",
    help: "leave a room (default: the current one)",
    minArgs: 0,
    roomArg: true,
    run(ctx, words) {
      const refusal = ctx.chat.part(ctx.member, words[0]);
      if (refusal) return ctx.refuse(refusal);
      const now = ctx.member.current;
      ctx.notice(now ? `Now talking in #${now.name}.` : "You are in no room now: /join ROOM.");
    },
  },
  {
    name: "rooms",
    aliases: [],
    args: "",
    help: "list the rooms",
    minArgs: 0,
    run(ctx) {
      const rooms = ctx.chat.roomList();
      ctx.notice(`Rooms: ${rooms.map((r) => `#${r.name} (${r.members})`).join(", ")}`);
    },
  },
  {
    name: "topic",
    aliases: [],
    args: "[TEXT]",
    help: "show or set the current room's topic",
    minArgs: 0,
    run(ctx, _words, rest) {
      const room = ctx.room(undefined, ctx.member.current);
      if (!room) return;
      if (rest === "") {
        return ctx.notice(
          room.topic === ""
            ? `#${room.name} has no topic; /topic TEXT sets it.`
            : `Topic of #${room.name}: ${room.topic}`,
        );
      }
      ctx.check(ctx.chat.setTopic(ctx.member, room, rest));
    },
  },
  {
    name: "who",
    aliases: ["names"],
    args: "[ROOM]",
    help: "list who is in a room (default: the current one)",
    minArgs: 0,
    roomArg: true,
    run(ctx, words) {
      const room = ctx.chat.whoRoom(ctx.member, words[0], ctx.member.current);
      if (!(room instanceof Room)) return ctx.refuse(room);
      const ops = new Set(room.ops());
      const names = room.names().map((n) => ops.has(n) ? `${n} (op)` : n);
      ctx.notice(
        room === ctx.member.current ? onlineList(names) : `#${room.name}: ${onlineList(names)}`,
      );
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
for (
  const c of [
    ...COMMANDS,
    ...REVISION_COMMANDS,
    KEY_COMMAND,
    UPLOAD_COMMAND,
    ...MODERATION_COMMANDS,
    UNRESERVE_COMMAND,
  ]
) {
  for (const n of [c.name, ...c.aliases]) BY_NAME.set(n, c);
}

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
  const lines = (list: readonly Command[]) => {
    const width = Math.max(...list.map((c) => usage(c).length));
    return list.map((c) =>
      `  ${usage(c).padEnd(width)}  ${c.help}${
        c.aliases.length ? ` (also /${c.aliases.join(", /")})` : ""
      }`
    );
  };
  return [
    "Commands:",
    ...lines([...COMMANDS, ...REVISION_COMMANDS, KEY_COMMAND, UPLOAD_COMMAND]),
    "Operators:",
    ...lines([...MODERATION_COMMANDS, UNRESERVE_COMMAND]),
    "Anything else is a message to your current room; start it with // to send a line beginning with /.",
  ];
}
