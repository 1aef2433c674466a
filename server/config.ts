import { parseFlags, renderHelp, UsageError } from "../cli/flags.ts";
import { nameProblem, normalizeName } from "../protocol/names.ts";
import { CidrList } from "./core/address.ts";
import type { LogLevel } from "./core/peer.ts";
import type { RateLimit } from "./core/rate_limit.ts";
import { LOG_LEVELS } from "./log.ts";
import { SERVE_FLAGS } from "./serve_flags.ts";
import { parseRetain, type RetainPolicy } from "./storage/retention.ts";

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
}

function intIn(flag: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function bytes(flag: string, raw: string, min: number): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(raw.trim());
  if (!m) {
    throw new UsageError(
      `--${flag} must be a size in bytes like 4096, 64k, 1m or 1g, got "${raw}"`,
    );
  }
  const n = Number(m[1]) *
    ({ "": 1, k: 1024, m: 1 << 20, g: 1 << 30 }[m[2].toLowerCase()] ?? 1);
  if (n < min) throw new UsageError(`--${flag} must be at least ${min} bytes, got "${raw}"`);
  return n;
}

function seconds(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(raw.trim());
  if (!m || Number(m[1]) <= 0) {
    throw new UsageError(
      `--${flag} must be a positive number of seconds like 30 or 0.5, got "${raw}"`,
    );
  }
  return m[2] === "ms" ? Number(m[1]) : Number(m[1]) * 1000;
}

function rateLimit(raw: string): RateLimit {
  const m = /^(\d+(?:\.\d+)?)(?::(\d+))?$/.exec(raw.trim());
  if (!m) {
    throw new UsageError(
      `--rate-limit must be RATE or RATE:BURST in lines per second, like 10:40 or 0 (off), got "${raw}"`,
    );
  }
  const perSecond = Number(m[1]);
  return {
    perSecond,
    burst: m[2] ? Math.max(1, Number(m[2])) : Math.max(1, Math.ceil(perSecond * 4)),
  };
}

function dbPath(raw: string): string {
  if (raw.trim() === "") {
    throw new UsageError("--db cannot be empty, try chat.db or :memory:");
  }
  return raw;
}

// With --redis everything nodes share lives in Redis: a --db too would
// suggest a second copy that nobody reads.
function redisUrl(raw: string, dbGiven: boolean): string | null {
  const v = raw.trim();
  if (v === "" || v === "none") return null;
  if (!/^rediss?:\/\//.test(v)) {
    throw new UsageError(`--redis must look like redis://HOST:PORT, got "${v}"`);
  }
  if (dbGiven) {
    throw new UsageError(
      "--redis keeps the history in Redis: drop --db (or CHAT_DB), or drop --redis for one node",
    );
  }
  return v;
}

// Like --retain's ages: 30d, 12h, 90m, 45s.
function reserveNames(raw: string): number | null {
  const text = raw.trim().toLowerCase();
  if (text === "off") return null;
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  if (!m || Number(m[1]) === 0) {
    throw new UsageError(
      `--reserve-names must be a duration like 30d, 12h, 90m or 45s, or off, got "${raw}"`,
    );
  }
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * unit[m[2]];
}

