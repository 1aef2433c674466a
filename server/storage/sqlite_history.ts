import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { History, Page, RoomRecord, StoredMessage } from "../core/history.ts";
import type { Revision } from "../core/history.ts";
import { SearchOff } from "../core/search_words.ts";
import { SearchIndex } from "./search_index.ts";
import type { RetainPolicy } from "./retention.ts";
import { checkSchema, describeOpenError, lockFile, openDatabase } from "./database.ts";
import { migrate } from "./schema.ts";
import { errorText, StorageError } from "./storage_error.ts";
import { SqliteModerationStore } from "./sqlite_moderation.ts";
import { SqliteReservationStore } from "./sqlite_reservations.ts";

/** The path that keeps history in memory only. */
export const MEMORY_DB = ":memory:";

/** A stored row, as the SELECTs below return it. */
interface Row {
  room: string;
  seq: number;
  ts: string;
  sender: string;
  text: string;
  kind: string;
  /** The shared file (JSON), or null; absent in databases read from before files. */
  file?: string | null;
  /** When it was edited, or null; absent in databases from before edits. */
  edited?: string | null;
  /** 1 when deleted. */
  deleted?: number;
}

const COLUMNS = "room, seq, ts, sender, text, kind, file, edited, deleted";
/** The columns an INSERT writes (edited and deleted start as their defaults). */
const INSERTED = "room, seq, ts, sender, text, kind, file";

// Rows per INSERT statement, largest first: one call into SQLite per 64
// messages instead of per message is most of the cost of a big batch.
const INSERT_SIZES = [64, 8, 1];

/** A row as the protocol's message event. */
export function rowToMessage(row: Row): StoredMessage {
  const m: StoredMessage = {
    type: "message",
    room: row.room,
    seq: row.seq,
    ts: row.ts,
    from: row.sender,
    text: row.text,
  };
  if (row.kind === "action") m.action = true;
  if (row.deleted) {
    m.deleted = true;
    return m;
  }
  if (row.edited) m.edited = row.edited;
  if (row.file) {
    try {
      m.file = JSON.parse(row.file);
    } catch {
      // a damaged row still shows its text (the file's name)
    }
  }
  return m;
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
  /** The room that messages from before rooms belong to, on upgrade. @default "lobby" */
  defaultRoom?: string;
  /**
   * Keep the full-text index (`search`); false drops it, and its cost on
   * every insert. Turning it back on rebuilds it. @default true
   */
  search?: boolean;
}

/** What the history knows of one room, kept in memory next to the table. */
interface RoomState {
  topic: string;
  lastSeq: number;
  count: number;
}

