/**
 * The operators' commands typed in the page's message field: the shared
 * table of protocol/moderation_commands.ts as the page's commands, so that
 * `/kick bob spamming` does what it does in `chat join`.
 */
import { MODERATION_COMMANDS } from "../protocol/moderation_commands.ts";
import type { PageCommand } from "./input.ts";

/** The operators' commands (and /op), in the order /help lists them. */
export const OPERATOR_COMMANDS: readonly PageCommand[] = MODERATION_COMMANDS.map((c) => ({
  name: c.name,
  aliases: [],
  args: c.args,
  help: c.help,
  minArgs: c.minArgs,
  operator: true,
  run: (words, rest, room) => {
    const built = c.build(words, rest, room);
    return typeof built === "string"
      ? { kind: "error", message: built }
      : { kind: "send", event: built };
  },
}));
