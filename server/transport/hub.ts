import type { Clock } from "../core/clock.ts";
import type { Frame } from "../core/frame.ts";
import type { Log } from "../core/peer.ts";
import type { Room } from "../core/room.ts";
import type { ServeConfig } from "../config.ts";
import { newTransportStats, type TransportStats } from "./metrics.ts";

/** Counters the server keeps for its logs and metrics. */
export interface Stats {
  handshakeFailures: number;
  refusedFull: number;
  /** Per transport name ("tcp", "tls", "ws"); see {@linkcode Hub.transport}. */
  transports: Record<string, TransportStats>;
}

/** An open connection, as the hub sees it: closable at shutdown. */
export interface Closable {
  readonly done: Promise<void>;
  send(frame: Frame): void;
  close(): void;
  destroy(): void;
}

/**
 * What every transport shares: the room, the config, the clock, the log and
 * the count of open connections that `--max-clients` bounds.
 */
export class Hub {
  readonly room: Room;
  readonly config: ServeConfig;
  readonly clock: Clock;
  readonly log: Log;
  readonly stats: Stats = { handshakeFailures: 0, refusedFull: 0, transports: {} };
  readonly #open = new Set<Closable>();
  closing = false;

  constructor(room: Room, config: ServeConfig, clock: Clock, log: Log) {
    this.room = room;
    this.config = config;
    this.clock = clock;
    this.log = log;
  }

  /** Open connections, on every transport. */
  get connections(): number {
    return this.#open.size;
  }

  /**
   * Counts a new connection in; returns its release function, or null when
   * the server is full (or shutting down) and the connection must be refused.
   */
  admit(c: Closable): (() => void) | null {
    if (this.closing || this.#open.size >= this.config.maxClients) {
      this.stats.refusedFull++;
      this.log(
        "warn",
        `refused a connection: ${this.#open.size} open, --max-clients ${this.config.maxClients}`,
      );
      return null;
    }
    this.#open.add(c);
    return () => this.#open.delete(c);
  }

  /** The counters of one transport, created on first use. */
  transport(name: string): TransportStats {
    return this.stats.transports[name] ??= newTransportStats();
  }

  fullMessage(): string {
    return this.closing
      ? "the server is shutting down, try again later"
      : `the server is full (${this.config.maxClients} clients), try again later`;
  }

  /** Sends `frame` to every open connection (members or not) and closes them. */
  closeAll(frame: Frame): void {
    for (const c of this.#open) {
      c.send(frame);
      c.close();
    }
  }

  /** Waits until every connection has closed, destroying stragglers after `ms`. */
  async drain(ms: number): Promise<void> {
    const all = [...this.#open];
    const timer = setTimeout(() => all.forEach((c) => c.destroy()), ms);
    await Promise.all(all.map((c) => c.done));
    clearTimeout(timer);
  }
}
