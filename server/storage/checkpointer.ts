import type { Log } from "../core/peer.ts";
import type { SqliteHistory } from "./sqlite_history.ts";

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint
 * runs inside whichever commit crosses the threshold and fsyncs the
 * database there, stalling the whole room for milliseconds (the tail of the
 * latency benchmark). Here the serving connection never checkpoints; a
 * Worker with its own connection does, once a second.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #history: SqliteHistory;

  private constructor(worker: Worker, history: SqliteHistory) {
    this.#worker = worker;
    this.#history = history;
  }

  /** Starts checkpointing `history`'s file in a Worker; resolves once it runs. */
  static async start(
    history: SqliteHistory,
    log: Log,
    intervalMs = 1000,
  ): Promise<Checkpointer | null> {
    let worker: Worker;
    try {
      worker = new Worker(new URL("./checkpoint_worker.ts", import.meta.url).href, {
        type: "module",
      });
    } catch (err) {
      // SQLite's own automatic checkpoints stay on: slower tail, same safety.
      log("warn", `background checkpoints unavailable (${err}); checkpointing inline`);
      return null;
    }
    const started = Promise.withResolvers<void>();
    worker.onmessage = (e) => {
      if (e.data?.type === "started") started.resolve();
    };
    let failed = false;
    worker.onerror = (e) => {
      e.preventDefault();
      failed = true;
      // Without the worker the WAL would grow for ever: checkpoint inline again.
      history.setAutoCheckpoint(true);
      log("warn", `background checkpoints stopped (${e.message}); checkpointing inline`);
      started.resolve();
    };
    worker.postMessage({ type: "start", path: history.path, intervalMs });
    await started.promise;
    if (failed) {
      worker.terminate();
      return null;
    }
    history.setAutoCheckpoint(false);
    return new Checkpointer(worker, history);
  }

  /** Stops the worker after it has closed its connection; safe to call twice. */
  async stop(): Promise<void> {
    const stopped = Promise.withResolvers<void>();
    const timer = setTimeout(() => stopped.resolve(), 2000);
    this.#worker.onmessage = (e) => {
      if (e.data?.type === "stopped") stopped.resolve();
    };
    this.#worker.postMessage({ type: "stop" });
    await stopped.promise;
    clearTimeout(timer);
    this.#worker.terminate();
    this.#history.setAutoCheckpoint(true);
  }
}
