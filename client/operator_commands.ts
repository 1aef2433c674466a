/**
 * The operators' commands at the terminal prompt: the shared table of
 * protocol/moderation_commands.ts as {@linkcode ClientCommand}s. `/op`
 * alone asks for the password without echo; `/op PASSWORD` is a secret line
 * (erased from the screen, dropped from the Up/Down history).
 */
import { MODERATION_COMMANDS, type ModerationCommand } from "../protocol/moderation_commands.ts";
import type { Action, ClientCommand } from "./commands.ts";

function toClient(c: ModerationCommand): ClientCommand {
  const command: ClientCommand = {
    name: c.name,
    aliases: [],
    args: c.args,
    help: c.help,
    minArgs: c.minArgs,
    operator: true,
    run: (words, rest, current): Action => {
      const built = c.build(words, rest, current);
      if (typeof built === "string") return { kind: "usage", message: built };
      return c.secret
        ? { kind: "send", event: built, secret: true }
        : { kind: "send", event: built };
    },
  };
  if (c.completes === "rooms") command.completes = "rooms";
  if (c.name === "op") {
    command.args = "[PASSWORD]";
    command.help = "become an operator (alone: asks, without echo)";
    command.minArgs = 0;
    const run = command.run;
    command.run = (words, rest, current) =>
      words.length === 0 ? { kind: "op" } : run(words, rest, current);
  }
  return command;
}

/** The operators' commands (and /op), in the order /help lists them. */
export const OPERATOR_COMMANDS: readonly ClientCommand[] = MODERATION_COMMANDS.map(toClient);
