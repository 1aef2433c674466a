import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { ChatMessage } from "../../protocol/events.ts";
import type { History } from "../core/history.ts";
import type { RetainPolicy } from "./retention.ts";
import { migrate, SCHEMA_VERSION, schemaVersion, tableNames } from "./schema.ts";
import { errorText, StorageError } from "./storage_error.ts";

/** The path that keeps history in memory only. */
export const MEMORY_DB = ":memory:";

/** A stored row, as the SELECTs below return it. */
interface Row {
  seq: number;
  ts: string;
  sender: string;
  text: string;
  kind: string;
}

const COLUMNS = "seq, ts, sender, text, kind";

// Rows per INSERT statement, largest first: one call into SQLite per 64
// messages instead of per message is most of the cost of a big batch.
const INSERT_SIZES = [64, 8, 1];

/** A row as the protocol's message event. */
export function rowToMessage(row: Row): ChatMessage {
  const m: ChatMessage = {
    type: "message",
    seq: row.seq,
    ts: row.ts,
    from: row.sender,
    text: row.text,
  };
  if (row.kind === "action") m.action = true;
  return m;
}

/**
 * Names what went wrong with a database file in one line that says what to
 * do next. `err` is what SQLite or the file system threw.
 */
export function describeOpenError(path: string, err: unknown): string {
  const text = errorText(err);
  if (/not a database/i.test(text)) {
    return `${path} is not a chat history database; pick another --db path, or move the file away`;
  }
  if (/malformed|corrupt/i.test(text)) {
    return `the history database ${path} is corrupt (${text}); restore it from a backup, or move it away to start a new one`;
  }
  if (/readonly|read-only/i.test(text)) {
    return `cannot write the history database ${path} (${text}); make it writable or pick another --db path`;
  }
  return `cannot open the history database ${path} (${text}); pick a writable file with --db PATH, or --db :memory: to keep history in memory only`;
}

/**
 * Opens SQLite at `path` and turns every way that can fail into a
 * {@linkcode StorageError} that names the path and says what to do.
 */
export function openDatabase(path: string, readOnly: boolean): DatabaseSync {
  try {
    const db = new DatabaseSync(path, { readOnly });
    try {
      // Reading the schema is what reveals a file that is not a database.
      db.prepare("SELECT count(*) FROM sqlite_schema").get();
    } catch (err) {
      db.close();
      throw err;
    }
    return db;
  } catch (err) {
    throw new StorageError(describeOpenError(path, err));
  }
}

/** Refuses a database this version cannot use. */
export function checkSchema(db: DatabaseSync, path: string): number {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new StorageError(
      `the history database ${path} was written by a newer chat (schema ${version}, this chat knows up to ${SCHEMA_VERSION}); upgrade chat or pick another --db path`,
    );
  }
  if (version === 0 && tableNames(db).length > 0) {
    throw new StorageError(
      `${path} is an SQLite database of another program, not chat history; pick another --db path`,
    );
  }
  return version;
}

/** Holds the one-server-per-file lock on a database for as long as the server runs. */
function lockFile(path: string): Deno.FsFile {
  let file: Deno.FsFile;
  try {
    const info = Deno.statSync(path);
    if (info.isDirectory) {
      throw new StorageError(
        `--db ${path} is a directory; give a file path such as ${path.replace(/\/+$/, "")}/chat.db`,
      );
    }
  } catch (err) {
    if (err instanceof StorageError) throw err;
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new StorageError(describeOpenError(path, err));
    }
  }
  try {
    file = Deno.openSync(path, { read: true, write: true, create: true });
  } catch (err) {
    throw new StorageError(describeOpenError(path, err));
  }
  // flock on the database file itself: SQLite uses POSIX record locks, which
  // are independent of flock on Linux and macOS, so readers (`chat history`)
  // still work while a second server is refused. The kernel releases it when
  // the process dies, even by SIGKILL.
  let locked = false;
  try {
    locked = file.tryLockSync(true);
  } catch (err) {
    file.close();
    throw new StorageError(describeOpenError(path, err));
  }
  if (!locked) {
    file.close();
    throw new StorageError(
      `another chat server is using the history database ${path}; stop it first, or pick another --db path`,
    );
  }
  return file;
}

