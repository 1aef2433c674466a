import type { Chat } from "./core/chat.ts";
import type { Directory } from "./core/directory.ts";
import type { History } from "./core/history.ts";
import type { Ledger } from "./core/ledger.ts";
import type { ChatObserver } from "./core/observer.ts";
import type { ModerationStore } from "./core/moderation_types.ts";
import type { ReservationStore } from "./core/reservations.ts";
import type { StorageStats } from "./transport/metrics.ts";
import type { RetainPolicy } from "./storage/retention.ts";

/**
 * Where a server keeps what it shares: one node with its SQLite file
 * (`local_backend.ts`), or a node of a cluster on Redis
 * (`cluster/cluster_backend.ts`). The Chat is built from these parts the
 * same way for both; nothing else in the server knows which it is.
 */
export interface Backend {
  /** What the Chat reads (and, on one node, what stores the messages). */
  readonly history: History;
  /** Where messages get their seqs; absent: the history's own (one node). */
  readonly ledger?: Ledger;
  /** Told what this node's members do; absent on one node. */
  readonly observer?: ChatObserver;
  /** What sessions wait for; absent on one node. */
  readonly directory?: Directory;
  /** Where bans, mutes, locks and the moderation log are kept. */
  readonly moderation: ModerationStore;
  /**
   * Whether message `seq` of `room` is still kept: a shared file is deleted
   * once its message is gone (retention).
   */
  kept(room: string, seq: number): boolean | Promise<boolean>;
  /** Where reserved names are kept, each lasting `ttlMs` after its last use. */
  reservationStore(ttlMs: number): ReservationStore;
  /**
   * Applies another `--retain` from the next pass on (a reload); absent
   * where retention cannot change at run time (a cluster: a restart).
   */
  setRetain?(policy: RetainPolicy): void;
  /** Append timings for /metrics, where the history is timed. */
  readonly storage?: StorageStats;
  /** Whether new members can be served now (for /healthz). */
  healthy(): boolean;
  /** The startup line saying where the history is. */
  describe(): string;
  /**
   * Starts what runs beside the Chat (retention, checkpoints, the cluster's
   * presence); `lost` is called if this node can no longer serve at all.
   */
  start(chat: Chat, lost: (why: string) => void): Promise<void>;
  /** Stops it all and closes the storage. */
  stop(): Promise<void>;
}