/** Rooms holding less than 1/NARROW of the messages are searched by their room token. */
const NARROW = 10;

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
  readonly epoch: string;
  readonly #db: DatabaseSync;
  #kept: StatementSync | undefined;
  readonly #lock: Deno.FsFile | null;
  readonly #inserts: StatementSync[];
  readonly #begin: StatementSync;
  readonly #commit: StatementSync;
  readonly #rollback: StatementSync;
  readonly #recent: StatementSync;
  readonly #since: StatementSync;
  readonly #oldestInRoom: StatementSync;
  readonly #deleteInRoomUpTo: StatementSync;
  readonly #deleteOlder: StatementSync;
  readonly #saveRoom: StatementSync;
  readonly #raiseLastSeq: StatementSync;
  readonly #page: StatementSync;
  readonly #message: StatementSync;
  readonly #edit: StatementSync;
  readonly #delete: StatementSync;
  readonly #search: SearchIndex | null;
  readonly #rooms = new Map<string, RoomState>();
  #count = 0;
  #closed = false;
  readonly #cap: number | null;

  private constructor(
    path: string,
    db: DatabaseSync,
    lock: Deno.FsFile | null,
    cap: number | null,
    search: SearchIndex | null,
  ) {
    this.path = path;
    this.#cap = cap;
    this.#db = db;
    this.#lock = lock;
    this.#inserts = INSERT_SIZES.map((n) =>
      db.prepare(
        `INSERT INTO messages (${INSERTED}) VALUES ${Array(n).fill("(?, ?, ?, ?, ?, ?, ?)")}`,
      )
    );
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
    this.#recent = db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE room = ? ORDER BY seq DESC LIMIT ?`,
    );
    this.#since = db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE room = ? AND seq > ? ORDER BY seq DESC LIMIT ?`,
    );
    this.#page = db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
    );
    this.#message = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room = ? AND seq = ?`);
    this.#edit = db.prepare(
      `UPDATE messages SET text = ?, edited = ? WHERE room = ? AND seq = ? AND deleted = 0 RETURNING ${COLUMNS}`,
    );
    this.#delete = db.prepare(
      `UPDATE messages SET text = '', file = NULL, edited = NULL, deleted = 1 WHERE room = ? AND seq = ? RETURNING ${COLUMNS}`,
    );
    this.#search = search;
    this.#oldestInRoom = db.prepare(
      "SELECT seq FROM messages WHERE room = ? ORDER BY seq LIMIT 1 OFFSET ?",
    );
    this.#deleteInRoomUpTo = db.prepare("DELETE FROM messages WHERE room = ? AND seq <= ?");
    // Only the oldest `limit` rows are looked at, so a pass costs the same
    // however long the history is; ts is ISO 8601 UTC, which sorts as text.
    this.#deleteOlder = db.prepare(
      "DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT ?) AND ts < ? RETURNING room",
    );
    this.#saveRoom = db.prepare(
      "INSERT INTO rooms (name, topic) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET topic = excluded.topic",
    );
    // Retention may delete every message of a room: rooms.last_seq keeps its seq going.
    this.#raiseLastSeq = db.prepare(
      "INSERT INTO rooms (name, last_seq) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)",
    );
    this.epoch = (db.prepare("SELECT value FROM settings WHERE key = 'epoch'").get() as {
      value: string;
    }).value;
    const rows = db.prepare(
      `SELECT r.name AS name, r.topic AS topic,
              max(r.last_seq, coalesce(m.last, 0)) AS last, coalesce(m.n, 0) AS n
         FROM rooms r LEFT JOIN
              (SELECT room, max(seq) AS last, count(*) AS n FROM messages GROUP BY room) m
           ON m.room = r.name`,
    ).all() as { name: string; topic: string; last: number; n: number }[];
    for (const r of rows) {
      this.#rooms.set(r.name, { topic: r.topic, lastSeq: r.last, count: r.n });
      this.#count += r.n;
    }
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
        const defaultRoom = options.defaultRoom ?? "lobby";
        migrate(db, { defaultRoom });
        // Recorded so that `chat history`, which has no --default-room (and
        // reads no --config), shows the room this server talks in by default.
        if (!memory) {
          db.prepare(
            "INSERT INTO settings (key, value) VALUES ('default_room', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          ).run(defaultRoom);
        }
        const search = SearchIndex.open(db, options.search ?? true);
        return new SqliteHistory(
          path,
          db,
          lock,
          memory ? options.memoryCap ?? 10_000 : null,
          search,
        );
      } catch (err) {
        throw new StorageError(describeOpenError(path, err));
      }
    } catch (err) {
      db?.close();
      lock?.close();
      throw err;
    }
  }

  /** The same file's bans, mutes, locks and moderation log. */
  moderationStore(): SqliteModerationStore {
    return new SqliteModerationStore(this.#db, this.path);
  }

  /** The same file's reserved names; `ttlMs` is `--reserve-names`. */
  reservationStore(ttlMs: number): SqliteReservationStore {
    return new SqliteReservationStore(this.#db, this.path, ttlMs);
  }

  #room(name: string): RoomState {
    let r = this.#rooms.get(name);
    if (!r) {
      r = { topic: "", lastSeq: 0, count: 0 };
      this.#rooms.set(name, r);
    }
    return r;
  }

  append(batch: readonly StoredMessage[]): void {
    if (batch.length === 0) return;
    if (this.#closed) throw new StorageError(`the history database ${this.path} is closed`);
    const fresh = new Set<string>();
    for (const m of batch) if (!this.#rooms.has(m.room)) fresh.add(m.room);
    let lastId = 0;
    try {
      this.#abandon();
      this.#begin.run();
      // A room's first message records the room too, so it is known after a restart.
      for (const room of fresh) this.#raiseLastSeq.run(room, 0);
      let i = 0;
      for (const [k, size] of INSERT_SIZES.entries()) {
        for (; i + size <= batch.length; i += size) {
          const values: (string | number | null)[] = [];
          for (let j = i; j < i + size; j++) {
            const m = batch[j];
            values.push(
              m.room,
              m.seq,
              m.ts,
              m.from,
              m.text,
              m.action ? "action" : "message",
              m.file ? JSON.stringify(m.file) : null,
            );
          }
          lastId = Number(this.#inserts[k].run(...values).lastInsertRowid);
        }
      }
      this.#commit.run();
    } catch (err) {
      this.#abandon();
      throw new StorageError(
        `cannot write to the history database ${this.path}: ${errorText(err)}`,
      );
    }
    this.#search?.appended(lastId);
    for (const m of batch) {
      const r = this.#room(m.room);
      r.lastSeq = m.seq;
      r.count++;
    }
    this.#count += batch.length;
    if (this.#cap !== null) {
      for (const m of batch) {
        const r = this.#room(m.room);
        if (r.count <= this.#cap + CAP_SLACK) continue;
        const { changes } = this.#deleteInRoomUpTo.run(m.room, r.lastSeq - this.#cap);
        r.count -= Number(changes);
        this.#count -= Number(changes);
      }
    }
  }

  recent(room: string, limit: number): StoredMessage[] {
    if (limit <= 0 || !this.#rooms.has(room)) return [];
    return this.#read(() => this.#recent.all(room, limit));
  }

  since(room: string, seq: number, limit: number): StoredMessage[] {
    if (limit <= 0 || !this.#rooms.has(room)) return [];
    return this.#read(() => this.#since.all(room, seq, limit));
  }

  lastSeq(room: string): number {
    return this.#rooms.get(room)?.lastSeq ?? 0;
  }

  rooms(): RoomRecord[] {
    const last = this.#db.prepare(
      "SELECT room, max(ts) AS ts FROM messages GROUP BY room",
    ).all() as { room: string; ts: string }[];
    const lastTs = new Map(last.map((r) => [r.room, r.ts]));
    return [...this.#rooms].map(([name, r]) => ({
      name,
      topic: r.topic,
      lastSeq: r.lastSeq,
      count: r.count,
      lastTs: lastTs.get(name) ?? null,
    }));
  }

  page(room: string, before: number | undefined, limit: number): Page {
    if (limit <= 0 || !this.#rooms.has(room)) return { messages: [], more: false };
    const rows = this.#read(() =>
      this.#page.all(room, before ?? Number.MAX_SAFE_INTEGER, limit + 1)
    );
    // One more than asked says whether older ones exist.
    const more = rows.length > limit;
    return { messages: more ? rows.slice(1) : rows, more };
  }

  async search(
    rooms: readonly string[],
    words: readonly string[],
    limit: number,
  ): Promise<StoredMessage[]> {
    const index = this.#search;
    if (!index) throw new SearchOff("search is off on this server (it runs with --no-search)");
    rooms = rooms.filter((r) => this.#rooms.has(r));
    if (words.length === 0 || rooms.length === 0 || limit <= 0) return [];
    try {
      await index.ready();
    } catch (err) {
      throw new StorageError(`cannot index the history database ${this.path}: ${errorText(err)}`);
    }
    let inRooms = 0;
    for (const r of rooms) inRooms += this.#rooms.get(r)!.count;
    // Few of the messages are the rooms': the index is asked for theirs only.
    const narrow = inRooms * NARROW < this.#count;
    return this.#read(() => index.select(rooms, words, limit, narrow)).reverse();
  }

  /** Resolves once every stored message is in the search index (at once without one). */
  async indexAll(): Promise<void> {
    await this.#search?.ready();
  }

  message(room: string, seq: number): StoredMessage | null {
    if (!this.#rooms.has(room)) return null;
    return this.#read(() => {
      const row = this.#message.get(room, seq);
      return row ? [row] : [];
    })[0] ?? null;
  }

  revise(room: string, seq: number, revision: Revision): StoredMessage | null {
    if (this.#closed) throw new StorageError(`the history database ${this.path} is closed`);
    let row: unknown;
    try {
      this.#abandon();
      row = revision.kind === "edit"
        ? this.#edit.get(revision.text, revision.ts, room, seq)
        : this.#delete.get(room, seq);
    } catch (err) {
      throw new StorageError(
        `cannot write to the history database ${this.path}: ${errorText(err)}`,
      );
    }
    return row ? rowToMessage(row as Row) : null;
  }

  createRoom(room: string): void {
    // Rooms are created only when unknown here, so this never clears a topic.
    if (!this.#rooms.has(room)) this.saveRoom(room, "");
  }

  saveRoom(room: string, topic: string): void {
    if (this.#closed) return;
    try {
      this.#saveRoom.run(room, topic);
    } catch (err) {
      throw new StorageError(
        `cannot write to the history database ${this.path}: ${errorText(err)}`,
      );
    }
    this.#room(room).topic = topic;
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
  #read(select: () => unknown[]): StoredMessage[] {
    let rows: Row[];
    try {
      rows = select() as Row[];
    } catch (err) {
      // Thrown to the one join or resume that asked; the room goes on.
      throw new StorageError(`cannot read the history database ${this.path}: ${errorText(err)}`);
    }
    return rows.reverse().map(rowToMessage);
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

  /** Whether message `seq` of `room` is still stored (retention deletes the oldest). */
  kept(room: string, seq: number): boolean {
    if (this.#closed) return true;
    // A deleted message's file goes too.
    this.#kept ??= this.#db.prepare(
      "SELECT 1 AS x FROM messages WHERE room = ? AND seq = ? AND deleted = 0",
    );
    return this.#kept.get(room, seq) !== undefined;
  }

  /**
   * Deletes at most `limit` of the oldest messages that `policy` no longer
   * keeps, in one short transaction; returns how many. Call again while it
   * returns `limit`. `nowMs` is the current time.
   */
  trim(policy: RetainPolicy, nowMs: number, limit: number): number {
    if (this.#closed) return 0;
    let deleted = 0;
    const gone = new Map<string, number>();
    const count = (room: string, n: number) => gone.set(room, (gone.get(room) ?? 0) + n);
    try {
      this.#abandon();
      this.#begin.run();
      // Retention may delete every message of a room; rooms keeps its seq going.
      for (const [name, r] of this.#rooms) this.#raiseLastSeq.run(name, r.lastSeq);
      if (policy.maxCount !== null) {
        for (const [name, r] of this.#rooms) {
          if (deleted >= limit || r.count <= policy.maxCount) continue;
          const excess = Math.min(r.count - policy.maxCount, limit - deleted);
          const cut = this.#oldestInRoom.get(name, excess - 1) as { seq: number } | undefined;
          if (!cut) continue;
          const n = Number(this.#deleteInRoomUpTo.run(name, cut.seq).changes);
          deleted += n;
          count(name, n);
        }
      }
      if (policy.maxAgeMs !== null && deleted < limit) {
        const cutoff = new Date(nowMs - policy.maxAgeMs).toISOString();
        const rows = this.#deleteOlder.all(limit - deleted, cutoff) as { room: string }[];
        for (const r of rows) count(r.room, 1);
        deleted += rows.length;
      }
      this.#commit.run();
    } catch (err) {
      this.#abandon();
      throw new StorageError(`cannot trim the history database ${this.path}: ${errorText(err)}`);
    }
    for (const [room, n] of gone) this.#room(room).count -= n;
    this.#count -= deleted;
    return deleted;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#search?.close();
    try {
      this.#db.close();
    } finally {
      // After SQLite has let go of the file: closing our descriptor earlier
      // would drop SQLite's POSIX locks on it too.
      this.#lock?.close();
    }
  }
}

/** The startup line that says where history is kept: `history: chat.db, 1234 messages in 3 rooms`. */
export function historyLine(history: SqliteHistory): string {
  const n = history.count();
  const rooms = history.rooms().length;
  const where = history.path === MEMORY_DB ? "in memory only (--db :memory:)" : history.path;
  return `history: ${where}, ${n} message${n === 1 ? "" : "s"}` +
    (rooms > 1 ? ` in ${rooms} rooms` : "");
}
