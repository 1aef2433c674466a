import type { Clock } from "../core/clock.ts";
import type { Frame } from "../core/frame.ts";
import type { Directory } from "../core/directory.ts";
import type { PasswordGate } from "../core/password_gate.ts";
import type { Log } from "../core/peer.ts";
import type { Chat } from "../core/chat.ts";
import type { ServeConfig } from "../config.ts";
import { AddressLimits, type Slot } from "./address_limits.ts";
import { newTransportStats, type TransportStats } from "./metrics.ts";

/** Counters the server keeps for its logs and metrics. */
export interface Stats {
  handshakeFailures: number;
  refusedFull: number;
  /** Refused by --max-per-ip or --max-pending-per-ip. */
  refusedAddress: number;
  /** TLS handshakes that failed or took too long (plain bytes sent to the TLS port, say). */
  tlsHandshakeFailures: number;
  /** Per transport name ("tcp", "tls", "ws"); see {@linkcode Hub.transport}. */
  transports: Record<string, TransportStats>;
}

/** An open connection, as the hub sees it: closable at shutdown. */
export interface Closable {
  readonly done: Promise<void>;
  send(frame: Frame): void;
  close(): void;
  destroy(): void;
  /** See StreamPeer.sweep. */
  sweep?(maxQuiet: number): void;
}

/** How often the hub looks for dead peers, in ms. */
export const SWEEP_MS = 5000;

/** A connection's admission: refused (with the message to send), or counted in. */
export interface Admission {
  /** Null when admitted; else the `server_full` message to send before closing. */
  readonly refusal: string | null;
  /** The handshake is done: the connection stops counting as joining. */
  joined(): void;
  /** The connection is gone. Safe to call twice. */
  release(): void;
}

const NOTHING = () => {};

/**
 * What every transport shares: the chat (rooms and members), the config, the clock, the log and
 * the count of open connections that `--max-clients` bounds.
 */
export class Hub {
  readonly chat: Chat;
  #config: ServeConfig;
  readonly clock: Clock;
  readonly log: Log;
  /** The room password every session checks. */
  readonly gate: PasswordGate;
  /** What sessions wait for in a cluster (names, rooms); undefined on one node. */
  directory: Directory | undefined;
  readonly stats: Stats = {
    handshakeFailures: 0,
    refusedFull: 0,
    refusedAddress: 0,
    tlsHandshakeFailures: 0,
    transports: {},
  };
  readonly #open = new Set<Closable>();
  readonly #limits: AddressLimits;
  closing = false;

  constructor(chat: Chat, config: ServeConfig, gate: PasswordGate, clock: Clock, log: Log) {
    this.chat = chat;
    this.#config = config;
    this.gate = gate;
    this.directory = undefined;
    this.clock = clock;
    this.log = log;
    this.#limits = new AddressLimits(() => ({
      perAddress: this.#config.maxPerIp,
      pendingPerAddress: this.#config.maxPendingPerIp,
    }));
  }

  /**
   * The configuration in force. Transports read it when a connection starts
   * (its line limit, outbox, rate limit, timeouts), so a reload's values hold
   * for every connection made after it and nobody is dropped.
   */
  get config(): ServeConfig {
    return this.#config;
  }

  /** Puts a reloaded configuration in force (see {@linkcode config}). */
  reconfigure(config: ServeConfig): void {
    this.#config = config;
  }

  /** Open connections, on every transport. */
  get connections(): number {
    return this.#open.size;
  }

  /**
   * Counts a new connection from `address` in, or refuses it: the server is
   * full (`--max-clients`) or shutting down, or that address already holds
   * its share (`--max-per-ip`, `--max-pending-per-ip`). A WebSocket comes
   * with the slot its web connection already holds (`counted`): one
   * connection counts once, whichever ports it went through.
   */
  admit(c: Closable, address: string, counted?: Slot): Admission {
    if (this.closing || this.#open.size >= this.config.maxClients) {
      this.stats.refusedFull++;
      this.log(
        "warn",
        `refused a connection from ${address}: ${this.#open.size} open, ` +
          `--max-clients ${this.config.maxClients}`,
      );
      return { refusal: this.fullMessage(), joined: NOTHING, release: NOTHING };
    }
    const slot = counted ?? this.addressSlot(address);
    if (typeof slot === "string") return { refusal: slot, joined: NOTHING, release: NOTHING };
    this.#open.add(c);
    let held = true;
    return {
      refusal: null,
      joined: slot.joined,
      release: () => {
        if (!held) return;
        held = false;
        if (!counted) slot.release(); // a web connection's slot is the web front's to give back
        this.#open.delete(c);
      },
    };
  }

  /**
   * A place among the connections of `address`, joining until told
   * otherwise; or why not, logged (the web front's connections take theirs
   * here too: `--max-per-ip` counts over every port).
   */
  addressSlot(address: string, what = "a connection"): Slot | string {
    const slot = this.#limits.take(address);
    if (typeof slot === "string") {
      this.stats.refusedAddress++;
      this.log("warn", `refused ${what}: ${slot}`);
    }
    return slot;
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

  /**
   * One look for dead peers (see StreamPeer.sweep); the server
   * calls it every {@linkcode SWEEP_MS}.
   */
  sweep(): void {
    const maxQuiet = Math.ceil(this.config.pingTimeoutMs / SWEEP_MS);
    for (const c of this.#open) c.sweep?.(maxQuiet);
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