function retain(raw: string): RetainPolicy {
  try {
    return parseRetain(raw);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

// `chat join` pings every 10 s: a shorter timeout would drop it.
function pingTimeout(raw: string): number {
  const ms = seconds("ping-timeout", raw);
  if (ms < 15_000) {
    throw new UsageError(`--ping-timeout must be at least 15 seconds, got "${raw}"`);
  }
  return ms;
}

function roomName(raw: string): string {
  const name = normalizeName(raw).replace(/^#/, "");
  const problem = nameProblem(name);
  if (problem) {
    throw new UsageError(
      `--default-room "${raw}" is not a room name: ${problem.replace(/\bname\b/g, "room name")}`,
    );
  }
  return name;
}

function optionalFile(raw: string): string | null {
  const v = raw.trim();
  return v === "" || v === "none" ? null : v;
}

function cidrs(flag: string, raw: string): CidrList {
  if (raw.trim() === "none") return CidrList.none;
  try {
    return CidrList.parse(raw);
  } catch (err) {
    throw new UsageError(`--${flag}: ${err instanceof Error ? err.message : err}`);
  }
}

// No --password flag: `ps` would show it to every user of the machine.
function passwordSource(
  file: string | boolean | undefined,
  envValue: string | undefined,
  flag = "--password-file",
): ServeConfig["password"] {
  if (typeof file === "string") {
    if (file.trim() === "") {
      throw new UsageError(`${flag} cannot be empty, name the file holding the password`);
    }
    return Object.freeze({ file });
  }
  if (envValue !== undefined && envValue !== "") return Object.freeze({ value: envValue });
  return null;
}

/**
 * Parses `chat serve`'s arguments and environment into a frozen config.
 * Throws {@linkcode UsageError} naming the flag for anything invalid.
 */
export function parseServeConfig(
  args: string[],
  env: Record<string, string | undefined>,
): ServeConfig {
  const values = parseFlags(args, SERVE_FLAGS);
  const get = (name: string): string => {
    const f = SERVE_FLAGS.find((f) => f.name === name)!;
    const v = values[name] ?? (f.env ? env[f.env] : undefined) ?? f.default;
    return String(v);
  };
  const host = get("host").trim();
  if (host === "") throw new UsageError("--host cannot be empty, try 0.0.0.0 or 127.0.0.1");
  const logLevel = get("log-level") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  const certFile = optionalFile(get("tls-cert"));
  const keyFile = optionalFile(get("tls-key"));
  if ((certFile === null) !== (keyFile === null)) {
    throw new UsageError(
      certFile === null
        ? "--tls-key needs --tls-cert too: give both files, or neither for plain TCP"
        : "--tls-cert needs --tls-key too: give both files, or neither for plain TCP",
    );
  }
  return Object.freeze({
    host,
    port: intIn("port", get("port"), 0, 65535),
    webPort: intIn("web-port", get("web-port"), 0, 65535),
    web: values["no-web"] !== true,
    ircPort: get("irc-port") === "off" ? null : intIn("irc-port", get("irc-port"), 0, 65535),
    serverName: serverName(get("server-name")),
    webUrl: webUrl(get("web-url")),
    filesDir: get("files-dir") === "beside --db" ? null : nonEmpty("files-dir", get("files-dir")),
    maxFileSize: bytes("max-file-size", get("max-file-size"), 1),
    maxFilesBytes: bytes("max-files-bytes", get("max-files-bytes"), 1),
    defaultRoom: roomName(get("default-room")),
    maxRooms: intIn("max-rooms", get("max-rooms"), 1, 1_000_000),
    history: intIn("history", get("history"), 0, 1_000_000),
    maxLine: bytes("max-line", get("max-line"), 64),
    maxClients: intIn("max-clients", get("max-clients"), 1, 1_000_000),
    maxPerIp: intIn("max-per-ip", get("max-per-ip"), 0, 1_000_000),
    maxPendingPerIp: intIn("max-pending-per-ip", get("max-pending-per-ip"), 0, 1_000_000),
    trustProxy: cidrs("trust-proxy", get("trust-proxy")),
    tls: certFile && keyFile ? Object.freeze({ certFile, keyFile }) : null,
    password: passwordSource(values["password-file"] as string | undefined, env.CHAT_PASSWORD),
    opPassword: passwordSource(
      values["op-password-file"] as string | undefined,
      env.CHAT_OP_PASSWORD,
      "--op-password-file",
    ),
    handshakeTimeoutMs: seconds("handshake-timeout", get("handshake-timeout")),
    pingTimeoutMs: pingTimeout(get("ping-timeout")),
    rateLimit: Object.freeze(rateLimit(get("rate-limit"))),
    maxOutbox: bytes("max-outbox", get("max-outbox"), 4096),
    logLevel,
    db: dbPath(get("db")),
    retain: retain(get("retain")),
    redis: redisUrl(get("redis"), values.db !== undefined || env.CHAT_DB !== undefined),
    reserveNamesMs: reserveNames(get("reserve-names")),
  });
}

/**
 * `--server-name`: one word of letters, digits, `.`, `-` and `_` (it is the
 * prefix of every IRC reply); by default the machine's host name.
 */
function serverName(raw: string): string {
  if (raw === "the host name") {
    let host = "chat";
    try {
      host = Deno.hostname();
    } catch {
      // no permission to read it: "chat" will do
    }
    return /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(host) ? host : "chat";
  }
  const name = raw.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
    throw new UsageError(
      `--server-name must be one word of letters, digits, ".", "-" and "_" (like chat.example.org), got "${raw}"`,
    );
  }
  return name;
}

function nonEmpty(flag: string, raw: string): string {
  if (raw.trim() === "") throw new UsageError(`--${flag} cannot be empty`);
  return raw;
}

/** `--web-url`: an http(s) URL without a path, query or fragment; no trailing slash. */
function webUrl(raw: string): string | null {
  if (raw === "http(s)://HOST:WEB-PORT") return null;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    u = new URL("x:");
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search || u.hash) {
    throw new UsageError(
      `--web-url must be an http:// or https:// address like https://chat.example.org, got "${raw}"`,
    );
  }
  return u.href.replace(/\/+$/, "");
}

/** `chat serve --help`, generated from the flag table. */
export function serveHelp(): string {
  return renderHelp({
    usage: "chat serve [flags]",
    about: ["Starts a chat room. People join with `chat join`, a browser, or `nc HOST PORT`."],
    flags: SERVE_FLAGS,
    examples: [
      "chat serve                       # room on port 8080, all interfaces",
      "chat serve --port 9000 --history 200",
      "chat serve --host 127.0.0.1 --rate-limit 0",
      "chat serve --db /var/lib/chat/chat.db --retain 30d,100000",
      "chat serve --tls-cert cert.pem --tls-key key.pem --password-file /etc/chat/password",
    ],
  });
}
