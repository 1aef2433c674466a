// The validators of `chat serve`'s values: each takes the string a flag,
// an environment variable or the config file gave and returns the typed
// value, or throws a UsageError naming the flag and what is accepted.
import { UsageError } from "../cli/flags.ts";
import { nameProblem, normalizeName } from "../protocol/names.ts";
import { CidrList } from "./core/address.ts";
import type { RateLimit } from "./core/rate_limit.ts";
import { parseRetain, type RetainPolicy } from "./storage/retention.ts";

export function intIn(flag: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export function bytes(flag: string, raw: string, min: number): number {
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

export function seconds(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(raw.trim());
  if (!m || Number(m[1]) <= 0) {
    throw new UsageError(
      `--${flag} must be a positive number of seconds like 30 or 0.5, got "${raw}"`,
    );
  }
  return m[2] === "ms" ? Number(m[1]) : Number(m[1]) * 1000;
}

export function rateLimit(raw: string): RateLimit {
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

export function dbPath(raw: string): string {
  if (raw.trim() === "") {
    throw new UsageError("--db cannot be empty, try chat.db or :memory:");
  }
  return raw;
}

// With --redis everything nodes share lives in Redis: a --db too would
// suggest a second copy that nobody reads.
export function redisUrl(raw: string, dbGiven: boolean): string | null {
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
export function durationOrOff(flag: string, raw: string): number | null {
  const text = raw.trim().toLowerCase();
  if (text === "off") return null;
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  if (!m || Number(m[1]) === 0) {
    throw new UsageError(
      `--${flag} must be a duration like 30d, 12h, 90m or 45s, or off, got "${raw}"`,
    );
  }
  const unit: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(m[1]) * unit[m[2]];
}

export function reserveNames(raw: string): number | null {
  return durationOrOff("reserve-names", raw);
}

export function retain(raw: string): RetainPolicy {
  try {
    return parseRetain(raw);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

// `chat join` pings every 10 s: a shorter timeout would drop it.
export function pingTimeout(raw: string): number {
  const ms = seconds("ping-timeout", raw);
  if (ms < 15_000) {
    throw new UsageError(`--ping-timeout must be at least 15 seconds, got "${raw}"`);
  }
  return ms;
}

export function roomName(raw: string): string {
  const name = normalizeName(raw).replace(/^#/, "");
  const problem = nameProblem(name);
  if (problem) {
    throw new UsageError(
      `--default-room "${raw}" is not a room name: ${problem.replace(/\bname\b/g, "room name")}`,
    );
  }
  return name;
}

export function optionalFile(raw: string): string | null {
  const v = raw.trim();
  return v === "" || v === "none" ? null : v;
}

export function cidrs(flag: string, raw: string): CidrList {
  if (raw.trim() === "none") return CidrList.none;
  try {
    return CidrList.parse(raw);
  } catch (err) {
    throw new UsageError(`--${flag}: ${err instanceof Error ? err.message : err}`);
  }
}

/**
 * `--server-name`: one word of letters, digits, `.`, `-` and `_` (it is the
 * prefix of every IRC reply); by default the machine's host name.
 */
export function serverName(raw: string): string {
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

export function nonEmpty(flag: string, raw: string): string {
  if (raw.trim() === "") throw new UsageError(`--${flag} cannot be empty`);
  return raw;
}

/** `--web-url`: an http(s) URL without a path, query or fragment; no trailing slash. */
export function webUrl(raw: string): string | null {
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
