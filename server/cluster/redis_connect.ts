// Connecting to the Redis of `chat serve --redis URL`, checking it, keeping it connected.
//
// Why ioredis 6: it and node-redis (`redis` 6.3, 5.12) were tried under Deno 2.9 against
// redis-server 7.0. Both do SCRIPT LOAD + EVALSHA, XADD with an explicit id, XRANGE, SUBSCRIBE
// on a duplicate, reconnect and resubscribe by themselves after CLIENT KILL and after kill -9 and
// a restart, pass Deno's sanitizers, and with the offline queue off reject a command issued while
// down in under a millisecond (maxRetriesPerRequest 0 also rejects what was in flight instead of
// sending it again, maybe twice). They differ on a Redis that keeps the socket but stops answering
// (SIGSTOP, a partition): ioredis's commandTimeout also covers commands already written, and its
// socketTimeout is armed by a write and cleared by data, so a dead peer is redialled and an idle
// healthy one is left alone. node-redis's command timeout ends once a command is on the wire (a PING
// to a stopped Redis hung for good) and its socketTimeout drops idle healthy sockets. ioredis also
// waits out `loading:1` while a restarted Redis reads its AOF. Under Deno: use `import { Redis }`
// (the default export does not type-check); a failed connect() says only "Connection is closed."
// (the reason is the last "error" event); a silent server is only noticed by socketTimeout, hence
// a timer of our own; a duplicate whose connect() failed retries forever unless disconnect()ed.
import { Redis } from "ioredis";
import type { Log } from "../core/peer.ts";

export type { Redis };

/** The parts of a `--redis` URL. */
export interface RedisUrl {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** `rediss://` */
  tls: boolean;
  /** The URL with the password as `***`, for messages and logs. */
  masked: string;
}

const SHAPE = "must look like redis://HOST:PORT";

/**
 * Reads `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` or `rediss://…` (TLS); the
 * port defaults to 6379 and the database to 0. Anything else throws a
 * TypeError with one line saying what to write, the password masked.
 *
 * @example
 * ```ts
 * parseRedisUrl("redis://:s3cret@10.0.0.5:6379/2").masked; // "redis://:***@10.0.0.5:6379/2"
 * ```
 */
export function parseRedisUrl(raw: string): RedisUrl {
  const bad = (what: string) =>
    new TypeError(`--redis ${what} (got ${raw.replace(/(\/\/[^/@:]*:).*@/, "$1***@")})`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw bad(SHAPE);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw bad(SHAPE);
  if (u.hostname === "") throw bad(`${SHAPE}, with a host`);
  if (u.search !== "" || u.hash !== "") {
    throw bad("takes no ?query or #fragment: write redis://[:PASSWORD@]HOST:PORT[/DB]");
  }
  const db = u.pathname.replace(/^\//, "");
  if (!/^\d{0,5}$/.test(db)) throw bad("database must be a number, as in redis://HOST:PORT/0");
  const decode = (part: string) => {
    try {
      return part === "" ? undefined : decodeURIComponent(part);
    } catch {
      throw bad("has a broken %-escape in its user or password");
    }
  };
  const username = decode(u.username), password = decode(u.password);
  const port = u.port === "" ? 6379 : Number(u.port);
  const auth = username === undefined && password === undefined
    ? ""
    : `${u.username}${password === undefined ? "" : ":***"}@`;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    username,
    password,
    db: Number(db),
    tls: u.protocol === "rediss:",
    masked: `${u.protocol}//${auth}${u.hostname}:${port}${db === "" ? "" : `/${db}`}`,
  };
}

/** Redis could not be used at start: a one-line message naming the URL and what to do. */
export class RedisStartError extends Error {
  override name = "RedisStartError";
}

/** Options of {@linkcode connectRedis}. */
export interface ConnectRedisOptions {
  log: Log;
  /** How long the first connection may take, a silent server included. @default 5000 */
  connectTimeoutMs?: number;
  /** How long a command waits for its reply (a Redis that stopped answering). @default 2000 */
  commandTimeoutMs?: number;
  /** PEM certificate(s) to trust for `rediss://`, instead of the system's. @default none */
  tlsCa?: string;
}

/**
 * A checked connection to Redis. It dispatches `down` (once, when Redis goes
 * away) and `up` (when it is back); it reconnects by itself in between.
 */
export interface RedisLink extends EventTarget {
  /**
   * The command connection. While `up` is false its commands reject at once;
   * a reply that does not come rejects after `commandTimeoutMs`. Blocking
   * commands (XREAD BLOCK) need a connection of their own.
   */
  readonly client: Redis;
  /** The URL, password masked. */
  readonly url: string;
  /** False from a `down` until the next `up`. */
  readonly up: boolean;
  /**
   * A new connection for SUBSCRIBE, connected. It resubscribes by itself
   * after a reconnect (messages published meanwhile are not replayed);
   * `close()` closes it too.
   */
  subscriber(): Promise<Redis>;
  /** Closes every connection of the link; safe to call twice. */
  close(): Promise<void>;
}

class TimedOut extends Error {}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut()), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Quits politely when that can work, else drops the socket (and any reconnect timer). */
async function shut(c: Redis): Promise<void> {
  if (c.status === "ready") {
    try {
      await c.quit();
      return;
    } catch { /* fall through */ }
  }
  c.disconnect();
}

