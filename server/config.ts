import { parseFlags, renderHelp, UsageError } from "../cli/flags.ts";
import { type ConfigFile, ConfigFileError } from "./config_file.ts";
import {
  bytes,
  cidrs,
  dbPath,
  durationOrOff,
  intIn,
  nonEmpty,
  optionalFile,
  pingTimeout,
  rateLimit,
  redisUrl,
  reserveNames,
  retain,
  roomName,
  seconds,
  serverName,
  webUrl,
} from "./config_values.ts";
import type { CidrList } from "./core/address.ts";
import type { LogLevel } from "./core/peer.ts";
import type { RateLimit } from "./core/rate_limit.ts";
import { LOG_LEVELS } from "./log.ts";
import { SERVE_FLAGS } from "./serve_flags.ts";
import type { RetainPolicy } from "./storage/retention.ts";

export { SERVE_FLAGS };

/** Everything `chat serve` is configured with: parsed once, validated, frozen. */
export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** HTTP port of the web page, /ws, /healthz and /metrics. */
  readonly webPort: number;
  /** False with --no-web: no HTTP listener at all. */
  readonly web: boolean;
  /** The IRC port (`--irc-port`); null: no IRC. */
  readonly ircPort: number | null;
  /** The server's name in IRC replies. */
  readonly serverName: string;
  /** The web side's public URL (`--web-url`), or null: made from the listening address. */
  readonly webUrl: string | null;
  /** Where shared files are kept (`--files-dir`); null: beside --db (or a temporary one). */
  readonly filesDir: string | null;
  readonly maxFileSize: number;
  readonly maxFilesBytes: number;
  /** The room everyone is placed in at first. */
  readonly defaultRoom: string;
  readonly maxRooms: number;
  readonly history: number;
  readonly maxLine: number;
  readonly maxClients: number;
  /** Most connections from one address (IPv6: one /64); 0 = no limit. */
  readonly maxPerIp: number;
  /** Most connections from one address that have not joined yet; 0 = no limit. */
  readonly maxPendingPerIp: number;
  /** Proxies whose X-Forwarded-For / Forwarded headers are believed (web side). */
  readonly trustProxy: CidrList;
  /** TLS certificate and key files; both set, or both null (no TLS). */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  /**
   * Where the room password comes from: a file (read at start and on
   * SIGHUP), or the value of CHAT_PASSWORD; null when the room is open.
   */
  readonly password: { readonly file: string } | { readonly value: string } | null;
  /** Where the operator password comes from, like `password`; null: no operators. */
  readonly opPassword: { readonly file: string } | { readonly value: string } | null;
  readonly handshakeTimeoutMs: number;
  /** WebSocket (and pinging JSON client) silence after which it is dropped. */
  readonly pingTimeoutMs: number;
  readonly rateLimit: RateLimit;
  readonly maxOutbox: number;
  readonly logLevel: LogLevel;
  /** History database file, or ":memory:". */
  readonly db: string;
  readonly retain: RetainPolicy;
  /** The Redis of a cluster (`--redis`), or null for one node with --db. */
  readonly redis: string | null;
  /** How long a name stays reserved after its last use (`--reserve-names`); null: off. */
  readonly reserveNamesMs: number | null;
  /** How long authors may edit their messages (`--edit-window`); 0: off. */
  readonly editWindowMs: number;
  /** False with --no-search: no full-text index. */
  readonly search: boolean;
}

// No --password flag: `ps` would show it to every user of the machine. The
// file named by the flag wins over CHAT_PASSWORD, which wins over the file
// named in the config file (flag > env > file).
function passwordSource(
  s: Setting,
  file: string,
  envValue: string | undefined,
  flag = "--password-file",
): ServeConfig["password"] {
  const env = envValue !== undefined && envValue !== "" ? envValue : null;
  if (s.source.kind === "default" || (s.source.kind === "file" && env !== null)) {
    return env === null ? null : Object.freeze({ value: env });
  }
  if (file.trim() === "") {
    throw new UsageError(`${flag} cannot be empty, name the file holding the password`);
  }
  return Object.freeze({ file });
}

/** Where a setting's value came from, for `--print-config` and error messages. */
export type Source =
  | { readonly kind: "flag" }
  | { readonly kind: "env"; readonly name: string }
  | { readonly kind: "file"; readonly path: string; readonly line: number }
  | { readonly kind: "default" };

