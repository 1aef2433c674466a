import { type FlagSpec, parseFlags, renderHelp, UsageError } from "../cli/flags.ts";
import { parseHosts, type ServerAddress } from "./hosts.ts";
import { defaultKeysPath } from "./keys.ts";

/** Everything `chat join` is configured with: parsed once, validated, frozen. */
export interface JoinConfig {
  /** The name to join as; empty when it must be asked for. */
  readonly name: string;
  /**
   * The servers to connect to, in the order they are tried (at least one):
   * the first that answers, and on a drop the next one, round robin.
   */
  readonly hosts: readonly ServerAddress[];
  /** Print every received event as one JSON line on stdout. */
  readonly json: boolean;
  /** Connect with TLS (also implied by --ca). */
  readonly tls: boolean;
  /** A PEM file of certificates to trust besides the system's roots. */
  readonly caFile: string | null;
  /** Rooms to be in from the start (the first is current); empty: the server's default room. */
  readonly rooms: readonly string[];
  /** Where the room password comes from; null: asked for when needed (in a terminal). */
  readonly password: { readonly file: string } | { readonly value: string } | null;
  /** `--key-file`: the one file holding this name's key; null: keys.json. */
  readonly keyFile: string | null;
  /** `--send FILE`: share this file and exit (stdin is not read); absent: chat. */
  readonly send?: string;
  /** keys.json, where keys of reserved names are kept by server and name; null: no HOME. */
  readonly keysPath: string | null;
}

/** The flags of `chat join`: parsing and --help both come from this table. */
export const JOIN_FLAGS: readonly FlagSpec[] = [
  {
    name: "name",
    arg: "NAME",
    default: "asked for",
    help: "your name: 1-32 letters, digits, _ - . (a terminal asks when it is missing)",
  },
  {
    name: "host",
    arg: "HOST[:PORT]",
    default: "127.0.0.1",
    env: "CHAT_HOST",
    multiple: true,
    help: "server address; several (a,b:9000 or --host again) are tried in turn, " +
      "and a dropped connection moves to the next",
  },
  {
    name: "port",
    arg: "PORT",
    default: "8080",
    env: "CHAT_PORT",
    help: "server TCP port, for hosts given without one",
  },
  {
    name: "room",
    arg: "NAME",
    default: "the server's",
    multiple: true,
    help: "a room to be in (again for more; the first is where lines go, and --send's file)",
  },
  {
    name: "send",
    arg: "FILE",
    default: "none",
    help: "share FILE with the room, print its URL and exit once the server has it " +
      "(needs --name; stdin is not read)",
  },
  {
    name: "json",
    arg: "",
    default: "off",
    help: "print every event from the server as one JSON line on stdout",
  },
  {
    name: "tls",
    arg: "",
    default: "off",
    help:
      "connect with TLS, verifying the server against the system's roots (or SSL_CERT_FILE's) and Mozilla's",
  },
  {
    name: "ca",
    arg: "FILE",
    default: "none",
    help: "also trust this PEM certificate (a private CA, or a self-signed server); implies --tls",
  },
  {
    name: "password-file",
    arg: "FILE",
    default: "asked for",
    help: "file holding the room password (or the password in env CHAT_PASSWORD)",
  },
  {
    name: "key-file",
    arg: "FILE",
    default: "keys.json",
    help: "read your name's key from FILE and keep a new one there, instead of " +
      "$XDG_CONFIG_HOME/chat/keys.json (~/.config/chat); a pipe then reserves its name too",
  },
];

/**
 * Parses `chat join`'s arguments and environment into a frozen config.
 * Throws {@linkcode UsageError} naming the flag for anything invalid.
 *
 * @example
 * parseJoinConfig(["--name", "bob", "--host", "a,b:9000"], {})
 * // { name: "bob", hosts: [{host:"a",port:8080}, {host:"b",port:9000}], json: false, … }
 */
