import { parseArgs } from "node:util";

/** Everything `chat join` is configured with: parsed once, validated, frozen. */
export interface JoinConfig {
  /** The name to join as; empty when it must be asked for. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Print every received event as one JSON line on stdout. */
  readonly json: boolean;
}

/** A bad command line: the message names the flag; exit 2. */
export class JoinUsageError extends Error {
  override name = "JoinUsageError";
}

/** One flag of `chat join`: the table that parsing and --help both use. */
interface FlagSpec {
  name: string;
  /** Empty for a switch. */
  arg: string;
  default: string;
  env?: string;
  help: string;
}

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

/** True when the arguments ask for help. */
export function wantsHelp(args: string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

/**
 * Parses `chat join`'s arguments and environment into a frozen config.
 * Throws {@linkcode JoinUsageError} naming the flag for anything invalid.
 *
 * @example
 * parseJoinConfig(["--name", "bob"], {}) // { name: "bob", host: "127.0.0.1", port: 8080, json: false }
 */
export function parseJoinConfig(
  args: string[],
  env: Record<string, string | undefined>,
): JoinConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        name: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        json: { type: "boolean" },
      },
    }));
  } catch (err) {
    throw new JoinUsageError(
      err instanceof Error ? err.message.replace(/\. To specify.*$/s, "") : String(err),
    );
  }
  const host = String(values.host ?? env.CHAT_HOST ?? "127.0.0.1").trim();
  if (host === "") throw new JoinUsageError("--host cannot be empty, try 127.0.0.1");
  const rawPort = String(values.port ?? env.CHAT_PORT ?? "8080").trim();
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new JoinUsageError(`--port must be a whole number from 1 to 65535, got "${rawPort}"`);
  }
  const name = String(values.name ?? "").trim();
  if (values.name !== undefined && name === "") {
    throw new JoinUsageError("--name cannot be empty, try --name bob");
  }
  return Object.freeze({ name, host, port, json: values.json === true });
}

/** `chat join --help`, generated from the flag table. */
export function joinHelp(): string {
  const rows = JOIN_FLAGS.map((f) => [`--${f.name}${f.arg ? " " + f.arg : ""}`, f]) as [
    string,
    FlagSpec,
  ][];
  const width = Math.max(...rows.map(([u]) => u.length));
  return [
    "Usage: chat join [flags]",
    "",
    "Joins a chat room. In a terminal: type to talk, /help lists commands, Tab completes,",
    "Up recalls. With stdin from a pipe or file: every line is sent as a message, and it",
    "exits 0 once the server has acknowledged them all (1 if it could not).",
    "",
    "Flags:",
    ...rows.map(([u, f]) =>
      `  ${u.padEnd(width)}  ${f.help} (default ${f.default}${f.env ? `, env ${f.env}` : ""})`
    ),
    `  ${"--help".padEnd(width)}  show this help`,
    "",
    "Exit codes: 0 done, 1 cannot connect or lost the connection, 2 bad flags.",
    "",
    "Examples:",
    "  chat join --name bob",
    "  chat join --name bob --host chat.example.org --port 9000",
    '  echo "deploy done" | chat join --name ci',
    "  chat join --name logger --json < /dev/null    # join, print the welcome as JSON, leave",
  ].join("\n");
}
