import { type FlagSpec, parseFlags, renderHelp, UsageError } from "../cli/flags.ts";
import type { LogLevel } from "./core/peer.ts";
import type { RateLimit } from "./core/rate_limit.ts";
import { LOG_LEVELS } from "./log.ts";
import { parseRetain, type RetainPolicy } from "./storage/retention.ts";

/** Everything `chat serve` is configured with: parsed once, validated, frozen. */
export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** HTTP port of the web page, /ws, /healthz and /metrics. */
  readonly webPort: number;
  /** False with --no-web: no HTTP listener at all. */
  readonly web: boolean;
  readonly history: number;
  readonly maxLine: number;
  readonly maxClients: number;
  readonly handshakeTimeoutMs: number;
  readonly rateLimit: RateLimit;
  readonly maxOutbox: number;
  readonly logLevel: LogLevel;
  /** History database file, or ":memory:". */
  readonly db: string;
  readonly retain: RetainPolicy;
}

/** The flags of `chat serve`: parsing and --help both come from this table. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: "host", arg: "HOST", default: "0.0.0.0", env: "CHAT_HOST", help: "address to listen on" },
  {
    name: "port",
    arg: "PORT",
    default: "8080",
    env: "CHAT_PORT",
    help: "TCP port for netcat and `chat join` (0 = any free port)",
  },
  {
    name: "web-port",
    arg: "PORT",
    default: "8081",
    env: "CHAT_WEB_PORT",
    help: "HTTP port for the web page, /ws, /healthz and /metrics (0 = any free port)",
  },
  {
    name: "no-web",
    arg: "",
    default: "off",
    help: "no web page, WebSocket, /healthz or /metrics",
  },
  { name: "history", arg: "N", default: "50", help: "messages replayed to who joins" },
  { name: "max-line", arg: "BYTES", default: "4096", help: "longest message line accepted" },
  { name: "max-clients", arg: "N", default: "10000", help: "most connections at once" },
  {
    name: "handshake-timeout",
    arg: "SECONDS",
    default: "30",
    help: "close connections that give no name in time",
  },
  {
    name: "rate-limit",
    arg: "RATE[:BURST]",
    default: "10:40",
    help: "flood control: lines/s per client after a burst (0 = off)",
  },
  {
    name: "max-outbox",
    arg: "BYTES",
    default: "1048576",
    help: "output queued for a client before it is dropped as slow",
  },
  { name: "log-level", arg: "LEVEL", default: "info", help: "debug, info, warn or error" },
  {
    name: "db",
    arg: "PATH",
    default: "chat.db",
    env: "CHAT_DB",
    help: "SQLite file that keeps the history (:memory: = lost at exit)",
  },
  {
    name: "retain",
    arg: "AGE,COUNT",
    default: "forever",
    env: "CHAT_RETAIN",
    help: "delete messages older than AGE (30d, 12h, 90m) and/or beyond the newest COUNT",
  },
];

function intIn(flag: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function bytes(flag: string, raw: string, min: number): number {
  const m = /^(\d+)([kKmM]?)$/.exec(raw.trim());
  if (!m) {
    throw new UsageError(`--${flag} must be a size in bytes like 4096, 64k or 1m, got "${raw}"`);
  }
  const n = Number(m[1]) * ({ "": 1, k: 1024, m: 1 << 20 }[m[2].toLowerCase()] ?? 1);
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

function retain(raw: string): RetainPolicy {
  try {
    return parseRetain(raw);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
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
  return Object.freeze({
    host,
    port: intIn("port", get("port"), 0, 65535),
    webPort: intIn("web-port", get("web-port"), 0, 65535),
    web: values["no-web"] !== true,
    history: intIn("history", get("history"), 0, 1_000_000),
    maxLine: bytes("max-line", get("max-line"), 64),
    maxClients: intIn("max-clients", get("max-clients"), 1, 1_000_000),
    handshakeTimeoutMs: seconds("handshake-timeout", get("handshake-timeout")),
    rateLimit: Object.freeze(rateLimit(get("rate-limit"))),
    maxOutbox: bytes("max-outbox", get("max-outbox"), 4096),
    logLevel,
    db: dbPath(get("db")),
    retain: retain(get("retain")),
  });
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
    ],
  });
}
