import { addressKey } from "../core/address.ts";

/** Options of {@linkcode AddressLimits}; 0 turns a limit off. */
export interface AddressLimitOptions {
  /** Most connections from one address (`--max-per-ip`). */
  perAddress: number;
  /** Most connections from one address that have not finished joining (`--max-pending-per-ip`). */
  pendingPerAddress: number;
}

/** What one address holds now. */
interface Counts {
  open: number;
  pending: number;
}

/** A connection's place in the per-address counts, given back by `release`. */
export interface Slot {
  /** The handshake is done: the connection no longer counts as joining. */
  joined(): void;
  /** The connection is gone. Safe to call twice. */
  release(): void;
}

/**
 * Counts connections per client address so that one machine cannot take the
 * whole server: at most `perAddress` connections each, of which at most
 * `pendingPerAddress` may still be joining (a slow-loris that opens
 * connections and never finishes the handshake runs out of the small budget
 * long before the server runs out of room). IPv6 addresses count per /64
 * (see {@linkcode addressKey}). Entries are removed as soon as an address
 * holds nothing, so the map never outgrows the connections open.
 */
export class AddressLimits {
  readonly #options: () => AddressLimitOptions;
  readonly #counts = new Map<string, Counts>();

  /** `options` may be a function, read at each `take` (limits that a reload changes). */
  constructor(options: AddressLimitOptions | (() => AddressLimitOptions)) {
    this.#options = typeof options === "function" ? options : () => options;
  }

  /** Addresses holding at least one connection. */
  get addresses(): number {
    return this.#counts.size;
  }

  /**
   * Takes a joining slot for a new connection from `address`; returns it,
   * or why not, as the text of a `server_full` error.
   */
  take(address: string): Slot | string {
    const key = addressKey(address);
    const c = this.#counts.get(key) ?? { open: 0, pending: 0 };
    const { perAddress, pendingPerAddress } = this.#options();
    if (perAddress > 0 && c.open >= perAddress) {
      return `too many connections from ${address} (the limit is ${perAddress} per address), ` +
        "close some and try again";
    }
    if (pendingPerAddress > 0 && c.pending >= pendingPerAddress) {
      return `too many connections from ${address} are still joining (the limit is ` +
        `${pendingPerAddress}), finish joining on those first`;
    }
    c.open++;
    c.pending++;
    this.#counts.set(key, c);
    let pending = true;
    let held = true;
    return {
      joined: () => {
        if (!pending || !held) return;
        pending = false;
        c.pending--;
      },
      release: () => {
        if (!held) return;
        held = false;
        c.open--;
        if (pending) c.pending--;
        pending = false;
        if (c.open === 0) this.#counts.delete(key);
      },
    };
  }
}