export function parseJoinConfig(
  args: string[],
  env: Record<string, string | undefined>,
): JoinConfig {
  const values = parseFlags(args, JOIN_FLAGS);
  const hostValues = (values.host as string[] | undefined) ??
    [env.CHAT_HOST ?? "127.0.0.1"];
  if (hostValues.some((h) => h.trim() === "")) {
    throw new UsageError("--host cannot be empty, try 127.0.0.1");
  }
  const rawPort = String(values.port ?? env.CHAT_PORT ?? "8080").trim();
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(`--port must be a whole number from 1 to 65535, got "${rawPort}"`);
  }
  const hosts = Object.freeze(parseHosts(hostValues, port));
  const name = String(values.name ?? "").trim();
  if (values.name !== undefined && name === "") {
    throw new UsageError("--name cannot be empty, try --name bob");
  }
  const caFile = typeof values.ca === "string" ? values.ca : null;
  if (caFile !== null && caFile.trim() === "") {
    throw new UsageError("--ca cannot be empty, name a PEM certificate file");
  }
  const file = values["password-file"];
  if (typeof file === "string" && file.trim() === "") {
    throw new UsageError("--password-file cannot be empty, name the file holding the password");
  }
  const password = typeof file === "string"
    ? Object.freeze({ file })
    : env.CHAT_PASSWORD
    ? Object.freeze({ value: env.CHAT_PASSWORD })
    : null;
  const keyFile = values["key-file"];
  if (typeof keyFile === "string" && keyFile.trim() === "") {
    throw new UsageError("--key-file cannot be empty, name the file that keeps the key");
  }
  const rooms = ((values.room as string[] | undefined) ?? []).map((r) =>
    r.trim().replace(/^#/, "")
  );
  if (rooms.some((r) => r === "")) throw new UsageError("--room cannot be empty, try --room dev");
  const send = values.send;
  if (typeof send === "string" && send.trim() === "") {
    throw new UsageError("--send cannot be empty, name the file to share");
  }
  return Object.freeze({
    name,
    hosts,
    rooms: Object.freeze(rooms),
    json: values.json === true,
    tls: values.tls === true || caFile !== null,
    caFile,
    password,
    keyFile: typeof keyFile === "string" ? keyFile : null,
    ...(typeof send === "string" ? { send } : {}),
    keysPath: defaultKeysPath(env),
  });
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
      "With several --host servers (a,b or --host again; CHAT_HOST too) it connects to the",
      "first that answers, a note naming each that does not; when the connection drops it",
      "moves to the next, round robin (a pipe: for up to 2 min; with one server it exits 1).",
      "What was not acked goes again with its message id, so the server stores it once; a line",
      "the server could not store for a moment is sent again by itself, for up to 2 min.",
      "A room password is asked for (without echo) in a terminal when the server needs one.",
      "Your name is yours while you use it: the server gives it a key, kept for you in",
      "~/.config/chat/keys.json (mode 0600) and sent when you join again. A pipe neither",
      "reserves its name nor keeps a key, unless --key-file is given.",
      "--send FILE shares one file (the server needs its web side on) and exits: 0 once the",
      "server has it, whole (its sha256 checked) and announced in the room; 1 with the reason.",
      "In a terminal, /send PATH shares a file and /get N downloads one (see /help).",
      "/history [N] and /older scroll back, /search finds words, /edit and /delete fix or",
      "remove your messages by their #number (see /help).",
    ],
    examples: [
      "chat join --name bob",
      "chat join --name bob --host chat.example.org --port 9000",
      "chat join --name bob --host a.example.org,b.example.org:9000   # either; fails over",
      "chat join --name bob --host chat.example.org --tls",
      "chat join --name bob --room dev --room ops       # in #dev and #ops, typing into #dev",
      'echo "deploy done" | chat join --name ci --room ops',
      "chat join --name bob --host localhost --ca cert.pem --password-file ~/.chat-password",
      'echo "deploy done" | chat join --name ci',
      "chat join --name ci --room builds --send dist/app.tar.gz   # prints the file's URL",
      "chat join --name logger --json < /dev/null    # join, print the welcome as JSON, leave",
    ],
  });
}
