import type { BanSummary } from "../../protocol/events.ts";
import { nameKey } from "../../protocol/names.ts";
import { untilText } from "../../protocol/op_tracker.ts";
import type { Clock } from "./clock.ts";
import { type Ban, banCovers, isoOrNone, type Mute } from "./moderation_types.ts";

/**
 * The bans and mutes in force, and the questions asked of them on every
 * connection, join and message. Expired ones are simply not live: an
 * expiry needs no timer, and `/bans` leaves them out.
 */
export class ModerationState {
  readonly #clock: Clock;
  readonly #bans = new Map<string, Ban>();
  readonly #mutes = new Map<string, Mute>();

  constructor(clock: Clock, bans: Ban[], mutes: Mute[]) {
    this.#clock = clock;
    for (const b of bans) this.#bans.set(b.target, b);
    for (const m of mutes) this.#mutes.set(m.key, m);
  }

  #live<T extends { until: number | null }>(x: T | undefined): T | null {
    return x && (x.until === null || x.until > this.#clock.now()) ? x : null;
  }

  /** The ban that keeps this address out, if any. */
  bannedAddress(address: string): Ban | null {
    for (const b of this.#bans.values()) {
      if (!b.target.startsWith("name:") && this.#live(b) && banCovers(b, null, address)) return b;
    }
    return null;
  }

  /** The ban that keeps this name (or its address) out, if any. */
  banned(name: string, address: string): Ban | null {
    for (const b of this.#bans.values()) {
      if (this.#live(b) && banCovers(b, name, address)) return b;
    }
    return null;
  }

  /** What a banned connection is told. */
  bannedText(ban: Ban): string {
    // Said as the notices say it (minutes, UTC), not as the ISO time events carry.
    const until = ban.until === null ? " for good" : untilText(isoOrNone(ban.until));
    return `you are banned from this chat${until}${ban.reason ? `: ${ban.reason}` : ""}`;
  }

  /** The mute of this name, if it is muted now. */
  muted(name: string): Mute | null {
    return this.#live(this.#mutes.get(nameKey(name)));
  }

  /** What a muted member is told when it talks. */
  mutedText(mute: Mute, what = "your messages are not sent"): string {
    const until = mute.until === null ? "" : untilText(isoOrNone(mute.until));
    return `you are muted by ${mute.by}${until}: ${what}`;
  }

  /** Whether a ban with this key is recorded (live or not). */
  hasBan(target: string): boolean {
    return this.#bans.has(target);
  }

  /** The address bans a name ban made. */
  madeBy(target: string): Ban[] {
    return [...this.#bans.values()].filter((b) => b.origin === target);
  }

  setBan(ban: Ban): void {
    this.#bans.set(ban.target, ban);
  }

  /** Lifts a ban and the address bans it made. */
  removeBan(target: string): void {
    this.#bans.delete(target);
    for (const b of this.madeBy(target)) this.#bans.delete(b.target);
  }

  setMute(mute: Mute): void {
    this.#mutes.set(mute.key, mute);
  }

  removeMute(name: string): void {
    this.#mutes.delete(nameKey(name));
  }

  /** The bans in force, as `bans` lists them. */
  list(): BanSummary[] {
    const out: BanSummary[] = [];
    for (const b of this.#bans.values()) {
      if (!this.#live(b)) continue;
      const s: BanSummary = { target: b.shown, by: b.by };
      if (b.reason) s.reason = b.reason;
      if (b.until !== null) s.until = isoOrNone(b.until);
      out.push(s);
    }
    return out;
  }
}