/** What went wrong at start, as one line for the person who ran chat. */
function explain(url: string, err: Error | undefined, reached: boolean, ms: number): string {
  const msg = err?.message ?? "", text = `${(err as { code?: string })?.code ?? ""} ${msg}`;
  const rules: [RegExp, string][] = [
    [/NOAUTH/, `Redis at ${url} needs a password: put it in the URL, redis://:PASSWORD@HOST:PORT`],
    [
      /WRONGPASS|invalid password/,
      `Redis at ${url} refused the password: check the user and password in the URL`,
    ],
    [/DENIED/, `Redis at ${url} refused the connection: ${msg.split(". ")[0]}`],
    [/ECONNREFUSED/, `cannot reach Redis at ${url}: connection refused; is redis-server running?`],
    [/ENOTFOUND|EAI_AGAIN/, `cannot reach Redis at ${url}: no such host; check the host name`],
    [/CERT|certificate|SSL|TLS/i, `cannot check the TLS certificate of Redis at ${url}: ${msg}`],
  ];
  const rule = rules.find(([pattern]) => pattern.test(text));
  if (rule !== undefined) return rule[1];
  const late = err === undefined || err instanceof TimedOut;
  if (!reached) {
    const why = late ? `no answer in ${ms / 1000}s` : msg;
    return `cannot reach Redis at ${url}: ${why}; check the host, port and firewall`;
  }
  // An error reply ("ERR …", "NOPERM …") is a Redis that refused part of the handshake.
  if (/^[A-Z]+ /.test(msg)) return `Redis at ${url} refused the handshake: ${msg}`;
  const within = late ? ` within ${ms / 1000}s` : "";
  return `${url} did not answer like a Redis server${within}; is that the Redis port?`;
}

/** Refuses a Redis older than 7.0 when INFO says so (INFO may be renamed away: then nothing). */
async function checkVersion(client: Redis, url: string): Promise<void> {
  const info = await client.info("server").catch(() => "");
  const v = /redis_version:(\d+)\.(\d+)\S*/.exec(info);
  if (v !== null && Number(v[1]) < 7) {
    throw new RedisStartError(
      `Redis at ${url} is version ${v[0].slice(14)}; chat needs Redis 7.0 or newer`,
    );
  }
}

class Link extends EventTarget implements RedisLink {
  #up = true;
  #closing: Promise<void> | undefined;
  #subs = new Set<Redis>();

