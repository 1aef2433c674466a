// The terminal's side of file sharing: /send asks the server for an
// upload, streams the file to the URL it grants and shows the shared line
// once acked; /get N downloads a file shown with a number. Progress is on
// the status line; what went wrong is one clear error line.
import { join } from "node:path";
import type { ChatMessage, ClientEvent, FileInfo, ServerEvent } from "../protocol/events.ts";
import { fileSize } from "../protocol/plain.ts";
import { sanitize } from "../protocol/sanitize.ts";
import type { EventView } from "./event_view.ts";
import type { Rendered } from "./render.ts";
import {
  expandHome,
  fsReason,
  getFile,
  type Opened,
  openToSend,
  progressText,
  putFile,
  TransferError,
} from "./transfer.ts";

/** No answer to an upload request this long: it is given up. */
const GRANT_TIMEOUT_MS = 30_000;
/** The status line is redrawn at most this often. */
const STATUS_EVERY_MS = 100;

/** What the transfers need of the terminal. */
export interface TransferHost {
  readonly view: EventView;
  /** Sends an event on the current connection; false when there is none. */
  send(event: ClientEvent): boolean;
  print(rendered: Rendered): void;
  notice(text: string): void;
  error(text: string): void;
  /** Sets the status line (null: none). */
  status(text: string | null): void;
  /** For https with a private CA (`--ca`). */
  client?: Deno.HttpClient;
}

/** One transfer in progress, for the status line. */
interface Running {
  verb: string;
  name: string;
  done: number;
  total: number;
  started: number;
}

/** An upload we asked for, by its ref: the file is open, waiting for the grant. */
interface Upload {
  ref: string;
  path: string;
  name: string;
  size: number;
  room: string;
  file: Deno.FsFile;
  timer: ReturnType<typeof setTimeout>;
  /** The grant came: the bytes are going. */
  putting: boolean;
  /** On the status line from the request on. */
  running: Running;
  /** The server's 201: the file as shared. */
  shared?: FileInfo;
  /** The ack of the sharing message (it may come before the 201). */
  acked?: { room: string | undefined; seq: number };
}

/**
 * Tab completion of a path being typed: the entries of its directory that
 * start with its last part, directories with a "/" (hidden ones only when
 * a "." was typed).
 */
export function completePaths(typed: string): string[] {
  const expanded = expandHome(typed);
  const cut = expanded.lastIndexOf("/") + 1;
  const dir = expanded.slice(0, cut) || ".";
  const prefix = expanded.slice(cut);
  const typedDir = typed.slice(0, typed.lastIndexOf("/") + 1);
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.startsWith(prefix) || (e.name.startsWith(".") && !prefix.startsWith("."))) {
        continue;
      }
      let isDir = e.isDirectory;
      if (e.isSymlink) {
        try {
          isDir = Deno.statSync(join(dir, e.name)).isDirectory;
        } catch {
          // a dangling link: a file
        }
      }
      out.push(typedDir + e.name + (isDir ? "/" : " "));
      if (out.length >= 500) break;
    }
  } catch {
    return [];
  }
  return out.sort();
}

/** The uploads and downloads of one terminal session. */
export class FileTransfers {
  readonly #host: TransferHost;
  readonly #uploads = new Map<string, Upload>();
  readonly #running = new Set<Running>();
  /** Temporary files of downloads in progress: removed if the client exits meanwhile. */
  readonly #temporaries = new Set<string>();
  readonly #abort = new AbortController();
  #refs = 0;
  #statusTimer: ReturnType<typeof setTimeout> | undefined;
  #statusAt = 0;

  constructor(host: TransferHost) {
    this.#host = host;
  }

