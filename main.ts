import { VERSION } from "./protocol/version.ts";

const HELP =
  `chat ${VERSION} — a chat room in one file: terminal, netcat, browser and bots together.

Usage:
  chat serve [flags]          start a room (see chat serve --help)
  chat join [flags]           join a room from this terminal (see chat join --help)
  chat history [flags]        print the stored history (see chat history --help)
  chat --version              print the version
  chat --help                 show this help

Examples:
  chat serve --port 8080
  chat join --name bob --host chat.example.org
  nc chat.example.org 8080
  echo "deploy done" | chat join --name ci`;

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
      return runHistory(rest);
    }
    case "join": {
      const { runJoin } = await import("./client/main.ts");
      return await runJoin(rest);
    }
    case "--version":
    case "-V":
    case "version":
      console.log(`chat ${VERSION}`);
      return 0;
    case undefined:
    case "--help":
    case "-h":
    case "help":
      console.log(HELP);
      return 0;
    default:
      console.error(`chat: unknown command "${command}". Try: chat serve, chat join, chat --help`);
      return 2;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
