import { VERSION } from "./protocol/version.ts";

/** Runs a subcommand and returns the exit code. */
async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "serve": {
      const { runServe } = await import("./server/main.ts");
      return await runServe(rest);
    }
    case "history": {
      const { runHistory } = await import("./server/history_cmd.ts");
      return await runHistory(rest);
    }
    case "join": {
      const { runJoin } = await import("./client/main.ts");
      return await runJoin(rest);
    }
    case "completions": {
      const { runCompletions } = await import("./cli/help_cmd.ts");
      return runCompletions(rest);
    }
    case "--version":
    case "-V":
    case "version":
      console.log(`chat ${VERSION}`);
      return 0;
    case undefined:
    case "--help":
    case "-h":
    case "help": {
      const { runHelp } = await import("./cli/help_cmd.ts");
      return runHelp(command === "help" ? rest : []);
    }
    default:
      console.error(
        `chat: unknown command "${command}". Try: chat serve, chat join, chat --help`,
      );
      return 2;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
