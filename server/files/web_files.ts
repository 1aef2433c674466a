import type { FileInfo } from "../../protocol/events.ts";
import { cleanFileName } from "../../protocol/file_name.ts";
import { fileSize } from "../../protocol/plain.ts";
import type { Chat } from "../core/chat.ts";
import type { Clock } from "../core/clock.ts";
import type { FileSharing, UploadGrant } from "../core/files.ts";
import type { Log } from "../core/peer.ts";
import { TokenBucket } from "../core/rate_limit.ts";
import type { Member, Room } from "../core/room.ts";
import { type Refusal, refuse } from "../core/rooms.ts";
import { type FileMeta, FileStore, isFileId, randomId } from "./file_store.ts";

/** How long a one-time upload URL works. */
export const UPLOAD_TTL_MS = 10 * 60_000;
/** Uploads a member may ask for: a burst of 5, then one every 12 s (5 a minute). */
const UPLOAD_RATE = { perSecond: 1 / 12, burst: 5 };

/** A granted upload, waiting for its bytes. */
export interface Ticket {
  id: string;
  member: Member;
  room: Room;
  name: string;
  size: number;
  ref?: string;
  expires: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Options of {@linkcode WebFiles}. */
export interface WebFilesOptions {
  store: FileStore;
  /** `--max-file-size`. */
  maxFileSize: number;
  /** The web side's public base URL (`--web-url`), without a trailing slash. */
  baseUrl: string;
  clock: Clock;
  log: Log;
}

/** Counters for /metrics. */
export interface FileStats {
  stored: number;
  storedBytes: number;
  downloads: number;
  /** Refusals by reason (too_large, full, rate, expired, cut, lied, banned…). */
  refused: Record<string, number>;
}

/**
 * File sharing on the web side: grants one-time upload URLs (bounded in
 * size, rate and total space) and, when the bytes have arrived whole,
 * posts the room message that shares the file.
 */
export class WebFiles implements FileSharing {
  readonly store: FileStore;
  readonly maxFileSize: number;
  /** Set once the web side listens (its real port), unless --web-url gave it. */
  baseUrl: string;
  readonly stats: FileStats = { stored: 0, storedBytes: 0, downloads: 0, refused: {} };
  readonly #clock: Clock;
  readonly #log: Log;
  readonly #tickets = new Map<string, Ticket>();
  readonly #rates = new WeakMap<Member, TokenBucket>();
  #chat: Chat | null = null;

  constructor(options: WebFilesOptions) {
    this.store = options.store;
    this.maxFileSize = options.maxFileSize;
    this.baseUrl = options.baseUrl;
    this.#clock = options.clock;
    this.#log = options.log;
  }

  /** The Chat messages are posted to; set once, before any upload. */
  attach(chat: Chat): void {
    this.#chat = chat;
  }

  /** Counts a refusal for /metrics. */
  refused(reason: string): void {
    this.stats.refused[reason] = (this.stats.refused[reason] ?? 0) + 1;
  }

  request(
    member: Member,
    room: Room,
    raw: string,
    size: number,
    ref?: string,
  ): UploadGrant | Refusal {
    const name = cleanFileName(raw);
    if (size > this.maxFileSize) {
      this.refused("too_large");
      return refuse(
        "too_large",
        `${name} is ${fileSize(size)}: this server takes files up to ${
          fileSize(this.maxFileSize)
        } (--max-file-size); share a link instead`,
      );
    }
    let bucket = this.#rates.get(member);
    if (!bucket) this.#rates.set(member, bucket = new TokenBucket(UPLOAD_RATE, this.#clock));
    const wait = bucket.delay();
    if (wait > 0) {
      this.refused("rate");
      return refuse(
        "rate_limited",
        `you are sharing files too fast: wait ${Math.ceil(wait / 1000)} s and try again`,
      );
    }
    if (!this.store.reserve(size)) {
      this.refused("full");
      return refuse(
        "too_large",
        `the server's space for files is full (${fileSize(this.store.used)} of ${
          fileSize(this.store.capacity)
        }): ask an operator, or share a link instead`,
      );
    }
    const id = randomId();
    const expires = this.#clock.now() + UPLOAD_TTL_MS;
    const timer = setTimeout(() => this.#expire(id), UPLOAD_TTL_MS);
    Deno.unrefTimer(timer);
    this.#tickets.set(id, { id, member, room, name, size, ref, expires, timer });
    return {
      type: "upload",
      url: `${this.baseUrl}/files/upload/${id}`,
      room: room.name,
      name,
      size,
      expires: new Date(expires).toISOString(),
    };
  }

  #expire(id: string): void {
    const t = this.#tickets.get(id);
    if (!t) return;
    this.#tickets.delete(id);
    this.store.release(t.size);
  }

  /** Takes a ticket for its one use (it is gone after this), or undefined. */
  take(id: string): Ticket | undefined {
    const t = this.#tickets.get(id);
    if (!t) return undefined;
    this.#tickets.delete(id);
    clearTimeout(t.timer);
    if (t.expires <= this.#clock.now()) {
      this.store.release(t.size);
      return undefined;
    }
    return t;
  }

  /** Whether the ticket's member is still here and in its room. */
  present(t: Ticket): boolean {
    const chat = this.#chat;
    return chat !== null && chat.find(t.member.name) === t.member && t.member.rooms.has(t.room);
  }

  /** A file's URL. */
  url(meta: FileMeta): string {
    return `${this.baseUrl}/files/${meta.id}/${encodeURIComponent(meta.name)}`;
  }

  /** The bytes are stored: the room gets the message that shares them (returned). */
  share(t: Ticket, meta: FileMeta): FileInfo {
    const chat = this.#chat!;
    this.stats.stored++;
    this.stats.storedBytes += meta.size;
    const file: FileInfo = {
      name: meta.name,
      size: meta.size,
      sha256: meta.sha256,
      type: meta.type,
      url: this.url(meta),
    };
    chat.share(t.member, t.room, file, t.ref, (seq) => {
      this.store.stored(meta, seq).catch(() => {});
    });
    this.#log(
      "info",
      `${t.member.name} shared ${meta.name} (${meta.size} bytes) in #${t.room.name}`,
    );
    return file;
  }

  /** Its message was deleted: the file goes now, not at the collector's next pass. */
  removed(file: FileInfo): void {
    const id = /\/files\/([^/]+)\//.exec(file.url)?.[1];
    if (!id || !isFileId(id)) return;
    this.store.meta(id).then((meta) => meta && this.store.remove(meta)).then(
      () => this.#log("info", `deleted ${file.name}: its message was deleted`),
      (err) =>
        this.#log(
          "warn",
          `could not delete ${file.name} (${err?.message ?? err}): the collector will`,
        ),
    );
  }

  /** Gives back every reservation (at shutdown). */
  close(): void {
    for (const t of this.#tickets.values()) clearTimeout(t.timer);
    this.#tickets.clear();
  }
}
