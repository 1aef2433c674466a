import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ReservationRecord, ReservationStore } from "../core/reservations.ts";
import { errorText, StorageError } from "./storage_error.ts";

/** Expired reservations are deleted at most this often (on a create). */
const PURGE_EVERY_MS = 3_600_000;

interface Row {
  name_key: string;
  name: string;
  key_hash: string;
  last_used: number;
}

/**
 * Reserved names in the history's SQLite file (the `reservations` table of
 * schema v3), so they and their keys survive a restart. Each call is one
 * statement, its own transaction, answered at once: the session checks a
 * name synchronously before it joins. Expired rows are kept out of
 * `create`'s way and purged now and then.
 */
export class SqliteReservationStore implements ReservationStore {
  readonly #path: string;
  #ttl: number;
  readonly #get: StatementSync;
  readonly #create: StatementSync;
  readonly #touch: StatementSync;
  readonly #delete: StatementSync;
  readonly #purge: StatementSync;
  #purged = -Infinity;

  /** `ttlMs`: how long after its last use a row still counts (`--reserve-names`). */
  constructor(db: DatabaseSync, path: string, ttlMs: number) {
    this.#path = path;
    this.#ttl = ttlMs;
    this.#get = db.prepare(
      "SELECT name_key, name, key_hash, last_used FROM reservations WHERE name_key = ?",
    );
    // A row that lapsed is taken over; a live one is left alone (0 changes).
    this.#create = db.prepare(
      `INSERT INTO reservations (name_key, name, key_hash, last_used) VALUES (?, ?, ?, ?)
         ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, key_hash = excluded.key_hash,
           last_used = excluded.last_used
         WHERE reservations.last_used <= ?`,
    );
    this.#touch = db.prepare(
      "UPDATE reservations SET last_used = max(last_used, ?) WHERE name_key = ?",
    );
    this.#delete = db.prepare("DELETE FROM reservations WHERE name_key = ?");
    this.#purge = db.prepare("DELETE FROM reservations WHERE last_used <= ?");
  }

  /** Changes `ttlMs` (a reload of `--reserve-names`). */
  setTtl(ttlMs: number): void {
    this.#ttl = ttlMs;
  }

  #fail(what: string, err: unknown): never {
    throw new StorageError(`cannot ${what} the history database ${this.#path}: ${errorText(err)}`);
  }

  get(key: string): ReservationRecord | null {
    let row: Row | undefined;
    try {
      row = this.#get.get(key) as Row | undefined;
    } catch (err) {
      this.#fail("read", err);
    }
    return row
      ? { key: row.name_key, name: row.name, keyHash: row.key_hash, lastUsed: row.last_used }
      : null;
  }

  create(r: ReservationRecord): boolean {
    try {
      if (r.lastUsed - this.#purged >= PURGE_EVERY_MS) {
        this.#purged = r.lastUsed;
        this.#purge.run(r.lastUsed - this.#ttl);
      }
      return Number(
        this.#create.run(r.key, r.name, r.keyHash, r.lastUsed, r.lastUsed - this.#ttl).changes,
      ) > 0;
    } catch (err) {
      this.#fail("write to", err);
    }
  }

  touch(key: string, at: number): void {
    try {
      this.#touch.run(at, key);
    } catch (err) {
      this.#fail("write to", err);
    }
  }

  delete(key: string): boolean {
    try {
      return Number(this.#delete.run(key).changes) > 0;
    } catch (err) {
      this.#fail("write to", err);
    }
  }
}
