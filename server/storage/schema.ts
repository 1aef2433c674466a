import type { DatabaseSync } from "node:sqlite";

/** What a migration may need to know: the room a history from before rooms belongs to. */
export interface MigrationContext {
  defaultRoom: string;
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * The schema, one migration per version: migration i takes a database from
 * version i to i + 1 (`PRAGMA user_version`). Only ever append: a released
 * migration never changes, so every old database upgrades the same way.
 */
const MIGRATIONS: readonly (string | ((c: MigrationContext) => string))[] = [
  // 1: messages keyed by seq (the rowid, so lookups by seq are one b-tree);
  // meta remembers the last seq even after retention deleted every message.
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY,
     ts TEXT NOT NULL,
     sender TEXT NOT NULL,
     text TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('message', 'action'))
   ) STRICT;
   CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
   INSERT INTO meta (key, value) VALUES ('last_seq', 0);`,
  // 2: rooms. Every message belongs to a room and has its seq in it; the
  // messages of a history from before rooms become the default room's,
  // seq unchanged. id keeps the order of arrival (retention by age walks
  // it); the epoch names this history's life and is made once, here.
  (c) =>
    `CREATE TABLE rooms (
       name TEXT PRIMARY KEY,
       topic TEXT NOT NULL DEFAULT '',
       last_seq INTEGER NOT NULL DEFAULT 0
     ) STRICT;
     CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
     INSERT INTO settings (key, value) VALUES ('epoch', lower(hex(randomblob(16))));
     CREATE TABLE room_messages (
       id INTEGER PRIMARY KEY,
       room TEXT NOT NULL,
       seq INTEGER NOT NULL,
       ts TEXT NOT NULL,
       sender TEXT NOT NULL,
       text TEXT NOT NULL,
       kind TEXT NOT NULL CHECK (kind IN ('message', 'action')),
       UNIQUE (room, seq)
     ) STRICT;
     INSERT INTO room_messages (id, room, seq, ts, sender, text, kind)
       SELECT seq, ${quote(c.defaultRoom)}, seq, ts, sender, text, kind FROM messages ORDER BY seq;
     INSERT INTO rooms (name, last_seq)
       SELECT ${quote(c.defaultRoom)},
              max((SELECT coalesce(max(seq), 0) FROM messages),
                  (SELECT value FROM meta WHERE key = 'last_seq'));
     DROP TABLE messages;
     DROP TABLE meta;
     ALTER TABLE room_messages RENAME TO messages;`,
  // 3: moderation and reserved names. A ban's target is its kind and value
  // ("name:bob", "addr:203.0.113.9", "cidr:2001:db8::/32"); `origin` is the
  // name ban that made an address ban (unbanning the name lifts it too).
  // Times are milliseconds since the epoch; until NULL is forever. The log
  // keeps every operator action. A reservation keeps a name's key hashed.
  `CREATE TABLE bans (
     target TEXT PRIMARY KEY,
     by TEXT NOT NULL,
     reason TEXT NOT NULL DEFAULT '',
     until INTEGER,
     origin TEXT
   ) STRICT;
   CREATE TABLE mutes (
     name_key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     by TEXT NOT NULL,
     until INTEGER
   ) STRICT;
   ALTER TABLE rooms ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE moderation_log (
     id INTEGER PRIMARY KEY,
     ts TEXT NOT NULL,
     by TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT NOT NULL DEFAULT '',
     reason TEXT NOT NULL DEFAULT '',
     until TEXT,
     room TEXT
   ) STRICT;
   CREATE TABLE reservations (
     name_key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     key_hash TEXT NOT NULL,
     last_used INTEGER NOT NULL
   ) STRICT;`,
  // 4: files. A message that shares a file keeps its description (JSON:
  // name, size, sha256, type, url); the bytes are in --files-dir.
  `ALTER TABLE messages ADD COLUMN file TEXT;`,
  // 5: edits and deletions. An edited message keeps its seq and ts, with the
  // new text and when it was edited; a deleted one keeps its seq, ts and
  // sender, with no text and no file. (The search index is search_index.ts's.)
  `ALTER TABLE messages ADD COLUMN edited TEXT;
   ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;`,
  // 6: a ban keeps the target as the operator typed it ("Dave"), for
  // `/bans`: a name ban's key is its confusable skeleton. NULL in bans made
  // before: they are shown by their key.
  `ALTER TABLE bans ADD COLUMN shown TEXT;`,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** The database's schema version (0 for a new, empty database). */
export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  return row.user_version;
}

/** Names of the tables in the database, to tell a foreign database from a new one. */
export function tableNames(db: DatabaseSync): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as {
    name: string;
  }[]).map((r) => r.name);
}

/**
 * Brings the database up to {@linkcode SCHEMA_VERSION}, each step in its own
 * transaction so a crash mid-way leaves a consistent older version.
 * The caller has checked that the version is not newer than the code.
 */
export function migrate(db: DatabaseSync, context: MigrationContext): void {
  for (let v = schemaVersion(db); v < SCHEMA_VERSION; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      const m = MIGRATIONS[v];
      db.exec(typeof m === "string" ? m : m(context));
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw err;
    }
  }
}
