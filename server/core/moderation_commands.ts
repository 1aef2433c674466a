import { wordsAfter } from "../../protocol/moderation_commands.ts";
import { bansText } from "../../protocol/plain.ts";
import type { Command } from "./commands.ts";
import { parseDuration } from "./moderation_types.ts";

/** `[DURATION] [REASON]` after the first word: a second word that is no duration starts the reason. */
function durationAndReason(words: string[], rest: string): [string | undefined, string] {
  if (words.length > 1 && parseDuration(words[1]) !== null) return [words[1], wordsAfter(rest, 2)];
  return [undefined, wordsAfter(rest, 1)];
}

/** The operators' slash commands (and /op), listed by /help after the others. */
export const MODERATION_COMMANDS: readonly Command[] = [
  {
    name: "op",
    aliases: [],
    args: "PASSWORD",
    help: "become an operator (with the operator password)",
    minArgs: 1,
    run(ctx, words) {
      return ctx.op(words[0]);
    },
  },
  {
    name: "kick",
    aliases: [],
    args: "NAME [REASON]",
    help: "operators: disconnect NAME",
    minArgs: 1,
    run(ctx, words, rest) {
      ctx.check(ctx.chat.moderation.kick(ctx.member, words[0], wordsAfter(rest, 1)));
    },
  },
  {
    name: "ban",
    aliases: [],
    args: "NAME|ADDRESS|CIDR [DURATION] [REASON]",
    help: "operators: keep out a name (and its address), an address or a range; 90m, 12h, 7d",
    minArgs: 1,
    run(ctx, words, rest) {
      const [duration, reason] = durationAndReason(words, rest);
      ctx.check(ctx.chat.moderation.ban(ctx.member, words[0], duration, reason));
    },
  },
  {
    name: "unban",
    aliases: [],
    args: "TARGET",
    help: "operators: lift a ban",
    minArgs: 1,
    run(ctx, words) {
      ctx.check(ctx.chat.moderation.unban(ctx.member, words[0]));
    },
  },
  {
    name: "bans",
    aliases: [],
    args: "",
    help: "operators: list the bans",
    minArgs: 0,
    run(ctx) {
      const bans = ctx.chat.moderation.bans(ctx.member);
      if (Array.isArray(bans)) ctx.notice(bansText(bans));
      else ctx.refuse(bans);
    },
  },
  {
    name: "mute",
    aliases: [],
    args: "NAME [DURATION]",
    help: "operators: refuse NAME's messages and DMs",
    minArgs: 1,
    run(ctx, words, rest) {
      const [duration, reason] = durationAndReason(words, rest);
      ctx.check(ctx.chat.moderation.mute(ctx.member, words[0], duration, reason));
    },
  },
  {
    name: "unmute",
    aliases: [],
    args: "NAME",
    help: "operators: let NAME talk again",
    minArgs: 1,
    run(ctx, words) {
      ctx.check(ctx.chat.moderation.unmute(ctx.member, words[0]));
    },
  },
  {
    name: "lock",
    aliases: [],
    args: "[ROOM]",
    help: "operators: only operators may set the room's topic",
    minArgs: 0,
    roomArg: true,
    run(ctx, words) {
      const room = ctx.room(words[0], ctx.member.current);
      if (room) ctx.check(ctx.chat.moderation.lock(ctx.member, room, true));
    },
  },
  {
    name: "unlock",
    aliases: [],
    args: "[ROOM]",
    help: "operators: anyone in the room may set its topic again",
    minArgs: 0,
    roomArg: true,
    run(ctx, words) {
      const room = ctx.room(words[0], ctx.member.current);
      if (room) ctx.check(ctx.chat.moderation.lock(ctx.member, room, false));
    },
  },
];
