import type { Backend } from "./backend.ts";
import type { Clock } from "./core/clock.ts";
import { MAX_RESUME } from "./core/chat.ts";
import type { Log } from "./core/peer.ts";
import type { ServeConfig } from "./config.ts";
import { Checkpointer } from "./storage/checkpointer.ts";
import { RetentionTask } from "./storage/retention_task.ts";
import { historyLine, MEMORY_DB, SqliteHistory } from "./storage/sqlite_history.ts";
import { StorageError } from "./storage/storage_error.ts";
import { TimedHistory } from "./transport/metrics.ts";

/** The database could not be opened: the message says why. */
export class BackendError extends Error {
  override name = "BackendError";
}

/**
 * One node: the history in SQLite (`--db`), trimmed by `--retain`, with
 * WAL checkpoints beside it. Opened before the server listens, so a
 * database that cannot be used stops it before anyone could post.
 */
export function localBackend(config: ServeConfig, clock: Clock, log: Log): Backend {
  let history: SqliteHistory;
  try {
    history = SqliteHistory.open(config.db, {
      memoryCap: Math.max(config.history, MAX_RESUME),
      defaultRoom: config.defaultRoom,
      search: config.search,
    });
  } catch (err) {
    if (err instanceof StorageError) throw new BackendError(err.message);
    throw err;
  }
  const retention = new RetentionTask(history, config.retain, { clock, log });
  // Timed, so /metrics can show how long storing a batch takes.
  const timed = new TimedHistory(history);
  let checkpoints: Checkpointer | null = null;
  let started = false;
  return {
    history: timed,
    storage: timed.stats,
    moderation: history.moderationStore(),
    kept: (room, seq) => history.kept(room, seq),
    reservationStore: (ttlMs) => history.reservationStore(ttlMs),
    healthy: () => true,
    setRetain: (policy) => retention.setPolicy(policy, started),
    describe: () => historyLine(history),
    async start() {
      checkpoints = config.db === MEMORY_DB ? null : await Checkpointer.start(history, log);
      retention.start();
      started = true;
    },
    async stop() {
      started = false;
      retention.stop();
      await checkpoints?.stop();
      history.close();
    },
  };
}
