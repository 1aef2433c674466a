import { createHash } from "node:crypto";
import mime from "mime-types";
import type { Log } from "../core/peer.ts";

/** What is kept beside each file: enough to serve it, and to know its message. */
export interface FileMeta {
  id: string;
  /** The file's name as shown (cleaned: see `cleanFileName`). */
  name: string;
  size: number;
  sha256: string;
  /** The MIME type, from the name (never from the uploader). */
  type: string;
  room: string;
  from: string;
  /** When it was stored (ms since the epoch). */
  storedAt: number;
  /** The seq of its message, once stored: retention deletes the file with it. */
  seq?: number;
}

/** Why a file was not stored. */
export type StoreFailure =
  | { reason: "too_long"; message: string }
  | { reason: "too_short"; message: string }
  | { reason: "io"; message: string };

/** Options of {@linkcode FileStore.open}. */
export interface FileStoreOptions {
  /** Most bytes of all files together (`--max-files-bytes`). */
  maxTotalBytes: number;
  log: Log;
}

/** A `.part` file older than this is an upload that died with its server. */
const STALE_PART_MS = 60 * 60_000;

/** 128 random bits, base64url: file and upload ids nobody can guess. */
export function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(
    /=+$/,
    "",
  );
}

const ID = /^[A-Za-z0-9_-]{22}$/;

/** Whether `id` has the form of a file id (anything else is never a path). */
export function isFileId(id: string): boolean {
  return ID.test(id);
}

/** The MIME type served for a file name: from a well-kept table, `application/octet-stream` if unknown. */
export function mimeType(name: string): string {
  const t = mime.lookup(name);
  return t === false ? "application/octet-stream" : t;
}

/**
 * The files of a server, on disk in one directory (`--files-dir`): each as
 * `<id>` with `<id>.json` beside it. Bytes are streamed to `.<id>.part`,
 * hashed on the way, and renamed only when complete, so a cut upload leaves
 * nothing a download could see. The total is bounded: space is reserved
 * when an upload is granted and given back if it fails.
 */
export class FileStore {
  readonly dir: string;
  readonly #max: number;
  readonly #log: Log;
  #used = 0;
  #reserved = 0;

  private constructor(dir: string, options: FileStoreOptions) {
    this.dir = dir;
    this.#max = options.maxTotalBytes;
    this.#log = options.log;
  }

  /** Opens (creating it if needed) the directory, and counts what it holds. */
  static async open(dir: string, options: FileStoreOptions): Promise<FileStore> {
    await Deno.mkdir(dir, { recursive: true });
    const store = new FileStore(dir, options);
    await store.rescan();
    return store;
  }

  /** Bytes of the stored files. */
  get used(): number {
    return this.#used;
  }

  /** Bytes the store may hold. */
  get capacity(): number {
    return this.#max;
  }

  /**
   * Counts the files again (another node of a cluster may share the
   * directory) and removes uploads that died with their server.
   */
  async rescan(): Promise<void> {
    let used = 0;
    const now = Date.now();
    for await (const e of Deno.readDir(this.dir)) {
      if (!e.isFile) continue;
      const path = `${this.dir}/${e.name}`;
      try {
        const st = await Deno.stat(path);
        if (e.name.endsWith(".part")) {
          if (now - (st.mtime?.getTime() ?? now) > STALE_PART_MS) await Deno.remove(path);
          continue;
        }
        if (isFileId(e.name)) used += st.size;
      } catch {
        // removed meanwhile
      }
    }
    this.#used = used;
  }

