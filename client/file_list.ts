import type { FileInfo } from "../protocol/events.ts";
import { cleanFileName } from "../protocol/file_name.ts";

const SHA256 = /^[0-9a-f]{64}$/i;

/** True for an `http:` or `https:` URL: the only ones this client fetches (never `file:`). */
export function isWebUrl(raw: unknown): raw is string {
  if (typeof raw !== "string") return false;
  try {
    const u = new URL(raw);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * A message's `file`, checked (a client does not trust the server): a
 * name, a whole size, a hex SHA-256 and an http(s) URL; the name made safe
 * to show and to save. Null when there is none or it is not one.
 */
export function fileOf(raw: unknown): FileInfo | null {
  if (typeof raw !== "object" || raw === null) return null;
  const f = raw as Record<string, unknown>;
  if (typeof f.name !== "string" || typeof f.sha256 !== "string" || !SHA256.test(f.sha256)) {
    return null;
  }
  if (typeof f.size !== "number" || !Number.isSafeInteger(f.size) || f.size < 0) return null;
  if (!isWebUrl(f.url)) return null;
  return {
    name: cleanFileName(f.name),
    size: f.size,
    sha256: f.sha256.toLowerCase(),
    type: typeof f.type === "string" ? f.type : "application/octet-stream",
    url: f.url,
  };
}

/**
 * The files seen this session (history included), numbered from 1 in the
 * order they were first shown: what `/get N` takes. A file shown again
 * (a history replayed after a reconnect) keeps its number.
 */
export class FileList {
  readonly #numbers = new Map<string, number>();
  readonly #files: FileInfo[] = [];

  /** The number of `file`, given now if it is new. */
  number(file: FileInfo): number {
    const known = this.#numbers.get(file.url);
    if (known !== undefined) return known;
    this.#files.push(file);
    this.#numbers.set(file.url, this.#files.length);
    return this.#files.length;
  }

  /** File number `n`, or undefined. */
  get(n: number): FileInfo | undefined {
    return Number.isSafeInteger(n) && n >= 1 ? this.#files[n - 1] : undefined;
  }

  /** How many files have been numbered. */
  get size(): number {
    return this.#files.length;
  }
}
