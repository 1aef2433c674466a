import type { Log } from "../core/peer.ts";
import { keys } from "./keys.ts";
import type { Commands } from "./link.ts";
import type { NameLeases } from "./names.ts";
import type { Presence } from "./presence.ts";

/** Options of a {@linkcode Heartbeat}. */
export interface HeartbeatOptions {
  node: string;
  /** The epoch this node serves: Redis having another (or none) means it lost its data. */
  epoch: string;
  commands: Commands;
  presence: Presence;
  names: NameLeases;
  /** A node that has not beaten for this long is dead. @default 10000 */
  ttlMs: number;
  /** How often a node beats and looks for dead nodes. @default 3000 */
  everyMs: number;
  log: Log;
  /** This node was declared dead while alive (Redis lost its data, or it was cut off). */
  onLost: () => void;
  /** Names another node took while this one was cut off: those members must go. */
  onNamesLost: (keys: string[]) => void;
}

/**
 * A node's life in the cluster: a key with a time to live that it renews
 * (`chat:node:ID`), its name leases renewed with it, and a look at the
 * other nodes each beat. A node whose key expired is dead: the first
 * survivor to take its reap lock tells every node (`gone`), so that each
 * shows its members the dead node's members leaving, once, within about
 * `ttlMs + everyMs` of the death.
 */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
  }

  /** Registers the node; returns the nodes alive now (this one included). */
  async start(): Promise<string[]> {
    const { commands, node, ttlMs } = this.#o;
    await commands.send(["SET", keys.node(node), String(Date.now()), "PX", String(ttlMs)]);
    await commands.send(["SADD", keys.nodes, node]);
    this.#timer = setInterval(() => void this.beat(), this.#o.everyMs);
    return this.alive();
  }

  /** The nodes whose heartbeat key exists. */
  async alive(): Promise<string[]> {
    const { commands } = this.#o;
    const nodes = (await commands.send(["SMEMBERS", keys.nodes]) as string[]) ?? [];
    const up = await Promise.all(nodes.map((n) => commands.send(["EXISTS", keys.node(n)])));
    return nodes.filter((_, i) => Number(up[i]) === 1);
  }

  /** One beat: renew, then clear up after dead nodes. Errors wait for the next beat. */
  async beat(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const { log } = this.#o;
    try {
      if (!(await this.check())) {
        clearInterval(this.#timer);
        this.#o.onLost();
        return;
      }
      const lost = await this.#o.names.renew();
      if (lost.length > 0) this.#o.onNamesLost(lost);
      await this.#reap();
    } catch (err) {
      log("debug", `heartbeat failed: ${err instanceof Error ? err.message : err}`);
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Renews this node's key, then reads the epoch: false (logged) when the
   * key was gone (the cluster took this node for dead) or the epoch is not
   * this node's (Redis lost its data). Throws while Redis is away.
   */
  async check(): Promise<boolean> {
    const { commands, node, ttlMs, epoch, log } = this.#o;
    const now = await commands.send(["GET", keys.epoch]);
    if (now !== epoch) {
      log("error", `Redis lost its data: its epoch is ${now ?? "gone"}, not ${epoch}`);
      return false;
    }
    const ok = await commands.send([
      "SET",
      keys.node(node),
      String(Date.now()),
      "PX",
      String(ttlMs),
      "XX",
    ]);
    if (ok === null) {
      log("error", "this node was taken for dead by the cluster (cut off from Redis too long)");
      return false;
    }
    return true;
  }

  async #reap(): Promise<void> {
    const { commands, node, presence, log } = this.#o;
    const nodes = (await commands.send(["SMEMBERS", keys.nodes]) as string[]) ?? [];
    for (const dead of nodes) {
      if (dead === node) continue;
      if (Number(await commands.send(["EXISTS", keys.node(dead)])) === 1) continue;
      // One survivor announces; the lock outlives the announcement.
      const mine = await commands.send(["SET", keys.reap(dead), node, "NX", "PX", "60000"]);
      if (mine === null) continue;
      log("warn", `node ${dead} stopped beating: its members leave`);
      await presence.announceGone(dead, "disconnect");
      await commands.send(["DEL", keys.members(dead)]);
      await commands.send(["SREM", keys.nodes, dead]);
    }
  }

  /** Stops beating and says this node is gone (at shutdown: its members leave everywhere). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const { commands, node, presence } = this.#o;
    try {
      await presence.announceGone(node, "shutdown");
      await commands.send(["DEL", keys.node(node), keys.members(node)]);
      await commands.send(["SREM", keys.nodes, node]);
    } catch {
      // Redis is away: the others find out when this node's key expires.
    }
  }
}
