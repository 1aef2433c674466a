// The bytes of shared files, over HTTP: an upload streamed from disk to
// its one-time URL, a download streamed to a temporary file, both hashed
// on the way and verified. No terminal here: progress is reported to a
// callback, failures are TransferErrors whose message says what happened.
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import type { FileInfo } from "../protocol/events.ts";
import { cleanFileName } from "../protocol/file_name.ts";
import { fileSize } from "../protocol/plain.ts";
import { sanitize } from "../protocol/sanitize.ts";
import { fileOf, isWebUrl } from "./file_list.ts";
import { fitCells } from "./width.ts";

/** A transfer failed; the message says why, in words for the user. */
export class TransferError extends Error {
  override name = "TransferError";
}

/** Options of {@linkcode putFile} and {@linkcode getFile}. */
export interface TransferOptions {
  /** Called as bytes go (or come), with the count so far. */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /** For https with a private CA (`--ca`). */
  client?: Deno.HttpClient;
}

const CHUNK = 64 * 1024;

/** The first line of an HTTP error's text body, made safe and short. */
async function reason(res: Response): Promise<string> {
  let text = "";
  try {
    text = (await res.text()).slice(0, 2000);
  } catch {
    // no body: the status says it
  }
  const line = fitCells(sanitize(text.trim().split(/\r?\n/, 1)[0] ?? ""), 300);
  return line === ""
    ? `HTTP ${res.status} ${res.statusText}`.trim()
    : `${line} (HTTP ${res.status})`;
}

/** Why a fetch failed, in a few words. */
function fetchReason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/refused/i.test(msg)) return "connection refused";
  if (/dns|lookup|resolve|not known/i.test(msg)) return "no such host";
  return msg.replace(/^error sending request for url \([^)]*\):?\s*/i, "").replace(
    /\s*\(os error \d+\)$/,
    "",
  ) || "the connection failed";
}

/** `~` and `~/x` are the home directory's. */
export function expandHome(path: string, home = Deno.env.get("HOME")): string {
  if (home && (path === "~" || path.startsWith("~/"))) return home + path.slice(1);
  return path;
}

/** Why a file cannot be read or written, in a few words. */
export function fsReason(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "no such file or directory";
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\(os error \d+\)(:.*)?$/, "");
}

/** A file open to be sent: its handle, base name and size. */
export interface Opened {
  file: Deno.FsFile;
  name: string;
  size: number;
}

/**
 * Opens the file at `rawPath` (`~` expanded) to send it; throws
 * {@linkcode TransferError} saying why it cannot be: missing, a directory,
 * not a regular file, unreadable.
 */
export async function openToSend(rawPath: string): Promise<Opened> {
  const path = expandHome(rawPath);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    throw new TransferError(
      err instanceof Deno.errors.NotFound ? "no such file" : fsReason(err),
    );
  }
  if (info.isDirectory) {
    throw new TransferError("it is a directory; send one file (an archive of it?)");
  }
  if (!info.isFile) throw new TransferError("it is not a regular file");
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    throw new TransferError(fsReason(err));
  }
  return { file, name: basename(path), size: info.size };
}

/** What an upload brought back: the server's description of the file it shared. */
export interface PutResult {
  file: FileInfo;
  /** Hex SHA-256 of the bytes sent (the server's agrees, or putFile threw). */
  sha256: string;
}

/**
 * Sends exactly `size` bytes of the open `file` with `PUT` to the one-time
 * `url`, streamed (never all in memory), hashing them as they go; checks
 * that the SHA-256 in the server's 201 is the one of the bytes sent. A file
 * that grew or shrank meanwhile is not sent whole: the server refuses it.
 * Closes `file`.
 */
