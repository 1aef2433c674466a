import type { DatabaseSync, StatementSync } from "node:sqlite";

/**
 * The full-text index of messages: an FTS5 table over `messages.text` and
 * a token of the room (external content, through a view, so the text is
 * stored once). unicode61 with remove_diacritics 2 folds case and accents,
 * so "resume" finds "Résumé"; it matches whole words, not substrings;
 * detail=column keeps no word positions, which a search of words (no
 * phrases) never needs.
 *
 * Messages are indexed when the server is idle, or when a search asks —
 * never as they are stored. FTS5 costs ~6 µs per message and its segment
 * merges stall a commit for tens of milliseconds: inside every append it
 * halved the acked rate of a flood and doubled chat's CPU per delivery.
 * `indexed` says how far the index has got (messages.id is the order of
 * arrival); the update and delete triggers touch only rows it already has,
 * since an FTS5 'delete' of a row it never indexed corrupts it.
 *
 * It is not a migration because it is optional (`--no-search` drops it)
 * and can be rebuilt from the messages at any time.
 */
const T = "message_words";

const CREATE = `
  CREATE TABLE ${T}_state (indexed INTEGER NOT NULL) STRICT;
  INSERT INTO ${T}_state (indexed) VALUES (0);
  CREATE VIEW ${T}_source AS SELECT id, text, 'r' || lower(hex(room)) AS room FROM messages;
  CREATE VIRTUAL TABLE ${T} USING fts5(
    text, room, content = '${T}_source', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', detail = column
  );
  CREATE TRIGGER ${T}_delete AFTER DELETE ON messages
    WHEN old.id <= (SELECT indexed FROM ${T}_state) BEGIN
    INSERT INTO ${T} (${T}, rowid, text, room)
      VALUES ('delete', old.id, old.text, 'r' || lower(hex(old.room)));
  END;
  CREATE TRIGGER ${T}_update AFTER UPDATE OF text ON messages
    WHEN old.id <= (SELECT indexed FROM ${T}_state) BEGIN
    INSERT INTO ${T} (${T}, rowid, text, room)
      VALUES ('delete', old.id, old.text, 'r' || lower(hex(old.room)));
    INSERT INTO ${T} (rowid, text, room) VALUES (new.id, new.text, 'r' || lower(hex(new.room)));
  END;`;

// Every name this file ever used, the first version's (with an insert trigger) too.
const DROP = `
  DROP TRIGGER IF EXISTS ${T}_insert;
  DROP TRIGGER IF EXISTS ${T}_delete;
  DROP TRIGGER IF EXISTS ${T}_update;
  DROP TABLE IF EXISTS ${T};
  DROP VIEW IF EXISTS ${T}_source;
  DROP TABLE IF EXISTS ${T}_state;`;

/** Rows indexed per step: ~3 ms of work, so a step never holds the room up for long. */
export const STEP = 500;
/** Quiet time after the last append before indexing starts on its own. */
const IDLE_MS = 1000;

function exists(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 AS x FROM sqlite_schema WHERE name = ?").get(name) !== undefined;
}

function transaction(db: DatabaseSync, sql: string): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(sql);
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

/** FTS5's query for `words` (letters and digits only): each one a quoted string, all required. */
export function ftsQuery(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"`).join(" ");
}

/** The room's token in the index: `r` and the hex of its name (one word, whatever the name). */
export function roomToken(room: string): string {
  let hex = "";
  for (const b of new TextEncoder().encode(room)) hex += b.toString(16).padStart(2, "0");
  return `r${hex}`;
}

const SELECT = `
  SELECT m.room, m.seq, m.ts, m.sender, m.text, m.kind, m.file, m.edited, m.deleted
    FROM ${T} w JOIN messages m ON m.id = w.rowid
   WHERE ${T} MATCH ? AND m.room IN (SELECT value FROM json_each(?)) AND m.deleted = 0
   ORDER BY w.rowid DESC LIMIT ?`;

/**
 * The index of one database, kept by its (only) writing connection: told
 * of each append, it indexes what is new once the room has been quiet for
 * a second, or at once, in steps, when a search needs it.
 */
export class SearchIndex {
  readonly #db: DatabaseSync;
  readonly #reach: StatementSync;
  readonly #step: StatementSync;
  readonly #save: StatementSync;
  readonly #select: StatementSync;
  #indexed: number;
  #last: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #catching: Promise<void> | null = null;
  /** When the last batch was stored (performance.now()). */
  #lastAppend = 0;
  #closed = false;