/** One setting's value, as the string a flag would give, and where it came from. */
export interface Setting {
  readonly raw: string;
  readonly source: Source;
}

/** Every flag's value, resolved flag > env > file > default, before validation. */
export interface ServeSettings {
  readonly values: ReadonlyMap<string, Setting>;
  /** The environment it was resolved in (CHAT_PASSWORD and CHAT_OP_PASSWORD are read from it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The config file, if one was given. */
  readonly file: ConfigFile | null;
}

/** The config file named by `--config` or CHAT_CONFIG, or null. */
export function configPath(
  args: string[],
  env: Record<string, string | undefined>,
): string | null {
  const values = parseFlags(args, SERVE_FLAGS);
  const path = (values.config as string | undefined) ?? env.CHAT_CONFIG;
  if (path === undefined || path.trim() === "" || path === "none") return null;
  return path;
}

/**
 * Resolves every flag: a command-line flag wins over its environment
 * variable, which wins over the config file, which wins over the default.
 * Throws {@linkcode UsageError} for a bad command line.
 */
export function resolveServeSettings(
  args: string[],
  env: Record<string, string | undefined>,
  file: ConfigFile | null = null,
): ServeSettings {
  const flags = parseFlags(args, SERVE_FLAGS);
  const values = new Map<string, Setting>();
  for (const f of SERVE_FLAGS) {
    const given = flags[f.name];
    const fromFile = f.cliOnly ? undefined : file?.values.get(f.name);
    let s: Setting;
    if (given !== undefined) {
      s = { raw: given === true ? "on" : String(given), source: { kind: "flag" } };
    } else if (f.env && env[f.env] !== undefined) {
      s = { raw: env[f.env]!, source: { kind: "env", name: f.env } };
    } else if (fromFile && file) {
      s = { raw: fromFile.raw, source: { kind: "file", path: file.path, line: fromFile.line } };
    } else s = { raw: f.default, source: { kind: "default" } };
    values.set(f.name, Object.freeze(s));
  }
  return Object.freeze({ values, env: Object.freeze({ ...env }), file });
}

/**
 * Parses `chat serve`'s arguments and environment (and a config file's
 * values) into a frozen config. Throws {@linkcode UsageError} naming the
 * flag for anything invalid.
 */
export function parseServeConfig(
  args: string[],
  env: Record<string, string | undefined>,
  file: ConfigFile | null = null,
): ServeConfig {
  return buildServeConfig(resolveServeSettings(args, env, file));
}

/** What a value's error says about where it came from. */
function located(name: string, s: Setting, err: UsageError): UsageError {
  switch (s.source.kind) {
    case "file":
      return new ConfigFileError(
        `${s.source.path}:${s.source.line}: ${err.message.replace(`--${name}`, name)}`,
      );
    case "env":
      return new UsageError(`${err.message} (set by env ${s.source.name})`);
    default:
      return err;
  }
}

/**
 * Validates resolved settings into a frozen {@linkcode ServeConfig}. An
 * invalid value throws {@linkcode UsageError}: for one from the config
 * file a {@linkcode ConfigFileError} naming the file, the line and the key.
 */