export async function putFile(
  url: string,
  file: Deno.FsFile,
  size: number,
  options: TransferOptions = {},
): Promise<PutResult> {
  const hash = createHash("sha256");
  let sent = 0;
  let failure: TransferError | null = null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      file.close();
    } catch {
      // closed already
    }
  };
  try {
    if (!isWebUrl(url)) throw new TransferError(`the server gave no web address to send to`);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          if (sent === size) {
            // One more byte would mean the file grew since it was measured.
            const probe = await file.read(new Uint8Array(1));
            close();
            if (probe !== null && probe > 0) {
              throw new TransferError(`it grew while being sent (it had ${size} bytes)`);
            }
            controller.close();
            return;
          }
          const buf = new Uint8Array(Math.min(CHUNK, size - sent));
          const n = await file.read(buf);
          if (n === null) {
            throw new TransferError(`it shrank while being sent (${sent} of ${size} bytes)`);
          }
          const chunk = n === buf.length ? buf : buf.subarray(0, n);
          hash.update(chunk);
          sent += n;
          controller.enqueue(chunk);
          options.onProgress?.(sent);
        } catch (err) {
          close();
          failure = err instanceof TransferError
            ? err
            : new TransferError(`cannot read it: ${fsReason(err)}`);
          controller.error(failure);
        }
      },
      cancel: close,
    });
    let res: Response;
    try {
      res = await fetch(url, {
        method: "PUT",
        body,
        headers: { "content-type": "application/octet-stream" },
        signal: options.signal,
        client: options.client,
      });
    } catch (err) {
      if (failure) throw failure;
      if (options.signal?.aborted) throw new TransferError("stopped");
      throw new TransferError(`cannot reach ${new URL(url).host}: ${fetchReason(err)}`);
    }
    if (res.status !== 201 && res.status !== 200) {
      throw new TransferError(`the server refused it: ${await reason(res)}`);
    }
    let answer: unknown;
    try {
      answer = await res.json();
    } catch {
      throw new TransferError("the server's answer to the upload is not JSON");
    }
    const shared = fileOf((answer as { file?: unknown } | null)?.file);
    if (!shared) throw new TransferError("the server's answer to the upload names no file");
    const sha256 = hash.digest("hex");
    if (shared.sha256 !== sha256) {
      throw new TransferError(
        `the server stored other bytes than were sent (sha256 ${short(shared.sha256)} there, ` +
          `${short(sha256)} here): send it again`,
      );
    }
    return { file: shared, sha256 };
  } finally {
    close();
  }
}

/** The first 12 digits of a hash, enough to tell two apart. */
function short(sha256: string): string {
  return sha256.slice(0, 12) + "…";
}

/** `report.pdf`, then `report (1).pdf`, `report (2).pdf`… (`x.tar (1).gz` stays `x (1).tar.gz`). */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const m = /^(.+?)((?:\.tar)?\.[^.\s]{1,16})$/i.exec(name);
  return m ? `${m[1]} (${n})${m[2]}` : `${name} (${n})`;
}

/**
 * Creates the first of `name`, `name (1)`, … that does not exist in `dir`
 * (empty; atomically, so nothing is ever overwritten) and returns its path.
 */
export async function reserveName(dir: string, name: string): Promise<string> {
  for (let n = 0; n < 10_000; n++) {
    const path = join(dir, numberedName(name, n));
    try {
      (await Deno.open(path, { write: true, createNew: true })).close();
      return path;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) continue;
      throw err;
    }
  }
  throw new TransferError(`${dir} already holds ${name} and 10000 numbered copies`);
}

/** Options of {@linkcode getFile}. */
export interface GetOptions extends TransferOptions {
  /** The temporary file's path is added while it exists (to remove it at exit). */
  temporaries?: Set<string>;
}

/**
 * Downloads `file` into the directory `dir`: streamed to a temporary file
 * there, its size and SHA-256 checked against the message's, then moved to
 * its clean name, numbered when the name is taken (never overwriting).
 * Returns the saved path; a file that does not verify is deleted and throws.
 */
