import type { Backend } from "../backend.ts";
import { MAX_RESUME } from "../core/chat.ts";
import type { Log } from "../core/peer.ts";
import type { ServeConfig } from "../config.ts";
import { BackendError } from "../local_backend.ts";
import { joinCluster } from "./node.ts";
import { RedisStartError } from "./redis_connect.ts";

/**
 * A node of a cluster: history, names, rooms and presence in Redis
 * (`--redis`); locally only the mirrors of open rooms (and shared files,
 * in --files-dir). Retention by count trims each room's stream to exactly
 * that many as it grows, and caps every node's mirror at it, so that each
 * node serves the same history; by age it is not offered yet (a stream's
 * ids are seqs, not times), which stops the server with a clear message.
 */
export async function clusterBackend(config: ServeConfig, log: Log): Promise<Backend> {
  if (config.retain.maxAgeMs !== null) {
    throw new BackendError(
      "--retain by age is not available with --redis yet: keep a count instead, e.g. --retain 100000",
    );
  }
  let node;
  try {
    node = await joinCluster({
      url: config.redis!,
      keep: Math.min(Math.max(config.history, MAX_RESUME), config.retain.maxCount ?? Infinity),
      maxLen: config.retain.maxCount ?? 0,
      log,
    });
  } catch (err) {
    if (err instanceof RedisStartError) throw new BackendError(err.message);
    throw err;
  }
  return {
    history: node.history,
    ledger: node.ledger,
    observer: node.presence,
    directory: node.directory,
    moderation: node.moderation,
    kept: (room, seq) => node.history.kept(room, seq),
    reservationStore: (ttlMs) => node.reservationStore(ttlMs),
    healthy: () => node.healthy,
    describe: () =>
      `history: in Redis at ${
        config.redis!.replace(/\/\/[^@/]*@/, "//***@")
      }, cluster node ${node.id}`,
    start: (chat, lost) =>
      node.attach(chat, config.defaultRoom, () => lost("this node was cut off from the cluster")),
    stop: () => node.close(),
  };
}
