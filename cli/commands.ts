// The subcommands of `chat`, each with its flag table: `chat --help`, the man
// page and the shell completions are all written from this one table.
import type { FlagSpec } from "./flags.ts";
import { SERVE_FLAGS } from "../server/serve_flags.ts";
import { HISTORY_FLAGS } from "../server/history_flags.ts";
import { JOIN_FLAGS } from "../client/args.ts";

/** One subcommand of `chat`. */
export interface CommandSpec {
  name: string;
  /** What follows `chat NAME` in a usage line. */
  usage: string;
  /** One line: what it does. */
  summary: string;
  flags: readonly FlagSpec[];
  /** Words it takes instead of flags (`chat completions bash`). */
  words?: readonly string[];
}

/** The shells `chat completions` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** Every subcommand, in the order `chat --help` and the man page list them. */
export const COMMANDS: readonly CommandSpec[] = [
  { name: "serve", usage: "[flags]", summary: "start a room", flags: SERVE_FLAGS },
  { name: "join", usage: "[flags]", summary: "join a room from this terminal", flags: JOIN_FLAGS },
  {
    name: "history",
    usage: "[flags]",
    summary: "print the stored history",
    flags: HISTORY_FLAGS,
  },
  {
    name: "completions",
    usage: SHELLS.join("|"),
    summary: "print a shell completion script",
    flags: [],
    words: SHELLS,
  },
  {
    name: "help",
    usage: "[--man]",
    summary: "show this help; --man prints the manual page",
    flags: [{ name: "man", arg: "", default: "off", help: "print the manual page (roff)" }],
  },
  { name: "version", usage: "", summary: "print the version", flags: [] },
];

/** `chat --help`, from the command table. */
export function mainHelp(version: string): string {
  const rows = COMMANDS.map((c) => [`chat ${c.name}${c.usage ? ` ${c.usage}` : ""}`, c] as const);
  const width = Math.max(...rows.map(([u]) => u.length));
  return [
    `chat ${version} — a chat room in one file: terminal, netcat, browser and bots together.`,
    "",
    "Usage:",
    ...rows.map(([u, c]) =>
      `  ${u.padEnd(width)}  ${c.summary}${
        c.flags.length > 1 ? ` (see chat ${c.name} --help)` : ""
      }`
    ),
    "",
    "Examples:",
    "  chat serve --port 8080",
    "  chat serve --config /etc/chat/chat.toml",
    "  chat join --name bob --host chat.example.org",
    "  nc chat.example.org 8080",
    '  echo "deploy done" | chat join --name ci',
    "  chat completions bash > ~/.local/share/bash-completion/completions/chat",
  ].join("\n");
}