/** Options of {@linkcode SqliteHistory.open}. */
export interface SqliteHistoryOptions {
  /**
   * `NORMAL` survives a crash of the process (a committed transaction is in
   * the WAL file before COMMIT returns); `FULL` also survives power loss, at
   * an fsync per commit. @default "NORMAL"
   */
  synchronous?: "NORMAL" | "FULL";
  /**
   * For `:memory:` only: the most messages kept. Without a bound an
   * in-memory history would grow with every message until the process
   * runs out of memory. @default 10000
   */
  memoryCap?: number;
}

// Trimming happens once this many messages past the cap have piled up, so
// it costs one DELETE per thousand messages, not one per batch.
const CAP_SLACK = 1000;

/**
 * History in an SQLite database (WAL mode): `append` returns once the batch
 * is committed and throws if it is not, so nothing acked is ever lost.
 * Only one server may open a file at a time; readers may share it.
 */
export class SqliteHistory implements History {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #lock: Deno.FsFile | null;
  readonly #inserts: StatementSync[];
  readonly #begin: StatementSync;
  readonly #commit: StatementSync;
  readonly #rollback: StatementSync;
  readonly #recent: StatementSync;
  readonly #since: StatementSync;
  readonly #oldest: StatementSync;
  readonly #deleteUpTo: StatementSync;
  readonly #deleteOlder: StatementSync;
  readonly #raiseLastSeq: StatementSync;
  #lastSeq: number;
  #count: number;
  #closed = false;
  readonly #cap: number | null;

