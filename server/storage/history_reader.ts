import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ChatMessage } from "../../protocol/events.ts";
import { checkSchema, MEMORY_DB, openDatabase, rowToMessage } from "./sqlite_history.ts";
import { tableNames } from "./schema.ts";
import { errorText, StorageError } from "./storage_error.ts";

/** Which stored messages to read. */
export interface PageOptions {
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

  private constructor(path: string, db: DatabaseSync, empty: boolean) {
    this.path = path;
    this.#db = db;
    this.#empty = empty;
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
      return new HistoryReader(path, db, version === 0 || !tableNames(db).includes("messages"));
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The stored messages `options` selects, oldest first, read lazily. */
  *messages(options: PageOptions): Generator<ChatMessage> {
    if (this.#empty) return;
    const limit = options.limit > 0 ? options.limit : -1; // -1: no LIMIT in SQLite
    const cols = "seq, ts, sender, text, kind";
    let stmt: StatementSync;
    let params: number[];
    if (options.since !== undefined) {
      stmt = this.#db.prepare(`SELECT ${cols} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`);
      params = [options.since, limit];
    } else {
      stmt = this.#db.prepare(
        `SELECT * FROM (SELECT ${cols} FROM messages ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
      );
      params = [limit];
    }
    try {
      for (const row of stmt.iterate(...params)) {
        yield rowToMessage(row as unknown as Parameters<typeof rowToMessage>[0]);
      }
    } catch (err) {
      throw new StorageError(`cannot read the history database ${this.path} (${errorText(err)})`);
    }
  }

  /** How many messages are stored. */
  count(): number {
    if (this.#empty) return 0;
    return (this.#db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
  }

  /** Releases the file; safe to call twice. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