  constructor(
    readonly client: Redis,
    readonly url: string,
    readonly timeoutMs: number,
    readonly log: Log,
  ) {
    super();
    // "close" comes after every failed attempt too; only the transitions count.
    client.on("close", () => this.#flip(false));
    client.on("ready", () => this.#flip(true));
  }

  #flip(up: boolean): void {
    if (this.#up === up || this.#closing) return;
    this.#up = up;
    const says = up ? "is back" : "went away; reconnecting, refusing messages meanwhile";
    this.log(up ? "info" : "warn", `Redis at ${this.url} ${says}`);
    this.dispatchEvent(new Event(up ? "up" : "down"));
  }

  get up(): boolean {
    return this.#up;
  }

  async subscriber(): Promise<Redis> {
    if (this.#closing) throw new Error(`Cannot subscribe: the link to ${this.url} is closed`);
    const sub = this.client.duplicate();
    let last: Error | undefined;
    sub.on("error", (err: Error) => {
      last = err;
      this.log("debug", `redis subscriber: ${err.message}`);
    });
    this.#subs.add(sub);
    sub.once("end", () => this.#subs.delete(sub)); // closed by its owner
    const connecting = sub.connect();
    connecting.catch(() => {}); // the race below reports it
    try {
      await within(connecting, this.timeoutMs);
      return sub;
    } catch (err) {
      this.#subs.delete(sub);
      sub.disconnect();
      const why = err instanceof TimedOut ? "no answer" : last?.message ?? String(err);
      throw new Error(`Cannot subscribe to Redis at ${this.url}: ${why}`);
    }
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all([...this.#subs, this.client].map(shut)).then(() => {});
    return this.#closing;
  }
}

/**
 * Connects to Redis and checks it: at start, any failure within
 * `connectTimeoutMs` is a {@linkcode RedisStartError}. Afterwards nothing is
 * thrown: drops are logged (one warn, one info when back), reconnects back
 * off from 100 ms to 2 s, and `down`/`up` events tell the rest of the server.
 *
 * @example
 * ```ts
 * const link = await connectRedis("redis://127.0.0.1:6379", { log });
 * link.addEventListener("down", () => healthy = false);
 * await link.client.xadd("room:lobby", "*", "text", "hi");
 * ```
 */
export async function connectRedis(url: string, opts: ConnectRedisOptions): Promise<RedisLink> {
  let where: RedisUrl;
  try {
    where = parseRedisUrl(url);
  } catch (err) {
    throw new RedisStartError((err as Error).message);
  }
  const timeoutMs = opts.connectTimeoutMs ?? 5000;
  const commandTimeout = opts.commandTimeoutMs ?? 2000;
  let started = false, reached = false;
  let last: Error | undefined;
  const client = new Redis({
    host: where.host,
    port: where.port,
    username: where.username,
    password: where.password,
    db: where.db,
    tls: where.tls ? { ca: opts.tlsCa } : undefined,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout,
    // After commandTimeout has rejected what waits, the silent socket is dropped and redialled.
    socketTimeout: commandTimeout + 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // At start one failure is final (the error says why); later, back off to 2 s and keep trying.
    retryStrategy: (times: number) => started ? Math.min(50 * 2 ** times, 2000) : null,
  });
  client.on("error", (err: Error) => {
    last = err;
    if (started) opts.log("debug", `redis: ${err.message}`);
  });
  client.on("connect", () => reached = true);
  try {
    const connecting = client.connect();
    connecting.catch(() => {}); // the race below reports it
    await within(connecting.then(() => checkVersion(client, where.masked)), timeoutMs);
  } catch (err) {
    client.disconnect();
    if (err instanceof RedisStartError) throw err;
    throw new RedisStartError(
      explain(where.masked, err instanceof TimedOut ? err : last, reached, timeoutMs),
    );
  }
  started = true;
  return new Link(client, where.masked, timeoutMs, opts.log);
}

/** The value of one CONFIG GET parameter, from a RESP2 list or a RESP3 map. */
function configValue(reply: unknown, name: string): string | undefined {
  if (Array.isArray(reply)) return reply[1] === undefined ? undefined : String(reply[1]);
  const value = (reply as Record<string, unknown> | null)?.[name];
  return value === undefined ? undefined : String(value);
}

/**
 * Lines to log at start when Redis can lose messages it acknowledged:
 * appendonly off, or appendfsync other than `always`. CONFIG may be renamed
 * away; then INFO persistence tells appendonly, and if nothing can be read
 * that is one warning too.
 */
export async function durabilityWarnings(client: Redis): Promise<string[]> {
  const get = (name: string) =>
    client.config("GET", name).then((r) => configValue(r, name), () => undefined);
  const fsync = await get("appendfsync");
  const aof = await get("appendonly") ??
    await client.info("persistence").then((i) => /aof_enabled:(\d)/.exec(i)?.[1], () => undefined);
  const set = "set appendonly yes and appendfsync always";
  const loss = fsync === "everysec" ? "up to a second" : "up to ~30 seconds";
  const warning = aof === undefined
    ? `could not check whether Redis keeps acknowledged messages (CONFIG and INFO refused): ${set}`
    : aof !== "yes" && aof !== "1"
    ? `Redis runs with appendonly no: acknowledged messages are lost when Redis restarts; ${set}`
    : fsync === undefined
    ? "could not read Redis's appendfsync (CONFIG refused): set appendfsync always, or a crash of the Redis machine can lose acknowledged messages"
    : fsync === "always"
    ? undefined
    : `Redis runs with appendfsync ${fsync}: a crash of the Redis machine can lose ${loss} of acknowledged messages; set appendfsync always`;
  return warning === undefined ? [] : [warning];
}
