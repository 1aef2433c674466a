import type { Log } from "../core/peer.ts";
import type { FileStore } from "./file_store.ts";

/** A file whose message was never stored (its sender left, the store failed) goes after this. */
const ORPHAN_MS = 10 * 60_000;

/** Options of {@linkcode FileCollector}. */
export interface FileCollectorOptions {
  /** Whether message `seq` of `room` is still kept (Backend.kept). */
  kept(room: string, seq: number): boolean | Promise<boolean>;
  /** Time between passes. */
  intervalMs: number;
  log: Log;
}

/**
 * Deletes the files whose messages are gone: retention removed them, or
 * they were never stored. A pass walks the directory (shared by the nodes
 * of a cluster, so it also recounts the space used) and never blocks the
 * room: each check is one indexed lookup, awaited in turn.
 */
export class FileCollector {
  readonly #store: FileStore;
  readonly #o: FileCollectorOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #running: Promise<unknown> | null = null;

  constructor(store: FileStore, options: FileCollectorOptions) {
    this.#store = store;
    this.#o = options;
  }

  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.pass().finally(() => {
        this.#running = null;
        this.#schedule(this.#o.intervalMs);
      });
    }, ms);
    Deno.unrefTimer(this.#timer);
  }

  /** One pass; returns how many files were deleted. */
  async pass(): Promise<number> {
    let deleted = 0;
    try {
      const now = Date.now();
      for await (const meta of this.#store.all()) {
        if (this.#stopped) break;
        const gone = meta.seq === undefined
          ? now - meta.storedAt > ORPHAN_MS
          : !(await this.#o.kept(meta.room, meta.seq));
        if (!gone) continue;
        await this.#store.remove(meta);
        deleted++;
      }
      await this.#store.rescan();
    } catch (err) {
      this.#o.log("warn", `files: ${err instanceof Error ? err.message : err}; trying again later`);
    }
    if (deleted > 0) this.#o.log("info", `files: deleted ${deleted} whose messages are gone`);
    return deleted;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
