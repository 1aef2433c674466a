import type { Ban, ModerationRecord, ModerationStore, Mute } from "../core/moderation_types.ts";
import type { Log } from "../core/peer.ts";
import { pairs } from "./presence.ts";
import type { Commands } from "./link.ts";

const BANS = "chat:bans";
const MUTES = "chat:mutes";
const LOCKED = "chat:locked";
/** The moderation log: a stream, trimmed to about this many entries. */
const LOG = "chat:modlog";
const LOG_MAX = "100000";

/**
 * Bans, mutes, locks and the moderation log in Redis, for every node of a
 * cluster: read once at start (`open`), then written as operators act (in
 * the background: a write that fails is logged). Every node also applies
 * each action as it happens (the events channel), so a ban holds on every
 * node at once; what is in Redis is what a node that starts later loads.
 */
export class RedisModerationStore implements ModerationStore {
  readonly #commands: Commands;
  readonly #log: Log;
  readonly #loaded: { bans: Ban[]; mutes: Mute[]; locked: string[] };

  private constructor(
    commands: Commands,
    log: Log,
    loaded: { bans: Ban[]; mutes: Mute[]; locked: string[] },
  ) {
    this.#commands = commands;
    this.#log = log;
    this.#loaded = loaded;
  }

  static async open(commands: Commands, log: Log): Promise<RedisModerationStore> {
    const parse = <T>(reply: unknown): T[] =>
      pairs(reply).flatMap(([, v]) => {
        try {
          return [JSON.parse(v) as T];
        } catch {
          return [];
        }
      });
    const [bans, mutes, locked] = await Promise.all([
      commands.send(["HGETALL", BANS]),
      commands.send(["HGETALL", MUTES]),
      commands.send(["SMEMBERS", LOCKED]),
    ]);
    return new RedisModerationStore(commands, log, {
      bans: parse<Ban>(bans),
      mutes: parse<Mute>(mutes),
      locked: Array.isArray(locked) ? locked.map(String) : [],
    });
  }

  #write(args: string[]): void {
    this.#commands.send(args).catch((err) => {
      this.#log("error", `could not store a moderation change in Redis: ${err?.message ?? err}`);
    });
  }

  load(): { bans: Ban[]; mutes: Mute[]; locked: string[] } {
    return this.#loaded;
  }

  saveBan(b: Ban): void {
    this.#write(["HSET", BANS, b.target, JSON.stringify(b)]);
  }

  deleteBan(target: string): void {
    this.#write(["HDEL", BANS, target]);
  }

  saveMute(m: Mute): void {
    this.#write(["HSET", MUTES, m.key, JSON.stringify(m)]);
  }

  deleteMute(key: string): void {
    this.#write(["HDEL", MUTES, key]);
  }

  setLocked(room: string, locked: boolean): void {
    this.#write([locked ? "SADD" : "SREM", LOCKED, room]);
  }

  log(r: ModerationRecord): void {
    const fields = Object.entries(r).flatMap(([k, v]) => [k, v === null ? "" : String(v)]);
    this.#write(["XADD", LOG, "MAXLEN", "~", LOG_MAX, "*", ...fields]);
  }
}

/**
 * The moderation log a cluster keeps in Redis, oldest first (for
 * `chat history --moderation --redis URL`); `send` sends one command.
 */
export async function readRedisModerationLog(
  send: (args: string[]) => Promise<unknown>,
): Promise<ModerationRecord[]> {
  const entries = await send(["XRANGE", LOG, "-", "+"]);
  if (!Array.isArray(entries)) return [];
  return entries.map(([, raw]) => {
    const f = new Map<string, string>();
    const list = Array.isArray(raw) ? raw.map(String) : [];
    for (let i = 0; i + 1 < list.length; i += 2) f.set(list[i], list[i + 1]);
    // `log` wrote null as "": read it back as null.
    const orNull = (k: string) => f.get(k) || null;
    return {
      ts: f.get("ts") ?? "",
      by: f.get("by") ?? "",
      action: (f.get("action") ?? "") as ModerationRecord["action"],
      target: f.get("target") ?? "",
      reason: f.get("reason") ?? "",
      until: orNull("until"),
      room: orNull("room"),
    };
  });
}
