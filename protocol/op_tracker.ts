/**
 * Who is an operator in each room, and which rooms are locked, as a client
 * learns it from the server's events; and whether an event removes us from
 * the server (kicked, banned). Shared by the terminal client and the web
 * page; no I/O.
 */
import type { ModerationEvent, ServerEvent } from "./events.ts";
import { nameKey } from "./names.ts";

/** The server's answer to a right `/op PASSWORD` (a notice). */
const NOW_OPERATOR = /^you are now an operator\b/i;

/** How long after a kick or ban the leaves it causes (one per room) count as told. */
const TOLD_MS = 10_000;

/**
 * Tracks `ops` (welcome, room, members) and locks (room, moderation
 * lock/unlock), and the names just kicked or banned (so that their leave
 * lines can stay quiet: the moderation line said it).
 */
export class OpTracker {
  /** Operators' name keys, by room key. */
  readonly #ops = new Map<string, Set<string>>();
  readonly #locked = new Set<string>();
  #defaultRoom: string | null = null;
  /** The server told us we are an operator now. */
  #told = false;
  /** When each name was kicked or banned, by name key. */
  readonly #removed = new Map<string, number>();
  readonly #now: () => number;

  /** `now` is the clock of {@linkcode justRemoved}. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #key(room: string | undefined): string | null {
    const r = room ?? this.#defaultRoom;
    return r === null ? null : nameKey(r.replace(/^#/, ""));
  }

  #setOps(room: string | undefined, ops: string[] | undefined): void {
    const k = this.#key(room);
    if (k !== null) this.#ops.set(k, new Set((ops ?? []).map(nameKey)));
  }

  /** Takes what an event says about operators and locks; other events change nothing. */
  take(e: ServerEvent): void {
    switch (e.type) {
      case "welcome":
        // A new connection: nobody's operator rights carry over but what it lists.
        this.#ops.clear();
        this.#locked.clear();
        this.#removed.clear();
        this.#told = false;
        this.#defaultRoom = e.room ?? e.rooms?.[0] ?? this.#defaultRoom ?? "lobby";
        this.#setOps(undefined, e.ops);
        return;
      case "room": {
        this.#setOps(e.room, e.ops);
        const k = this.#key(e.room)!;
        if (e.locked) this.#locked.add(k);
        else this.#locked.delete(k);
        return;
      }
      case "members":
        return this.#setOps(e.room, e.ops);
      case "moderation":
        if (e.action === "kick" || e.action === "ban") {
          const now = this.#now();
          for (const [k, at] of this.#removed) if (now - at > TOLD_MS) this.#removed.delete(k);
          this.#removed.set(nameKey(e.target), now);
        }
        if (e.action === "lock" || e.action === "unlock") {
          const k = this.#key(e.room ?? e.target)!;
          if (e.action === "lock") this.#locked.add(k);
          else this.#locked.delete(k);
        }
        return;
      case "leave": {
        const k = this.#key(e.room);
        if (k === null) return;
        if (e.reason === "part") this.#ops.get(k)?.delete(nameKey(e.name));
        else for (const s of this.#ops.values()) s.delete(nameKey(e.name));
        return;
      }
      case "nick": {
        const from = nameKey(e.from);
        for (const s of this.#ops.values()) {
          if (s.delete(from)) s.add(nameKey(e.to));
        }
        return;
      }
      case "notice":
        if (NOW_OPERATOR.test(e.text)) this.#told = true;
        return;
    }
  }

  /**
   * The names a `members` event lists as operators that were not before
   * (call it before {@linkcode take}): "alice is now an operator".
   */
  newOps(e: Extract<ServerEvent, { type: "members" }>): string[] {
    const k = this.#key(e.room);
    const before = k === null ? undefined : this.#ops.get(k);
    return (e.ops ?? []).filter((n) => !before?.has(nameKey(n)));
  }

  /** True when `name` is an operator in `room` (no room: the default one). */
  isOp(room: string | undefined, name: string): boolean {
    const k = this.#key(room);
    return k !== null && (this.#ops.get(k)?.has(nameKey(name)) ?? false);
  }

  /** True when `name` is an operator: listed in any room, or (for us) told so. */
  isOperator(name: string, me = false): boolean {
    if (me && this.#told) return true;
    const n = nameKey(name);
    for (const s of this.#ops.values()) if (s.has(n)) return true;
    return false;
  }

  /** True when `room`'s topic is set by operators only. */
  locked(room: string | undefined): boolean {
    const k = this.#key(room);
    return k !== null && this.#locked.has(k);
  }

  /** True when `name` was kicked or banned (by name) in the last 10 s. */
  justRemoved(name: string): boolean {
    const at = this.#removed.get(nameKey(name));
    return at !== undefined && this.#now() - at <= TOLD_MS;
  }

  /** We left `room`: forget what we knew of it. */
  forget(room: string): void {
    const k = this.#key(room);
    if (k === null) return;
    this.#ops.delete(k);
    this.#locked.delete(k);
  }
}

/** The kick or ban of `me` that an event tells of, if it does. */
export function removal(e: ServerEvent, me: string): ModerationEvent | null {
  if (e.type === "moderation" && (e.action === "kick" || e.action === "ban")) {
    return nameKey(e.target) === nameKey(me) ? e : null;
  }
  if (e.type === "leave" && e.reason === "kicked" && nameKey(e.name) === nameKey(me)) {
    return { type: "moderation", action: "kick", target: e.name, by: "an operator", room: e.room };
  }
  return null;
}

/** " until 2026-12-01 15:00 UTC", or "" for never. */
export function untilText(until: string | undefined): string {
  return until ? ` until ${until.slice(0, 16).replace("T", " ")} UTC` : "";
}

/** "You were kicked by alice: spamming", "You were banned by alice until … UTC". */
export function removalText(e: ModerationEvent): string {
  const why = e.reason ? `: ${e.reason}` : "";
  return e.action === "ban"
    ? `You were banned by ${e.by}${untilText(e.until)}${why}`
    : `You were kicked by ${e.by}${why}`;
}

/**
 * An error of moderation as shown to the user, saying what to do when the
 * server's message does not; null for other codes.
 */
export function moderationErrorText(code: string, message: string): string | null {
  switch (code) {
    case "not_operator":
      return /\/op\b/.test(message) ? message : `${message}: /op PASSWORD first`;
    case "muted":
      // The server says what was refused ("…: your messages are not sent", "…: you cannot change your name").
      return /not sent|cannot/i.test(message) ? message : `${message}: your message was not sent`;
    case "banned":
      return message;
    default:
      return null;
  }
}
