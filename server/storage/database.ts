import { DatabaseSync } from "node:sqlite";
import { SCHEMA_VERSION, schemaVersion, tableNames } from "./schema.ts";
import { errorText, StorageError } from "./storage_error.ts";

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
export function lockFile(path: string): Deno.FsFile {
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
