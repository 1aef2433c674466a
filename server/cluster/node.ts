import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import type { Chat } from "../core/chat.ts";
import type { Log } from "../core/peer.ts";
import { ClusterDirectory } from "./cluster_directory.ts";
import { ClusterHistory } from "./cluster_history.ts";
import { Heartbeat } from "./heartbeat.ts";
import { keys } from "./keys.ts";
import type { Commands, Subscriptions } from "./link.ts";
import { NameLeases } from "./names.ts";
import { Presence } from "./presence.ts";
import { connectRedis, durabilityWarnings, type RedisLink } from "./redis_connect.ts";
import { RedisLedger } from "./redis_ledger.ts";
import { RedisModerationStore } from "./redis_moderation.ts";
import { RedisReservationStore } from "./redis_reservations.ts";

/** A node's heartbeat and name leases live this long without a renewal. */
export const LEASE_MS = 10_000;
/** How often a node renews them and looks for dead nodes. */
export const BEAT_MS = 3_000;

/** Options of {@linkcode joinCluster}. */
export interface ClusterOptions {
  url: string;
  /** Newest messages mirrored per open room (what a `since` resume can reach). */
  keep: number;
  /** Newest messages kept per room stream (--retain's count); 0: all. */
  maxLen: number;
  log: Log;
}

/** The parts of a cluster node the Chat and the server are built with. */
export interface ClusterNode {
  readonly id: string;
  readonly history: ClusterHistory;
  readonly ledger: RedisLedger;
  readonly presence: Presence;
  readonly directory: ClusterDirectory;
  /** Bans, mutes, locks and the moderation log, in Redis. */
  readonly moderation: RedisModerationStore;
  /** Reserved names in Redis, lasting `ttlMs` after their last use. */
  reservationStore(ttlMs: number): RedisReservationStore;
  /** Whether Redis answers now (for /healthz). */
  readonly healthy: boolean;
  /** Mirrors the other nodes' members into `chat` and opens the default room; call once. */
  attach(chat: Chat, defaultRoom: string, lost: () => void): Promise<void>;
  /** Says this node is gone and closes the connections to Redis. */
  close(): Promise<void>;
}

function commandsOf(client: Redis): Commands {
  const shas = new Map<string, string>();
  return {
    send: (args) => client.call(args[0], ...args.slice(1)),
    async script(lua, keys, args) {
      let sha = shas.get(lua);
      if (!sha) shas.set(lua, sha = createHash("sha1").update(lua).digest("hex"));
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        // A restarted Redis forgot its scripts: EVAL loads it again.
        if (!String((err as Error)?.message).startsWith("NOSCRIPT")) throw err;
        return await client.eval(lua, keys.length, ...keys, ...args);
      }
    },
  };
}

function subscriptionsOf(sub: Redis): Subscriptions {
  const handlers = new Map<string, (message: string) => void>();
  sub.on("message", (channel: string, message: string) => handlers.get(channel)?.(message));
  return {
    async subscribe(channel, onMessage) {
      handlers.set(channel, onMessage);
      await sub.subscribe(channel);
    },
    async unsubscribe(channel) {
      handlers.delete(channel);
      await sub.unsubscribe(channel);
    },
  };
}

/**
 * Connects this node to the cluster's Redis (a one-line RedisStartError
 * when it cannot), reads the epoch and the rooms, and registers the node.
 */
export async function joinCluster(options: ClusterOptions): Promise<ClusterNode> {
  const { log } = options;
  const link: RedisLink = await connectRedis(options.url, { log });
  try {
    for (const w of await durabilityWarnings(link.client)) log("warn", w);
    const commands = commandsOf(link.client);
    const sub = await link.subscriber();
    const subscriptions = subscriptionsOf(sub);
    const id = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
    // The epoch names Redis's data: a Redis that lost it makes a new one.
    await commands.send(["SET", keys.epoch, crypto.randomUUID(), "NX"]);
    const epoch = String(await commands.send(["GET", keys.epoch]));
    const history = new ClusterHistory(epoch, await ClusterHistory.loadRooms(commands), {
      commands,
      cap: options.keep,
      log,
    });
    let chat: Chat | null = null;
    let lostHandler = () => {};
    let isLost = false;
    const lost = () => {
      if (isLost) return;
      isLost = true;
      lostHandler();
    };
    const ledger = new RedisLedger({
      node: id,
      epoch,
      lost,
      commands,
      subscriptions,
      maxLen: options.maxLen,
      stored: (_key, messages) => history.append(messages),
      room: (key) => chat?.room(key),
      log,
    });
    // After Redis came back, nobody is let in before it is known to be the same Redis.
    let checked = true;
    const names = new NameLeases({
      node: id,
      commands,
      ttlMs: LEASE_MS,
      log,
      ready: () => checked,
    });
    const presence = new Presence({ node: id, commands, subscriptions, names, log, history });
    await presence.subscribe();
    const directory = new ClusterDirectory({ names, ledger, history, keep: options.keep, log });
    const moderation = await RedisModerationStore.open(commands, log);
    const heartbeat = new Heartbeat({
      node: id,
      epoch,
      commands,
      presence,
      names,
      ttlMs: LEASE_MS,
      everyMs: BEAT_MS,
      log,
      onLost: lost,
      onNamesLost: (lost) => {
        for (const key of lost) {
          const m = chat?.find(key);
          if (m && !m.remote) {
            log("warn", `${m.name} lost its name to another node while this one was cut off`);
            m.peer.close();
          }
        }
      },
    });
    const alive = await heartbeat.start();
    link.addEventListener("down", () => checked = false);
    link.addEventListener("up", async () => {
      // A Redis that came back empty must not be taken for the old one, even
      // until the next beat: is this node's key there, and its epoch?
      for (let tries = 0; !checked && !isLost && link.up; tries++) {
        try {
          if (await heartbeat.check()) checked = true;
          else return lost();
        } catch (err) {
          log("debug", `epoch check failed: ${err instanceof Error ? err.message : err}`);
          await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** tries, 1000)));
        }
      }
    });
    let first = true;
    sub.on("ready", () => {
      if (first) return void (first = false);
      // The subscription was lost for a while: what was published meanwhile is read back.
      log("info", "Redis subscription back: catching up");
      ledger.catchUp();
      heartbeat.alive().then((nodes) => presence.resync(nodes)).catch(() => {});
    });
    first = sub.status !== "ready";
    // A Redis that stops answering but keeps the socket is noticed only on a
    // write: the subscriber writes now and then, so it is dropped and redialled.
    const pinger = setInterval(() => sub.ping().catch(() => {}), BEAT_MS);
    Deno.unrefTimer(pinger);
    return {
      id,
      history,
      ledger,
      presence,
      directory,
      moderation,
      reservationStore: (ttlMs) => new RedisReservationStore(commands, ttlMs, log),
      get healthy() {
        return link.up && checked;
      },
      async attach(c, defaultRoom, lost) {
        chat = c;
        lostHandler = lost;
        c.moderation.share = (action) => presence.moderated(action);
        c.moderation.shareOperator = (member) => presence.operator(member);
        await presence.attach(c, alive);
        const refusal = await directory.open([defaultRoom]);
        if (refusal) throw new Error(refusal.message);
        log("info", `cluster node ${id}: ${alive.length} node(s) up, epoch ${epoch}`);
      },
      async close() {
        clearInterval(pinger);
        await heartbeat.stop();
        ledger.close();
        await link.close();
      },
    };
  } catch (err) {
    await link.close();
    throw err;
  }
}
