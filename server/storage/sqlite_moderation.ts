import type { DatabaseSync } from "node:sqlite";
import type { Ban, ModerationRecord, ModerationStore, Mute } from "../core/moderation_types.ts";
import { errorText, StorageError } from "./storage_error.ts";

/**
 * Bans, mutes, locks and the moderation log in the history's SQLite file
 * (schema v3; a ban's shown text since v6), so they survive a restart. Writes are single statements,
 * each its own transaction: an operator action is rare and must not wait
 * for the next message batch.
 */
export class SqliteModerationStore implements ModerationStore {
  readonly #db: DatabaseSync;
  readonly #path: string;

  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
  }

  #run(sql: string, ...args: (string | number | null)[]): void {
    try {
      this.#db.prepare(sql).run(...args);
    } catch (err) {
      throw new StorageError(
        `cannot write to the history database ${this.#path}: ${errorText(err)}`,
      );
    }
  }

  load(): { bans: Ban[]; mutes: Mute[]; locked: string[] } {
    const bans = (this.#db.prepare(
      "SELECT target, shown, by, reason, until, origin FROM bans",
    ).all() as {
      target: string;
      shown: string | null;
      by: string;
      reason: string;
      until: number | null;
      origin: string | null;
    }[]).map((r) => {
      const b: Ban = {
        target: r.target,
        // Bans from before schema v6 have no shown: their key ("dave") is all there is.
        shown: r.shown ?? r.target.slice(5),
        by: r.by,
        reason: r.reason,
        until: r.until,
      };
      if (r.origin) b.origin = r.origin;
      return b;
    });
    const mutes = (this.#db.prepare("SELECT name_key, name, by, until FROM mutes").all() as {
      name_key: string;
      name: string;
      by: string;
      until: number | null;
    }[]).map((r) => ({ key: r.name_key, name: r.name, by: r.by, until: r.until }));
    const locked = (this.#db.prepare("SELECT name FROM rooms WHERE locked = 1").all() as {
      name: string;
    }[]).map((r) => r.name);
    return { bans, mutes, locked };
  }

  saveBan(b: Ban): void {
    this.#run(
      "INSERT OR REPLACE INTO bans (target, shown, by, reason, until, origin) VALUES (?, ?, ?, ?, ?, ?)",
      b.target,
      b.shown,
      b.by,
      b.reason,
      b.until,
      b.origin ?? null,
    );
  }

  deleteBan(target: string): void {
    this.#run("DELETE FROM bans WHERE target = ?", target);
  }

  saveMute(m: Mute): void {
    this.#run(
      "INSERT OR REPLACE INTO mutes (name_key, name, by, until) VALUES (?, ?, ?, ?)",
      m.key,
      m.name,
      m.by,
      m.until,
    );
  }

  deleteMute(key: string): void {
    this.#run("DELETE FROM mutes WHERE name_key = ?", key);
  }

  setLocked(room: string, locked: boolean): void {
    this.#run(
      "INSERT INTO rooms (name, locked) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET locked = excluded.locked",
      room,
      locked ? 1 : 0,
    );
  }

  log(r: ModerationRecord): void {
    this.#run(
      "INSERT INTO moderation_log (ts, by, action, target, reason, until, room) VALUES (?, ?, ?, ?, ?, ?, ?)",
      r.ts,
      r.by,
      r.action,
      r.target,
      r.reason,
      r.until,
      r.room,
    );
  }
}

/** The moderation log of a database file, oldest first (for `chat history --moderation`). */
export function readModerationLog(db: DatabaseSync): ModerationRecord[] {
  return db.prepare(
    "SELECT ts, by, action, target, reason, until, room FROM moderation_log ORDER BY id",
  ).all() as unknown as ModerationRecord[];
}
