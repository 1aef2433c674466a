import { nameKey } from "../../protocol/names.ts";
import type { Log } from "../core/peer.ts";
import { type Refusal, refuse } from "../core/rooms.ts";
import { keys } from "./keys.ts";
import type { Commands } from "./link.ts";
import { UNAVAILABLE } from "./redis_ledger.ts";

/** Deletes a lease only while this node still holds it. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Names unique across the cluster: a node holds each of its members' names
 * by a lease in Redis (`SET NX` with a time to live) that it renews with its
 * heartbeat, so the names of a node that dies are free again once their
 * leases run out. Two nodes racing for one name: Redis lets exactly one win.
 */
export class NameLeases {
  readonly #node: string;
  readonly #commands: Commands;
  readonly #ttlMs: number;
  readonly #log: Log;
  /** Keys of the names this node holds. */
  readonly #held = new Set<string>();

  readonly #ready: () => boolean;

  /** `ready`: false while Redis is not known to be the cluster's (after a reconnect): claims are refused. */
  constructor(
    options: { node: string; commands: Commands; ttlMs: number; log: Log; ready?: () => boolean },
  ) {
    this.#ready = options.ready ?? (() => true);
    this.#node = options.node;
    this.#commands = options.commands;
    this.#ttlMs = options.ttlMs;
    this.#log = options.log;
  }

  /** Holds `name` for this node; a refusal when another node holds it, or Redis is away. */
  async claim(name: string): Promise<Refusal | null> {
    const key = nameKey(name);
    if (!this.#ready()) return refuse("server_error", UNAVAILABLE);
    try {
      const ok = await this.#commands.send([
        "SET",
        keys.name(key),
        this.#node,
        "NX",
        "PX",
        String(this.#ttlMs),
      ]);
      if (ok === null) return refuse("name_taken", `the name ${name} is taken, choose another`);
    } catch {
      return refuse("server_error", UNAVAILABLE);
    }
    this.#held.add(key);
    return null;
  }

  /** Lets go of a name this node held. */
  release(name: string): void {
    const key = nameKey(name);
    if (!this.#held.delete(key)) return;
    this.#commands.script(RELEASE_LUA, [keys.name(key)], [this.#node]).catch((err) => {
      // Its lease runs out by itself.
      this.#log("debug", `could not free the name ${name}: ${err?.message ?? err}`);
    });
  }

  /** Renews every lease (each heartbeat); names another node took meanwhile are returned. */
  async renew(): Promise<string[]> {
    const held = [...this.#held];
    const lost: string[] = [];
    await Promise.all(held.map(async (key) => {
      // SET XX keeps a lease ours only if it still is: GET first would race.
      const r = await this.#commands.script(RENEW_LUA, [keys.name(key)], [
        this.#node,
        String(this.#ttlMs),
      ]);
      if (Number(r) === 0) lost.push(key);
    }));
    return lost;
  }
}

/** Renews a lease this node holds, or takes it back if it expired; 0 when another node has it. */
const RENEW_LUA = `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] or not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;
