import { nameProblem, normalizeName } from "../../protocol/names.ts";
import { wordsAfter } from "../../protocol/moderation_commands.ts";
import type { Command, CommandContext } from "./commands.ts";
import { after } from "./reservations.ts";

/** "30d", "12h", "90m", "2s": the largest unit that divides `ms`. */
export function durationText(ms: number): string {
  for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

/** `/key`: the member's key for its name, or why it has none. */
export function showKey(ctx: CommandContext): void {
  const names = ctx.chat.reservations;
  const name = ctx.member.name;
  if (!names.enabled) {
    return ctx.notice("This server does not reserve names (--reserve-names off).");
  }
  const key = names.keyOf(ctx.member, name);
  if (key !== undefined) {
    return ctx.notice(
      `Your key for the name ${name}: ${key} — give it when you join as ${name} again; the name stays yours until ${
        durationText(names.ttlMs)
      } after you last use it.`,
    );
  }
  ctx.notice(
    ctx.member.peer.mode === "plain"
      ? `The name ${name} is not reserved: a name joined in plain mode never is (chat join and the web page reserve theirs), so you have no key.`
      : `The name ${name} is not reserved for you (you joined with "reserve":false, renamed to it, or joined before it was), so you have no key.`,
  );
}

/**
 * `/unreserve NAME [REASON]` and `{"type":"unreserve"}`: an operator frees
 * a reserved name; its key stops working and whoever joins as NAME next is
 * given a new one. The operator is told in a notice; the reason goes to the
 * moderation log.
 */
export function unreserve(ctx: CommandContext, raw: string, reason = ""): void | Promise<void> {
  if (!ctx.member.operator) {
    return ctx.refuse({
      code: "not_operator",
      message: "only operators can free a reserved name: /op PASSWORD first",
    });
  }
  const name = normalizeName(raw);
  const problem = nameProblem(name);
  if (problem) return ctx.refuse({ code: "bad_name", message: problem });
  const names = ctx.chat.reservations;
  if (!names.enabled) {
    return ctx.notice("This server does not reserve names (--reserve-names off).");
  }
  const holder = ctx.chat.find(name);
  const done = after(names.free(name, holder), (freed) => {
    if (freed === null) {
      return ctx.refuse({
        code: "server_error",
        message: `the name ${name} could not be freed right now, try again`,
      });
    }
    if (freed) ctx.chat.moderation.record(ctx.member, "unreserve", name, reason);
    ctx.notice(
      freed
        ? `The name ${name} is no longer reserved: its key does not work any more, and whoever joins as ${name} next gets a new one.`
        : `The name ${name} is not reserved.`,
    );
  });
  return done instanceof Promise ? done : undefined;
}

/** `/key` (everyone) and `/unreserve` (operators). */
export const KEY_COMMAND: Command = {
  name: "key",
  aliases: [],
  args: "",
  help: "show the key that keeps your name yours (names joined by chat join or the web page)",
  minArgs: 0,
  run: (ctx) => showKey(ctx),
};

export const UNRESERVE_COMMAND: Command = {
  name: "unreserve",
  aliases: [],
  args: "NAME [REASON]",
  help: "operators: free a reserved name (its key stops working)",
  minArgs: 1,
  run: (ctx, words, rest) => unreserve(ctx, words[0], wordsAfter(rest, 1)),
};
