import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ChatMessage } from "../../protocol/events.ts";
import { checkSchema, openDatabase } from "./database.ts";
import { MEMORY_DB, rowToMessage } from "./sqlite_history.ts";
import { nameKey } from "../../protocol/names.ts";
import { tableNames } from "./schema.ts";

const quoteText = (s: string) => `'${s.replaceAll("'", "''")}'`;
import { errorText, StorageError } from "./storage_error.ts";
import type { ModerationRecord } from "../core/moderation_types.ts";
import { readModerationLog } from "./sqlite_moderation.ts";

/** Which stored messages to read. */
export interface PageOptions {
  /** The room (messages of a database from before rooms are the default room's). */
  room: string;
  /** The default room, to read a database from before rooms. */
  defaultRoom: string;
  /** Only messages after this seq, oldest first. Without it: the newest ones. */
  since?: number;
  /** At most this many messages; 0 = all. */
  limit: number;
}

/**
 * Reads a history database without taking the server's lock and without
 * writing to it, so it works while a server runs on the same file.
 */
export class HistoryReader {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #empty: boolean;
  /** Schema 1: one room, no room column (the server upgrades it when it next starts). */
  readonly #roomless: boolean;

  private constructor(path: string, db: DatabaseSync, empty: boolean, roomless: boolean) {
    this.path = path;
    this.#db = db;
    this.#empty = empty;
    this.#roomless = roomless;
  }

  #hasColumn(name: string): boolean {
    const cols = this.#db.prepare("PRAGMA table_info(messages)").all() as { name: string }[];
    return cols.some((c) => c.name === name);
  }

  /** The default room the last server of this file recorded; null before it did (or before rooms). */
  defaultRoom(): string | null {
    if (this.#roomless || !tableNames(this.#db).includes("settings")) return null;
    const row = this.#db.prepare("SELECT value FROM settings WHERE key = 'default_room'").get() as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }

  /** Every operator action, oldest first; none in a database from before moderation. */
  moderation(): ModerationRecord[] {
    const tables = this.#db.prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'moderation_log'",
    ).all();
    return tables.length === 0 ? [] : readModerationLog(this.#db);
  }

  /** Opens `path` read-only; throws {@linkcode StorageError} with what to do. */
  static open(path: string): HistoryReader {
    if (path === MEMORY_DB) {
      throw new StorageError(
        "--db :memory: history lives inside the server process; give the server's --db file instead",
      );
    }
    try {
      if (Deno.statSync(path).isDirectory) {
        throw new StorageError(
          `--db ${path} is a directory; give the database file, like ${
            path.replace(/\/+$/, "")
          }/chat.db`,
        );
      }
    } catch (err) {
      if (err instanceof StorageError) throw err;
      if (err instanceof Deno.errors.NotFound) {
        throw new StorageError(
          `there is no history database at ${path}; pass the server's --db PATH (default chat.db in the directory it runs in)`,
        );
      }
      throw new StorageError(`cannot read ${path} (${errorText(err)})`);
    }
    const db = openDatabase(path, true);
    try {
      const version = checkSchema(db, path);
      return new HistoryReader(
        path,
        db,
        version === 0 || !tableNames(db).includes("messages"),
        version === 1,
      );
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The stored messages `options` selects, oldest first, read lazily. */
  *messages(options: PageOptions): Generator<ChatMessage> {
    if (this.#empty) return;
    if (this.#roomless && nameKey(options.room) !== nameKey(options.defaultRoom)) return;
    const limit = options.limit > 0 ? options.limit : -1; // -1: no LIMIT in SQLite
    const room = this.#roomName(options.room);
    // Edits and deletions (schema 5) show as the server shows them.
    const revised = this.#hasColumn("deleted") ? ", edited, deleted" : "";
    const cols = this.#roomless
      ? `${quoteText(room)} AS room, seq, ts, sender, text, kind`
      : `room, seq, ts, sender, text, kind${revised}`;
    const where = this.#roomless ? "1" : "room = ?";
    const args: (string | number)[] = this.#roomless ? [] : [room];
    let stmt: StatementSync;
    let params: (string | number)[];
    if (options.since !== undefined) {
      stmt = this.#db.prepare(
        `SELECT ${cols} FROM messages WHERE ${where} AND seq > ? ORDER BY seq LIMIT ?`,
      );
      params = [...args, options.since, limit];
    } else {
      stmt = this.#db.prepare(
        `SELECT * FROM (SELECT ${cols} FROM messages WHERE ${where} ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      );
      params = [...args, limit];
    }
    try {
      for (const row of stmt.iterate(...params)) {
        yield rowToMessage(row as unknown as Parameters<typeof rowToMessage>[0]);
      }
    } catch (err) {
      throw new StorageError(`cannot read the history database ${this.path} (${errorText(err)})`);
    }
  }

  /** False when the database knows rooms and `name` (any case) is none of them. */
  hasRoom(name: string): boolean {
    if (this.#roomless || this.#empty) return true;
    const rows = this.#db.prepare("SELECT name FROM rooms").all() as { name: string }[];
    return rows.some((r) => nameKey(r.name) === nameKey(name));
  }

  /** The stored name of the room `name` (any case), or `name` itself. */
  #roomName(name: string): string {
    if (this.#roomless || this.#empty) return name;
    const rows = this.#db.prepare("SELECT name FROM rooms").all() as { name: string }[];
    return rows.find((r) => nameKey(r.name) === nameKey(name))?.name ?? name;
  }

  /** Every room: its message count and last activity, busiest first. */
  rooms(
    defaultRoom: string,
  ): { name: string; messages: number; lastTs: string | null; topic: string }[] {
    if (this.#empty) return [];
    if (this.#roomless) {
      const r = this.#db.prepare("SELECT count(*) AS n, max(ts) AS ts FROM messages").get() as {
        n: number;
        ts: string | null;
      };
      return [{ name: defaultRoom, messages: r.n, lastTs: r.ts, topic: "" }];
    }
    try {
      return (this.#db.prepare(
        `SELECT r.name AS name, r.topic AS topic, coalesce(m.n, 0) AS messages, m.ts AS lastTs
           FROM rooms r LEFT JOIN (SELECT room, count(*) AS n, max(ts) AS ts FROM messages GROUP BY room) m
             ON m.room = r.name
          ORDER BY messages DESC, name`,
      ).all() as { name: string; messages: number; lastTs: string | null; topic: string }[])
        .map((r) => ({ ...r }));
    } catch (err) {
      throw new StorageError(`cannot read the history database ${this.path} (${errorText(err)})`);
    }
  }

  /** How many messages are stored, in all rooms. */
  count(): number {
    if (this.#empty) return 0;
    return (this.#db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
  }

  /** Releases the file; safe to call twice. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