  private constructor(
    path: string,
    db: DatabaseSync,
    lock: Deno.FsFile | null,
    cap: number | null,
  ) {
    this.path = path;
    this.#cap = cap;
    this.#db = db;
    this.#lock = lock;
    this.#inserts = INSERT_SIZES.map((n) =>
      db.prepare(`INSERT INTO messages (${COLUMNS}) VALUES ${Array(n).fill("(?, ?, ?, ?, ?)")}`)
    );
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#recent = db.prepare(`SELECT ${COLUMNS} FROM messages ORDER BY seq DESC LIMIT ?`);
    this.#since = db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq DESC LIMIT ?`,
    );
    this.#oldest = db.prepare("SELECT seq, ts FROM messages ORDER BY seq LIMIT 1 OFFSET ?");
    this.#deleteUpTo = db.prepare(
      "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE seq <= ? ORDER BY seq LIMIT ?)",
    );
    // Only the oldest `limit` rows are looked at, so a pass costs the same
    // however long the history is; ts is ISO 8601 UTC, which sorts as text.
    this.#deleteOlder = db.prepare(
      "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages ORDER BY seq LIMIT ?) AND ts < ?",
    );
    this.#raiseLastSeq = db.prepare(
      "UPDATE meta SET value = max(value, ?) WHERE key = 'last_seq'",
    );
    const row = db.prepare(
      "SELECT max((SELECT coalesce(max(seq), 0) FROM messages), (SELECT value FROM meta WHERE key = 'last_seq')) AS last, (SELECT count(*) FROM messages) AS n",
    ).get() as { last: number; n: number };
    this.#lastSeq = row.last;
    this.#count = row.n;
  }

  /**
   * Opens (creating or upgrading it) the history database at `path`, or an
   * in-memory one for `:memory:`. Throws {@linkcode StorageError} when the
   * file cannot be used: the message names the path and what to do.
   */
  static open(path: string, options: SqliteHistoryOptions = {}): SqliteHistory {
    const memory = path === MEMORY_DB;
    const lock = memory ? null : lockFile(path);
    let db: DatabaseSync | null = null;
    try {
      db = openDatabase(path, false);
      checkSchema(db, path);
      try {
        if (!memory) {
          db.exec("PRAGMA journal_mode = WAL");
          db.exec(`PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}`);
          // A whole-file check costs ~0.2 s per million messages: worth it to
          // refuse a corrupt file at start rather than fail messages later.
          const check = db.prepare("PRAGMA quick_check(1)").get() as Record<string, string>;
          const result = Object.values(check)[0];
          if (result !== "ok") throw new Error(`database disk image is malformed: ${result}`);
        }
        migrate(db);
        return new SqliteHistory(path, db, lock, memory ? options.memoryCap ?? 10_000 : null);
      } catch (err) {
        throw new StorageError(describeOpenError(path, err));
      }
    } catch (err) {
      db?.close();
      lock?.close();
      throw err;
    }
  }

  append(batch: readonly ChatMessage[]): void {
    if (batch.length === 0) return;
    if (this.#closed) throw new StorageError(`the history database ${this.path} is closed`);
    try {
      this.#abandon();
      this.#begin.run();
      let i = 0;
      for (const [k, size] of INSERT_SIZES.entries()) {
        for (; i + size <= batch.length; i += size) {
          const values: (string | number)[] = [];
          for (let j = i; j < i + size; j++) {
            const m = batch[j];
            values.push(m.seq, m.ts, m.from, m.text, m.action ? "action" : "message");
          }
          this.#inserts[k].run(...values);
        }
      }
      this.#commit.run();
    } catch (err) {
      this.#abandon();
      throw new StorageError(
        `cannot write to the history database ${this.path}: ${errorText(err)}`,
      );
    }
    this.#lastSeq = batch[batch.length - 1].seq;
    this.#count += batch.length;
    if (this.#cap !== null && this.#count > this.#cap + CAP_SLACK) {
      const { changes } = this.#deleteUpTo.run(this.#lastSeq - this.#cap, this.#count);
      this.#count -= Number(changes);
    }
  }

  recent(limit: number): ChatMessage[] {
    if (limit <= 0) return [];
    return this.#read(() => this.#recent.all(limit));
  }

  since(seq: number, limit: number): ChatMessage[] {
    if (limit <= 0) return [];
    return this.#read(() => this.#since.all(seq, limit));
  }

  /** Ends a failed transaction, if SQLite has not already (a full disk does). */
  #abandon(): void {
    if (!this.#db.isTransaction) return;
    try {
      this.#rollback.run();
    } catch {
      // Still open: the next append's BEGIN fails and it is tried again then.
    }
  }

  /** Runs a newest-first SELECT; returns its messages oldest first. */
  #read(select: () => unknown[]): ChatMessage[] {
    let rows: Row[];
    try {
      rows = select() as Row[];
    } catch (err) {
      // Thrown to the one join or resume that asked; the room goes on.
      throw new StorageError(`cannot read the history database ${this.path}: ${errorText(err)}`);
    }
    return rows.reverse().map(rowToMessage);
  }

  lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Turns SQLite's automatic WAL checkpoints on or off for this connection;
   * off while a {@linkcode Checkpointer} does them in the background.
   */
  setAutoCheckpoint(on: boolean): void {
    if (this.#closed || this.path === MEMORY_DB) return;
    this.#db.exec(`PRAGMA wal_autocheckpoint = ${on ? 1000 : 0}`);
  }

  count(): number {
    return this.#count;
  }

  /**
   * Deletes at most `limit` of the oldest messages that `policy` no longer
   * keeps, in one short transaction; returns how many. Call again while it
   * returns `limit`. `nowMs` is the current time.
   */
  trim(policy: RetainPolicy, nowMs: number, limit: number): number {
    if (this.#closed) return 0;
    let deleted = 0;
    try {
      this.#abandon();
      this.#begin.run();
      // Retention may delete every message; meta keeps the seq going.
      this.#raiseLastSeq.run(this.#lastSeq);
      if (policy.maxCount !== null && this.#count > policy.maxCount) {
        const excess = this.#count - policy.maxCount;
        const cut = this.#oldest.get(Math.min(excess, limit) - 1) as { seq: number } | undefined;
        if (cut) deleted += Number(this.#deleteUpTo.run(cut.seq, limit).changes);
      }
      if (policy.maxAgeMs !== null && deleted < limit) {
        const cutoff = new Date(nowMs - policy.maxAgeMs).toISOString();
        deleted += Number(this.#deleteOlder.run(limit - deleted, cutoff).changes);
      }
      this.#commit.run();
    } catch (err) {
      this.#abandon();
      throw new StorageError(`cannot trim the history database ${this.path}: ${errorText(err)}`);
    }
    this.#count -= deleted;
    return deleted;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#db.close();
    } finally {
      // After SQLite has let go of the file: closing our descriptor earlier
      // would drop SQLite's POSIX locks on it too.
      this.#lock?.close();
    }
  }
}

/** The startup line that says where history is kept: `history: chat.db, 1234 messages`. */
export function historyLine(history: SqliteHistory): string {
  const n = history.count();
  const where = history.path === MEMORY_DB ? "in memory only (--db :memory:)" : history.path;
  return `history: ${where}, ${n} message${n === 1 ? "" : "s"}`;
}
