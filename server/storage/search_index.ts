import type { DatabaseSync } from "node:sqlite";

/**
 * The full-text index of messages: an FTS5 table over `messages.text`
 * (external content, so the text is stored once), kept in step by
 * triggers. unicode61 with remove_diacritics 2 folds case and accents, so
 * "resume" finds "Résumé"; it matches whole words, not substrings.
 *
 * It is not a migration because it is optional (`--no-search` drops it,
 * saving its cost on every insert) and can be rebuilt from the messages
 * at any time: turning search back on rebuilds it.
 */
const TABLE = "message_words";

const CREATE = `
  CREATE VIRTUAL TABLE ${TABLE} USING fts5(
    text, content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER ${TABLE}_insert AFTER INSERT ON messages BEGIN
    INSERT INTO ${TABLE} (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER ${TABLE}_delete AFTER DELETE ON messages BEGIN
    INSERT INTO ${TABLE} (${TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  CREATE TRIGGER ${TABLE}_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO ${TABLE} (${TABLE}, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO ${TABLE} (rowid, text) VALUES (new.id, new.text);
  END;
  INSERT INTO ${TABLE} (${TABLE}) VALUES ('rebuild');`;

const DROP = `
  DROP TRIGGER IF EXISTS ${TABLE}_insert;
  DROP TRIGGER IF EXISTS ${TABLE}_delete;
  DROP TRIGGER IF EXISTS ${TABLE}_update;
  DROP TABLE IF EXISTS ${TABLE};`;

/** Whether the index exists. */
export function hasSearchIndex(db: DatabaseSync): boolean {
  return db.prepare("SELECT 1 AS x FROM sqlite_schema WHERE name = ?").get(TABLE) !== undefined;
}

/**
 * Creates (and fills) or drops the index so that it exists exactly when
 * `on`; returns true when it had to be built (a pass over every message).
 */
export function setSearchIndex(db: DatabaseSync, on: boolean): boolean {
  if (hasSearchIndex(db) === on) return false;
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(on ? CREATE : DROP);
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw err;
  }
  return on;
}

/** FTS5's query for `words` (letters and digits only): each one a quoted string, all required. */
export function ftsQuery(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"`).join(" ");
}

/** Messages of any of the rooms (a JSON list) matching the query, newest first. */
export const SEARCH_SQL = `
  SELECT m.room, m.seq, m.ts, m.sender, m.text, m.kind, m.file, m.edited, m.deleted
    FROM ${TABLE} w JOIN messages m ON m.id = w.rowid
   WHERE ${TABLE} MATCH ? AND m.room IN (SELECT value FROM json_each(?)) AND m.deleted = 0
   ORDER BY w.rowid DESC LIMIT ?`;