export async function getFile(
  file: FileInfo,
  dir: string,
  options: GetOptions = {},
): Promise<string> {
  if (!isWebUrl(file.url)) throw new TransferError("it has no web address to download from");
  let res: Response;
  try {
    res = await fetch(file.url, { signal: options.signal, client: options.client });
  } catch (err) {
    if (options.signal?.aborted) throw new TransferError("stopped");
    throw new TransferError(`cannot reach ${new URL(file.url).host}: ${fetchReason(err)}`);
  }
  if (res.status !== 200) throw new TransferError(`the server said: ${await reason(res)}`);
  let temp: string;
  try {
    temp = await Deno.makeTempFile({ dir, prefix: ".chat-get-", suffix: ".part" });
  } catch (err) {
    await res.body?.cancel().catch(() => {});
    throw new TransferError(`cannot write in ${dir}: ${fsReason(err)}`);
  }
  options.temporaries?.add(temp);
  const drop = async () => {
    await Deno.remove(temp).catch(() => {});
    options.temporaries?.delete(temp);
  };
  try {
    const out = await Deno.open(temp, { write: true, truncate: true });
    const hash = createHash("sha256");
    let got = 0;
    let writing = false;
    try {
      for await (const chunk of res.body ?? []) {
        got += chunk.length;
        if (got > file.size) {
          throw new TransferError(
            `it did not verify: the server sent more than the ${file.size} bytes the message says; it was not saved`,
          );
        }
        hash.update(chunk);
        writing = true;
        for (let b = chunk; b.length > 0;) b = b.subarray(await out.write(b));
        writing = false;
        options.onProgress?.(got);
      }
    } catch (err) {
      if (err instanceof TransferError) throw err;
      if (options.signal?.aborted) throw new TransferError("stopped");
      if (writing) throw new TransferError(`cannot write in ${dir}: ${fsReason(err)}`);
      throw new TransferError(`the download broke off after ${fileSize(got)}: ${fetchReason(err)}`);
    } finally {
      out.close();
    }
    if (got !== file.size) {
      throw new TransferError(
        `it did not verify: ${got} bytes came, the message says ${file.size}; it was not saved`,
      );
    }
    const sha256 = hash.digest("hex");
    if (sha256 !== file.sha256) {
      throw new TransferError(
        `it did not verify: its sha256 is ${short(sha256)}, the message says ${
          short(file.sha256)
        } (damaged or replaced on the server); it was not saved`,
      );
    }
    const path = await reserveName(dir, cleanFileName(file.name));
    try {
      // The temporary file is private (0600); the saved one gets what a new file gets here.
      try {
        await Deno.chmod(temp, (await Deno.stat(path)).mode! & 0o777);
      } catch {
        // no modes here (Windows)
      }
      await Deno.rename(temp, path);
    } catch (err) {
      await Deno.remove(path).catch(() => {});
      throw new TransferError(`cannot save it as ${path}: ${fsReason(err)}`);
    }
    options.temporaries?.delete(temp);
    return path;
  } catch (err) {
    await drop();
    if (err instanceof TransferError) throw err;
    throw new TransferError(`cannot save it in ${dir}: ${fsReason(err)}`);
  }
}

/**
 * One transfer's progress, for the status line:
 * `sending report.pdf [=====     ] 45% 21.3 kB of 47.1 kB, 1.2 MB/s`.
 */
export function progressText(
  verb: string,
  name: string,
  done: number,
  total: number,
  elapsedMs: number,
): string {
  const fraction = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(fraction * 10);
  const bar = `[${"=".repeat(filled)}${" ".repeat(10 - filled)}]`;
  const rate = elapsedMs >= 250 ? `, ${fileSize(Math.round(done / elapsedMs * 1000))}/s` : "";
  return `${verb} ${fitCells(name, 32)} ${bar} ${Math.floor(fraction * 100)}% ` +
    `${fileSize(done)} of ${fileSize(total)}${rate}`;
}