  /** `/send PATH` to `room`: checks the file, asks the server for an upload. */
  async send(rawPath: string, room: string): Promise<void> {
    let opened: Opened;
    try {
      opened = await openToSend(rawPath);
    } catch (err) {
      if (!(err instanceof TransferError)) throw err;
      return this.#host.error(`cannot send ${rawPath}: ${err.message}`);
    }
    const { file, name, size } = opened;
    const ref = `file-${++this.#refs}`;
    const event: ClientEvent = { type: "upload", room, name, size, ref };
    if (!this.#host.send(event)) {
      file.close();
      return this.#host.error(`cannot send ${name}: not connected; /send again when it is back`);
    }
    const timer = setTimeout(() => {
      if (this.#uploads.get(ref)?.putting !== false) return;
      this.#drop(ref);
      this.#host.error(`cannot send ${name}: the server did not answer the upload request`);
    }, GRANT_TIMEOUT_MS);
    Deno.unrefTimer(timer);
    this.#uploads.set(ref, {
      ref,
      path: rawPath,
      name,
      size,
      room,
      file,
      timer,
      putting: false,
      running: this.#start("sending", name, size),
    });
  }

  #drop(ref: string): Upload | undefined {
    const u = this.#uploads.get(ref);
    if (!u) return undefined;
    this.#uploads.delete(ref);
    clearTimeout(u.timer);
    if (!u.putting) {
      this.#stop(u.running);
      try {
        u.file.close();
      } catch {
        // closed already
      }
    }
    return u;
  }

  /**
   * An event from the server, after the view took it. Our upload's grant
   * starts the upload; a refusal of it ends it (the view showed the
   * server's message); the ack of the message that shares it returns the
   * line that says so, if the server's 201 came already (else the 201
   * prints it). Null for anything else.
   */
  event(e: ServerEvent): Rendered | null {
    const ref = "ref" in e ? e.ref : undefined;
    const u = ref === undefined ? undefined : this.#uploads.get(ref);
    if (!u) return null;
    if (e.type === "upload" && !u.putting) {
      u.putting = true;
      clearTimeout(u.timer);
      void this.#put(u, e.url);
    } else if (e.type === "error") {
      this.#drop(u.ref);
    } else if (e.type === "ack") {
      u.acked = { room: e.room, seq: e.seq };
      return this.#shared(u);
    }
    return null;
  }

  async #put(u: Upload, url: string): Promise<void> {
    const running = u.running;
    running.started = Date.now();
    try {
      const got = await putFile(url, u.file, u.size, {
        onProgress: (n) => this.#progress(running, n),
        signal: this.#abort.signal,
        client: this.#host.client,
      });
      u.shared = got.file;
      const line = this.#shared(u);
      if (line) this.#host.print(line);
    } catch (err) {
      this.#uploads.delete(u.ref);
      if (this.#abort.signal.aborted) return;
      const why = err instanceof TransferError ? err.message : String(err);
      this.#host.error(`cannot send ${u.path}: ${why}`);
    } finally {
      this.#stop(running);
    }
  }

  /** Once both the 201 and the ack came: the line that says it is shared. */
  #shared(u: Upload): Rendered | null {
    if (!u.shared || !u.acked) return null;
    this.#uploads.delete(u.ref);
    const m: ChatMessage = {
      type: "message",
      room: u.acked.room ?? u.room,
      seq: u.acked.seq,
      ts: new Date().toISOString(),
      from: this.#host.view.name,
      text: u.shared.name,
      file: u.shared,
    };
    return this.#host.view.mine(m);
  }

  /** `/get N [DIR]`: downloads file N into DIR (default: here). */
  async get(n: number, rawDir: string | undefined): Promise<void> {
    const files = this.#host.view.files;
    const file = files.get(n);
    if (!file) {
      return this.#host.error(
        files.size === 0
          ? `no file has been shared yet: shared files show as "bob shared x.pdf (1.0 kB) — /get 1"`
          : files.size === 1
          ? `there is no file ${n}: the only file shown is /get 1`
          : `there is no file ${n}: the files shown are /get 1 to /get ${files.size}`,
      );
    }
    const dir = rawDir === undefined ? "." : expandHome(rawDir);
    const where = rawDir ?? "the current directory";
    try {
      if (!(await Deno.stat(dir)).isDirectory) {
        return this.#host.error(`cannot save into ${where}: it is not a directory`);
      }
    } catch (err) {
      return this.#host.error(
        err instanceof Deno.errors.NotFound
          ? `cannot save into ${where}: no such directory`
          : `cannot save into ${where}: ${fsReason(err)}`,
      );
    }
    const running = this.#start("getting", file.name, file.size);
    try {
      const path = await getFile(file, dir, {
        onProgress: (got) => this.#progress(running, got),
        signal: this.#abort.signal,
        client: this.#host.client,
        temporaries: this.#temporaries,
      });
      this.#host.notice(
        `saved ${file.name} (${fileSize(file.size)}, sha256 verified) as ${sanitize(path)}`,
      );
    } catch (err) {
      if (this.#abort.signal.aborted) return;
      const why = err instanceof TransferError ? err.message : String(err);
      this.#host.error(`cannot get ${file.name}: ${why}`);
    } finally {
      this.#stop(running);
    }
  }

  /** The connection is gone: uploads still waiting for a grant or an ack will get none. */
  disconnected(): void {
    for (const u of [...this.#uploads.values()]) {
      if (!u.putting) {
        this.#drop(u.ref);
        this.#host.error(`cannot send ${u.name}: the connection was lost; /send again`);
      } else if (u.shared) {
        // Shared; its line comes with the room's history when we are back.
        this.#uploads.delete(u.ref);
      }
      // One being sent ends by itself (the server refuses it, or shares it).
    }
  }

  /** Stops every transfer and removes what a download left (at exit). */
  close(): void {
    this.#abort.abort();
    clearTimeout(this.#statusTimer);
    for (const ref of [...this.#uploads.keys()]) this.#drop(ref);
    for (const t of this.#temporaries) {
      try {
        Deno.removeSync(t);
      } catch {
        // gone already
      }
    }
    this.#temporaries.clear();
  }

  #start(verb: string, name: string, total: number): Running {
    const r = { verb, name, done: 0, total, started: Date.now() };
    this.#running.add(r);
    this.#showStatus();
    return r;
  }

  #progress(r: Running, done: number): void {
    r.done = done;
    if (this.#statusTimer !== undefined) return;
    const wait = this.#statusAt + STATUS_EVERY_MS - Date.now();
    if (wait <= 0) return this.#showStatus();
    this.#statusTimer = setTimeout(() => this.#showStatus(), wait);
  }

  #stop(r: Running): void {
    this.#running.delete(r);
    this.#showStatus();
  }

  #showStatus(): void {
    clearTimeout(this.#statusTimer);
    this.#statusTimer = undefined;
    if (this.#abort.signal.aborted) return;
    this.#statusAt = Date.now();
    const now = Date.now();
    const parts = [...this.#running].map((r) =>
      progressText(r.verb, r.name, r.done, r.total, now - r.started)
    );
    this.#host.status(parts.length === 0 ? null : parts.join(" | "));
  }
}