  private constructor(db: DatabaseSync) {
    this.#db = db;
    this.#indexed = (db.prepare(`SELECT indexed FROM ${T}_state`).get() as { indexed: number })
      .indexed;
    this.#last = (db.prepare("SELECT coalesce(max(id), 0) AS id FROM messages").get() as {
      id: number;
    }).id;
    // One step, in one transaction: how far the next rows reach, those rows, and that.
    this.#reach = db.prepare(
      `SELECT max(id) AS id FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ${STEP})`,
    );
    this.#step = db.prepare(
      `INSERT INTO ${T} (rowid, text, room)
         SELECT id, text, room FROM ${T}_source WHERE id > ? AND id <= ?`,
    );
    this.#save = db.prepare(`UPDATE ${T}_state SET indexed = ?`);
    this.#select = db.prepare(SELECT);
    if (this.pending > 0) {
      this.#lastAppend = performance.now();
      this.#idle();
    }
  }

  /**
   * Creates the index (empty: it fills when idle) or drops it, so that it
   * exists exactly when `on`; returns it when on.
   */
  static open(db: DatabaseSync, on: boolean): SearchIndex | null {
    const current = exists(db, `${T}_state`);
    if (!on) {
      if (current || exists(db, T)) transaction(db, DROP);
      return null;
    }
    if (!current) transaction(db, DROP + CREATE);
    return new SearchIndex(db);
  }

  /** Messages stored and not indexed yet. */
  get pending(): number {
    return Math.max(0, this.#last - this.#indexed);
  }

  /** A batch was stored, the newest with id `lastId`: indexing waits for a quiet second. */
  appended(lastId: number): void {
    if (lastId > this.#last) this.#last = lastId;
    this.#lastAppend = performance.now();
    if (this.#timer === undefined) this.#idle();
  }

  /** Indexes, a step per turn, for as long as nothing is stored and no search is catching up. */
  #idle(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(async () => {
      const quiet = () => performance.now() - this.#lastAppend >= IDLE_MS;
      try {
        while (quiet() && this.#catching === null && this.#stepOnce(Infinity)) {
          await new Promise((r) => setTimeout(r, 0));
        }
      } catch {
        // A search tries again and reports it.
      }
      this.#timer = undefined;
      // Stored meanwhile: wait for the next quiet second.
      if (this.pending > 0 && !this.#closed) this.#idle();
    }, IDLE_MS);
    Deno.unrefTimer(this.#timer);
  }

  /** Indexes one step, up to `target` at most; false when that is done. */
  #stepOnce(target: number): boolean {
    if (this.#closed || this.pending === 0 || this.#indexed >= target) return false;
    const db = this.#db;
    if (db.isTransaction) return true; // an append is open: the next turn
    db.exec("BEGIN IMMEDIATE");
    try {
      const reach = this.#reach.get(this.#indexed) as { id: number | null };
      // No rows left: retention deleted the rest.
      const upTo = reach.id ?? this.#last;
      this.#step.run(this.#indexed, upTo);
      this.#save.run(upTo);
      db.exec("COMMIT");
      this.#indexed = upTo;
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw err;
    }
    return this.pending > 0 && this.#indexed < target;
  }

  /**
   * Resolves once every message stored so far is indexed, indexing a step
   * per turn of the event loop so that the room goes on meanwhile (what is
   * stored meanwhile is not waited for: a flood could outrun it).
   */
  async ready(): Promise<void> {
    const target = this.#last;
    while (this.#catching) await this.#catching;
    if (this.#indexed >= target) return;
    this.#catching = (async () => {
      // After the assignment, so that `finally` clears this run and not a later one.
      await null;
      try {
        while (this.#stepOnce(target)) await new Promise((r) => setTimeout(r, 0));
      } finally {
        this.#catching = null;
      }
    })();
    return this.#catching;
  }

  /**
   * Row objects of `rooms`' messages matching `words`, newest first. `narrow`:
   * the rooms hold few of the messages, so the index is asked for theirs
   * only (else it walks every room's matches, newest first, to find theirs).
   */
  select(rooms: readonly string[], words: readonly string[], limit: number, narrow: boolean) {
    const text = `text : (${ftsQuery(words)})`;
    const match = narrow ? `room : (${rooms.map(roomToken).join(" OR ")}) AND ${text}` : text;
    return this.#select.all(match, JSON.stringify(rooms), limit);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}
