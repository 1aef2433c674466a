import type { Log } from "../core/peer.ts";
import type { ReservationRecord, ReservationStore } from "../core/reservations.ts";
import { keys } from "./keys.ts";
import type { Commands } from "./link.ts";

/** Sets a reservation's lastUsed and its time to live again; nothing when it lapsed. */
const TOUCH_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local r = cjson.decode(v)
r.lastUsed = tonumber(ARGV[1])
redis.call('SET', KEYS[1], cjson.encode(r), 'PX', ARGV[2])
return 1
`;

/**
 * Reserved names in Redis, for every node of a cluster: one key per name
 * (`chat:reserved:NAMEKEY`) holding the record, with a time to live of
 * `--reserve-names` that each use sets again, so Redis itself forgets a
 * name nobody used for that long. Lookups are awaited by the session
 * before it joins (after the name's lease is held), so a name reserved on
 * node A needs its key on node B.
 */
export class RedisReservationStore implements ReservationStore {
  readonly #commands: Commands;
  #ttl: string;
  readonly #log: Log;

  constructor(commands: Commands, ttlMs: number, log: Log) {
    this.#commands = commands;
    this.#ttl = String(Math.max(1, Math.round(ttlMs)));
    this.#log = log;
  }

  /** Changes `ttlMs` (a reload of `--reserve-names`). */
  setTtl(ttlMs: number): void {
    this.#ttl = String(Math.max(1, Math.round(ttlMs)));
  }

  async get(key: string): Promise<ReservationRecord | null> {
    const reply = await this.#commands.send(["GET", keys.reserved(key)]);
    if (reply === null || reply === undefined) return null;
    try {
      const r = JSON.parse(String(reply));
      if (typeof r.keyHash !== "string" || typeof r.lastUsed !== "number") return null;
      return { key, name: String(r.name ?? key), keyHash: r.keyHash, lastUsed: r.lastUsed };
    } catch {
      this.#log("warn", `ignoring a malformed reservation in Redis: ${keys.reserved(key)}`);
      return null;
    }
  }

  async create(r: ReservationRecord): Promise<boolean> {
    const value = JSON.stringify({ name: r.name, keyHash: r.keyHash, lastUsed: r.lastUsed });
    // NX: of two nodes reserving one name at once, Redis lets one win.
    const ok = await this.#commands.send([
      "SET",
      keys.reserved(r.key),
      value,
      "NX",
      "PX",
      this.#ttl,
    ]);
    return ok !== null;
  }

  touch(key: string, at: number): void {
    this.#commands.script(TOUCH_LUA, [keys.reserved(key)], [String(at), this.#ttl]).catch(
      (err) => {
        this.#log("debug", `could not renew the reservation of ${key}: ${err?.message ?? err}`);
      },
    );
  }

  async delete(key: string): Promise<boolean> {
    return Number(await this.#commands.send(["DEL", keys.reserved(key)])) > 0;
  }
}
