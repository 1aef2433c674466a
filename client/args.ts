import { type FlagSpec, parseFlags, renderHelp, UsageError } from "../cli/flags.ts";

/** Everything `chat join` is configured with: parsed once, validated, frozen. */
export interface JoinConfig {
  /** The name to join as; empty when it must be asked for. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Print every received event as one JSON line on stdout. */
  readonly json: boolean;
}

/** The flags of `chat join`: parsing and --help both come from this table. */
export const JOIN_FLAGS: readonly FlagSpec[] = [
  {
    name: "name",
    arg: "NAME",
    default: "asked for",
    help: "your name: 1-32 letters, digits, _ - . (a terminal asks when it is missing)",
  },
  { name: "host", arg: "HOST", default: "127.0.0.1", env: "CHAT_HOST", help: "server address" },
  { name: "port", arg: "PORT", default: "8080", env: "CHAT_PORT", help: "server TCP port" },
  {
    name: "json",
    arg: "",
    default: "off",
    help: "print every event from the server as one JSON line on stdout",
  },
];

/**
 * Parses `chat join`'s arguments and environment into a frozen config.
 * Throws {@linkcode UsageError} naming the flag for anything invalid.
 *
 * @example
 * parseJoinConfig(["--name", "bob"], {}) // { name: "bob", host: "127.0.0.1", port: 8080, json: false }
 */
export function parseJoinConfig(
  args: string[],
  env: Record<string, string | undefined>,
): JoinConfig {
  const values = parseFlags(args, JOIN_FLAGS);
  const host = String(values.host ?? env.CHAT_HOST ?? "127.0.0.1").trim();
  if (host === "") throw new UsageError("--host cannot be empty, try 127.0.0.1");
  const rawPort = String(values.port ?? env.CHAT_PORT ?? "8080").trim();
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(`--port must be a whole number from 1 to 65535, got "${rawPort}"`);
  }
  const name = String(values.name ?? "").trim();
  if (values.name !== undefined && name === "") {
    throw new UsageError("--name cannot be empty, try --name bob");
  }
  return Object.freeze({ name, host, port, json: values.json === true });
}

/** `chat join --help`, generated from the flag table. */
export function joinHelp(): string {
  return renderHelp({
    usage: "chat join [flags]",
    about: [
      "Joins a chat room. In a terminal: type to talk, /help lists commands, Tab completes,",
      "Up recalls. With stdin from a pipe or file: every line is sent as a message, and it",
      "exits 0 once the server has acknowledged them all (1 if it could not).",
    ],
    flags: JOIN_FLAGS,
    footer: [
      "Exit codes: 0 done, 1 cannot connect or lost the connection, 2 bad flags.",
    ],
    examples: [
      "chat join --name bob",
      "chat join --name bob --host chat.example.org --port 9000",
      'echo "deploy done" | chat join --name ci',
      "chat join --name logger --json < /dev/null    # join, print the welcome as JSON, leave",
    ],
  });
}