  /** Reserves room for `size` bytes; false when the store is full. */
  reserve(size: number): boolean {
    if (this.#used + this.#reserved + size > this.#max) return false;
    this.#reserved += size;
    return true;
  }

  /** Gives back a reservation (the upload failed or expired). */
  release(size: number): void {
    this.#reserved = Math.max(0, this.#reserved - size);
  }

  /**
   * Streams `body` to disk: exactly `size` bytes (more is cut off at once,
   * fewer is refused at the end), hashed as they come. On success the file
   * and its metadata are in place; on failure nothing is left. The
   * reservation of `size` is turned into use, or given back.
   */
  async receive(
    body: ReadableStream<Uint8Array>,
    size: number,
    meta: Omit<FileMeta, "id" | "sha256" | "size" | "storedAt" | "type">,
  ): Promise<FileMeta | StoreFailure> {
    const id = randomId();
    const part = `${this.dir}/.${id}.part`;
    const hash = createHash("sha256");
    let got = 0;
    let file: Deno.FsFile | undefined;
    // Whether a failure is the disk's (full, I/O) or the client's (gone mid-upload).
    let disk = true;
    try {
      file = await Deno.open(part, { createNew: true, write: true, mode: 0o600 });
      const reader = body.getReader();
      while (true) {
        disk = false;
        const { done, value: chunk } = await reader.read();
        disk = true;
        if (done) break;
        got += chunk.length;
        if (got > size) {
          await reader.cancel().catch(() => {});
          return { reason: "too_long", message: `more than the ${size} bytes announced` };
        }
        hash.update(chunk);
        // Synchronous: a chunk goes to the page cache in microseconds, and an
        // await per chunk makes Deno.serve read a chunked body (fetch's, with
        // no Content-Length) ten times slower.
        let off = 0;
        while (off < chunk.length) off += file.writeSync(chunk.subarray(off));
      }
      if (got < size) {
        return { reason: "too_short", message: `${got} of the ${size} bytes announced arrived` };
      }
      await file.sync();
      file.close();
      file = undefined;
      const full: FileMeta = {
        ...meta,
        id,
        size,
        sha256: hash.digest("hex"),
        type: mimeType(meta.name),
        storedAt: Date.now(),
      };
      await Deno.rename(part, `${this.dir}/${id}`);
      await this.#writeMeta(full);
      this.#used += size;
      return full;
    } catch (err) {
      // A client that goes away mid-upload ends the body with an error.
      if (!disk) {
        return { reason: "too_short", message: `the upload was cut after ${got} of ${size} bytes` };
      }
      this.#log("warn", `storing a file failed: ${err instanceof Error ? err.message : err}`);
      return {
        reason: "io",
        message: "the server could not store the file (its disk may be full), try again later",
      };
    } finally {
      this.release(size);
      try {
        file?.close();
      } catch {
        // closed already
      }
      await Deno.remove(part).catch(() => {});
    }
  }

  async #writeMeta(meta: FileMeta): Promise<void> {
    const tmp = `${this.dir}/.${meta.id}.json.part`;
    await Deno.writeTextFile(tmp, JSON.stringify(meta), { mode: 0o600 });
    await Deno.rename(tmp, `${this.dir}/${meta.id}.json`);
  }

  /** Records the seq of a file's message (retention deletes the file with it). */
  async stored(meta: FileMeta, seq: number): Promise<void> {
    try {
      await this.#writeMeta({ ...meta, seq });
    } catch (err) {
      this.#log("warn", `recording file ${meta.id}: ${err instanceof Error ? err.message : err}`);
    }
  }

  /** A file's metadata, or null when there is no such file. */
  async meta(id: string): Promise<FileMeta | null> {
    if (!isFileId(id)) return null;
    try {
      return JSON.parse(await Deno.readTextFile(`${this.dir}/${id}.json`)) as FileMeta;
    } catch {
      return null;
    }
  }

  /** Opens a file's bytes for reading, or null. */
  async open(id: string): Promise<Deno.FsFile | null> {
    if (!isFileId(id)) return null;
    try {
      return await Deno.open(`${this.dir}/${id}`, { read: true });
    } catch {
      return null;
    }
  }

  /** Every stored file's metadata. */
  async *all(): AsyncGenerator<FileMeta> {
    for await (const e of Deno.readDir(this.dir)) {
      if (!e.isFile || !e.name.endsWith(".json") || !isFileId(e.name.slice(0, -5))) continue;
      const m = await this.meta(e.name.slice(0, -5));
      if (m) yield m;
    }
  }

  /** Deletes a file and its metadata. */
  async remove(meta: FileMeta): Promise<void> {
    let removed = false;
    try {
      await Deno.remove(`${this.dir}/${meta.id}`);
      removed = true;
    } catch {
      // gone already (another node of a cluster)
    }
    await Deno.remove(`${this.dir}/${meta.id}.json`).catch(() => {});
    if (removed) this.#used = Math.max(0, this.#used - meta.size);
  }
}
