import ipaddr from "ipaddr.js";
import type { ModerationEvent } from "../../protocol/events.ts";
import { nameKey, nameProblem, normalizeName } from "../../protocol/names.ts";
import { clientAddress } from "./address.ts";

/** A ban, as stored: `target` is "name:KEY", "addr:ADDRESS" or "cidr:RANGE". */
export interface Ban {
  target: string;
  /** What the operator typed, for lists and events ("bob", "10.0.0.0/8"). */
  shown: string;
  by: string;
  reason: string;
  /** Milliseconds since the epoch; null: forever. */
  until: number | null;
  /** The name ban that made this address ban (unbanning the name lifts it too). */
  origin?: string;
}

/** A mute of one name. */
export interface Mute {
  key: string;
  name: string;
  by: string;
  until: number | null;
}

/** One line of the moderation log. */
export interface ModerationRecord {
  ts: string;
  by: string;
  action: ModerationEvent["action"];
  target: string;
  reason: string;
  until: string | null;
  room: string | null;
}

/**
 * Where bans, mutes, locks and the moderation log are kept: the SQLite
 * file on one node (`storage/sqlite_moderation.ts`), Redis in a cluster
 * (`cluster/redis_moderation.ts`). Called synchronously; a shared store
 * writes in the background and logs what fails.
 */
export interface ModerationStore {
  load(): { bans: Ban[]; mutes: Mute[]; locked: string[] };
  saveBan(ban: Ban): void;
  deleteBan(target: string): void;
  saveMute(mute: Mute): void;
  deleteMute(key: string): void;
  setLocked(room: string, locked: boolean): void;
  log(record: ModerationRecord): void;
}

/** A store that keeps nothing (tests, and the history command's readers). */
export const NO_STORE: ModerationStore = {
  load: () => ({ bans: [], mutes: [], locked: [] }),
  saveBan() {},
  deleteBan() {},
  saveMute() {},
  deleteMute() {},
  setLocked() {},
  log() {},
};

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90m" → 5 400 000; null when it is not a duration. */
export function parseDuration(raw: string): number | null {
  const m = /^(\d{1,6})([smhd])$/.exec(raw.trim().toLowerCase());
  if (!m || Number(m[1]) === 0) return null;
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** What a ban target names, or why it is none. */
export type BanTarget =
  | { kind: "name"; key: string; shown: string }
  | { kind: "addr" | "cidr"; key: string; shown: string }
  | { kind: "bad"; message: string };

/**
 * Reads a ban target: an IPv4 or IPv6 address, a CIDR range, or a name.
 * Its key is what bans are stored and compared under.
 */
export function banTarget(raw: string): BanTarget {
  const text = raw.trim();
  if (text.includes("/")) {
    let range: ReturnType<typeof ipaddr.parseCIDR>;
    try {
      range = ipaddr.parseCIDR(text);
    } catch {
      return { kind: "bad", message: `${text} is not a CIDR range like 203.0.113.0/24` };
    }
    const shown = rangeText(range);
    if (shown === null) {
      return { kind: "bad", message: `${text} is wider than the IPv4-mapped range ::ffff:0:0/96` };
    }
    return { kind: "cidr", key: `cidr:${shown}`, shown };
  }
  if (ipaddr.isValid(text)) {
    const shown = clientAddress(text);
    return { kind: "addr", key: `addr:${shown}`, shown };
  }
  const name = normalizeName(text);
  const problem = nameProblem(name);
  if (problem) {
    return { kind: "bad", message: `${text} is not a name, an address or a CIDR range` };
  }
  return { kind: "name", key: `name:${nameKey(name)}`, shown: name };
}

/**
 * A range as bans keep it: its network address ("10.0.0.5/8" is
 * "10.0.0.0/8", so ban, unban and `/bans` agree), and an IPv4-mapped IPv6
 * range as the IPv4 range it is (clients' addresses are unmapped too).
 * Null for a mapped range wider than the mapped block (fewer than 96 bits).
 */
function rangeText([addr, bits]: ReturnType<typeof ipaddr.parseCIDR>): string | null {
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    if (bits < 96) return null;
    return rangeText([(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]);
  }
  const net = addr.kind() === "ipv4"
    ? ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${bits}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${addr}/${bits}`);
  return `${net}/${bits}`;
}

/** Whether a ban (not expired) covers a member called `name` connected from `address`. */
export function banCovers(ban: Ban, name: string | null, address: string): boolean {
  const [kind, value] = [ban.target.slice(0, 4), ban.target.slice(5)];
  if (kind === "name") return name !== null && nameKey(name) === value;
  if (kind === "addr") return address !== "" && clientAddress(address) === value;
  if (kind === "cidr" && address !== "" && ipaddr.isValid(address)) {
    try {
      const a = ipaddr.process(address);
      const range = ipaddr.parseCIDR(value);
      return a.kind() === range[0].kind() && a.match(range);
    } catch {
      return false;
    }
  }
  return false;
}

/** An ISO time, or undefined for never. */
export function isoOrNone(ms: number | null): string | undefined {
  return ms === null ? undefined : new Date(ms).toISOString();
}
