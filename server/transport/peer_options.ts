import type { TransportStats } from "./metrics.ts";

/** Why a transport dropped a connection: it stopped reading, went away, or stopped answering pings. */
export type DropReason = "slow" | "disconnect" | "timeout";

/** Options of every transport's peer (TCP, WebSocket): the outbox and its limits. */
export interface PeerOptions {
  /** Most bytes queued and not yet taken by the socket. @default 1048576 */
  maxOutbox?: number;
  /** How long a closing connection may take to flush, in ms. @default 2000 */
  lingerMs?: number;
  label: string;
  /** The client's address (see `clientAddress`). */
  address: string;
  /** Called (later, never during a send) when the connection is dropped. */
  onDrop(reason: DropReason): void;
  /** Counters for /metrics. */
  stats?: TransportStats;
}
