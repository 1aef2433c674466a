// `chat help [--man]` and `chat completions SHELL`: printed from the command
// and flag tables (cli/commands.ts).
import { VERSION } from "../protocol/version.ts";
import { mainHelp, SHELLS } from "./commands.ts";
import { completionScript, type Shell } from "./completions.ts";
import { manPage } from "./man.ts";

/** `chat help ARGS` (and `chat --help`): returns the exit code. */
export function runHelp(args: string[]): number {
  if (args.length === 1 && args[0] === "--man") {
    Deno.stdout.writeSync(new TextEncoder().encode(manPage(VERSION)));
    return 0;
  }
  if (args.length > 0 && !(args.length === 1 && ["--help", "-h"].includes(args[0]))) {
    console.error(`chat help: unknown argument "${args[0]}". Try: chat help, chat help --man`);
    return 2;
  }
  console.log(mainHelp(VERSION));
  return 0;
}

/** `chat completions SHELL`: returns the exit code. */
export function runCompletions(args: string[]): number {
  const shell = args[0];
  if (args.length !== 1 || !(SHELLS as readonly string[]).includes(shell)) {
    console.error(
      `chat completions: name one shell: ${SHELLS.join(", ")}. Example: ` +
        "chat completions bash > ~/.local/share/bash-completion/completions/chat",
    );
    return 2;
  }
  Deno.stdout.writeSync(new TextEncoder().encode(completionScript(shell as Shell)));
  return 0;
}