export function buildServeConfig(settings: ServeSettings): ServeConfig {
  const { values, env } = settings;
  const setting = (name: string): Setting => values.get(name)!;
  const get = (name: string): string => setting(name).raw;
  const field = <T>(name: string, parse: (raw: string) => T): T => {
    try {
      return parse(get(name));
    } catch (err) {
      if (err instanceof UsageError) throw located(name, setting(name), err);
      throw err;
    }
  };
  const host = field("host", (raw) => {
    if (raw.trim() === "") throw new UsageError("--host cannot be empty, try 0.0.0.0 or 127.0.0.1");
    return raw.trim();
  });
  const logLevel = field("log-level", (raw) => {
    if (!LOG_LEVELS.includes(raw as LogLevel)) {
      throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${raw}"`);
    }
    return raw as LogLevel;
  });
  const certFile = optionalFile(get("tls-cert"));
  const keyFile = optionalFile(get("tls-key"));
  if ((certFile === null) !== (keyFile === null)) {
    const [name, other] = certFile === null ? ["tls-key", "tls-cert"] : ["tls-cert", "tls-key"];
    throw located(
      name,
      setting(name),
      new UsageError(
        `--${name} needs --${other} too: give both files, or neither for plain TCP`,
      ),
    );
  }
  const dbGiven = setting("db").source.kind !== "default";
  return Object.freeze({
    host,
    port: field("port", (raw) => intIn("port", raw, 0, 65535)),
    webPort: field("web-port", (raw) => intIn("web-port", raw, 0, 65535)),
    web: get("no-web") !== "on",
    ircPort: field("irc-port", (raw) => raw === "off" ? null : intIn("irc-port", raw, 0, 65535)),
    serverName: field("server-name", serverName),
    webUrl: field("web-url", webUrl),
    filesDir: field(
      "files-dir",
      (raw) => raw === "beside --db" ? null : nonEmpty("files-dir", raw),
    ),
    maxFileSize: field("max-file-size", (raw) => bytes("max-file-size", raw, 1)),
    maxFilesBytes: field("max-files-bytes", (raw) => bytes("max-files-bytes", raw, 1)),
    defaultRoom: field("default-room", roomName),
    maxRooms: field("max-rooms", (raw) => intIn("max-rooms", raw, 1, 1_000_000)),
    history: field("history", (raw) => intIn("history", raw, 0, 1_000_000)),
    maxLine: field("max-line", (raw) => bytes("max-line", raw, 64)),
    maxClients: field("max-clients", (raw) => intIn("max-clients", raw, 1, 1_000_000)),
    maxPerIp: field("max-per-ip", (raw) => intIn("max-per-ip", raw, 0, 1_000_000)),
    maxPendingPerIp: field(
      "max-pending-per-ip",
      (raw) => intIn("max-pending-per-ip", raw, 0, 1_000_000),
    ),
    trustProxy: field("trust-proxy", (raw) => cidrs("trust-proxy", raw)),
    tls: certFile && keyFile ? Object.freeze({ certFile, keyFile }) : null,
    password: field(
      "password-file",
      (raw) => passwordSource(setting("password-file"), raw, env.CHAT_PASSWORD),
    ),
    opPassword: field(
      "op-password-file",
      (raw) =>
        passwordSource(
          setting("op-password-file"),
          raw,
          env.CHAT_OP_PASSWORD,
          "--op-password-file",
        ),
    ),
    handshakeTimeoutMs: field("handshake-timeout", (raw) => seconds("handshake-timeout", raw)),
    pingTimeoutMs: field("ping-timeout", pingTimeout),
    rateLimit: Object.freeze(field("rate-limit", rateLimit)),
    maxOutbox: field("max-outbox", (raw) => bytes("max-outbox", raw, 4096)),
    logLevel,
    db: field("db", dbPath),
    retain: field("retain", retain),
    redis: field("redis", (raw) => redisUrl(raw, dbGiven)),
    reserveNamesMs: field("reserve-names", reserveNames),
    editWindowMs: field("edit-window", (raw) => durationOrOff("edit-window", raw) ?? 0),
    search: get("no-search") !== "on",
  });
}

/** `chat serve --help`, generated from the flag table. */
export function serveHelp(): string {
  return renderHelp({
    usage: "chat serve [flags]",
    about: ["Starts a chat room. People join with `chat join`, a browser, or `nc HOST PORT`."],
    flags: SERVE_FLAGS,
    footer: [
      "Every flag but --config, --print-config and --example-config is also a key of the",
      "--config file, with the same name. The room and operator passwords come from files",
      "(or env CHAT_PASSWORD, CHAT_OP_PASSWORD), never from a flag. SIGHUP reloads the",
      "config file, the password files and the TLS pair without dropping anyone.",
    ],
    examples: [
      "chat serve                       # room on port 8080, all interfaces",
      "chat serve --config /etc/chat/chat.toml",
      "chat serve --example-config > chat.toml",
      "chat serve --config chat.toml --print-config",
      "chat serve --port 9000 --history 200",
      "chat serve --host 127.0.0.1 --rate-limit 0",
      "chat serve --db /var/lib/chat/chat.db --retain 30d,100000",
      "chat serve --tls-cert cert.pem --tls-key key.pem --password-file /etc/chat/password",
    ],
  });
}
