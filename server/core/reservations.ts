import { Buffer } from "node:buffer";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { foldName, nameKey } from "../../protocol/names.ts";
import type { Clock } from "./clock.ts";
import type { Log } from "./peer.ts";
import { type Refusal, refuse } from "./rooms.ts";

/** One reserved name, as a store keeps it. */
export interface ReservationRecord {
  /** The name's {@linkcode nameKey}. */
  key: string;
  /** The name as it first joined. */
  name: string;
  /** {@linkcode hashKey} of its key: the key itself is never stored. */
  keyHash: string;
  /** When it was last used (joined or left), in ms since the epoch. */
  lastUsed: number;
}

/** A value now (one node's SQLite) or later (a cluster's Redis). */
export type Maybe<T> = T | Promise<T>;

/** Runs `then` on `value`: at once when it is there, after it settles when it is a promise. */
export function after<T, R>(value: Maybe<T>, then: (v: T) => R): Maybe<Awaited<R>> | R {
  return value instanceof Promise ? value.then(then) as Promise<Awaited<R>> : then(value);
}

/**
 * Where reserved names are kept: the SQLite file on one node
 * (`storage/sqlite_reservations.ts`, synchronous), Redis in a cluster
 * (`cluster/redis_reservations.ts`, asynchronous: sessions await it before
 * they join, as they await the name's lease). A store forgets a record
 * `ttlMs` after its `lastUsed`, or may return it and let the caller judge.
 */
export interface ReservationStore {
  /** The record of `key` (a name key), if there is one. */
  get(key: string): Maybe<ReservationRecord | null>;
  /** Creates a record; false when `key` is already reserved (somebody was first). */
  create(record: ReservationRecord): Maybe<boolean>;
  /** Marks `key` used now: its reservation lasts `ttlMs` from `at`. A failure is only logged. */
  touch(key: string, at: number): void;
  /** Deletes `key`'s record; true when there was one. */
  delete(key: string): Maybe<boolean>;
  /** Changes how long a record lasts after its last use (a reload of `--reserve-names`). */
  setTtl?(ttlMs: number): void;
}

/** What a member gives for a name: the key, and whether a free name should become its own. */
export interface NameClaim {
  /** The key given (`hello.key`, or the line after the plain `Key:` prompt). */
  key?: string;
  /** A free name is reserved (and a key issued): JSON mode, unless `hello.reserve` is false. */
  reserve: boolean;
}

/** Whether a member may use a name, and what follows. */
export type Verdict =
  | {
    ok: true;
    /** The name is reserved and the right key was given: it is this member's. */
    reserved: boolean;
    /** The name is free and should be reserved for the member once it joined. */
    issue: boolean;
  }
  | {
    ok: false;
    refusal: Refusal;
    /** No key was given: plain mode then asks for one. */
    keyMissing: boolean;
  };

/** Bytes of randomness in a key: 32 (256 bits), sent as 43 characters of base64url. */
export const KEY_BYTES = 32;

/** A new key: 32 random bytes, base64url. */
export function makeKey(): string {
  return randomBytes(KEY_BYTES).toString("base64url");
}

/**
 * The stored form of a key: its SHA-256, hex. A slow password hash
 * (scrypt, argon2) protects guessable secrets; these keys are 256 random
 * bits that nobody chooses, so a leaked table cannot be reversed by
 * guessing either way, and one fast hash lets a join be checked
 * synchronously on the single node without stalling the chat.
 */
export function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Whether `key` is the one whose hash is `keyHash`, compared in constant time. */
export function keyMatches(key: string, keyHash: string): boolean {
  const a = Buffer.from(hashKey(key), "hex");
  const b = Buffer.from(keyHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Options of {@linkcode Reservations}. */
export interface ReservationsOptions {
  /** Where they are kept; null: names are never reserved (`--reserve-names off`). */
  store: ReservationStore | null;
  /** How long after its last use a name stays reserved. @default 30 days */
  ttlMs?: number;
  clock: Clock;
  log?: Log;
}

/** The default of `--reserve-names`: 30 days. */
export const DEFAULT_RESERVE_MS = 30 * 86_400_000;

/**
 * Reserved names (PROTOCOL.md, "Reserved names"): a name that joined in
 * JSON mode is kept for whoever holds its key until `ttlMs` after it was
 * last used. Sessions ask {@linkcode check} before they join and
 * {@linkcode issue} a key for a free name; the same code runs whichever
 * store is behind it, at once on one node and after Redis answers in a
 * cluster.
 */
export class Reservations {
  readonly #store: ReservationStore | null;
  #ttl: number;
  readonly #clock: Clock;
  readonly #log: Log;
  /** The keys each member of this node was given or gave, by name key (for /key and renames). */
  readonly #held = new WeakMap<object, Map<string, string>>();

  constructor(options: ReservationsOptions) {
    this.#store = options.store;
    this.#ttl = options.ttlMs ?? DEFAULT_RESERVE_MS;
    this.#clock = options.clock;
    this.#log = options.log ?? (() => {});
  }

  /** A Reservations that reserves nothing (`--reserve-names off`, tests). */
  static off(clock: Clock): Reservations {
    return new Reservations({ store: null, clock });
  }

  /** Whether names are reserved at all. */
  get enabled(): boolean {
    return this.#store !== null;
  }

  /** How long after its last use a name stays reserved. */
  get ttlMs(): number {
    return this.#ttl;
  }

  /**
   * Changes how long names stay reserved (a reload); false when the store
   * cannot (names are not reserved at all, or its store keeps the old one).
   */
  setTtl(ttlMs: number): boolean {
    if (!this.#store?.setTtl) return false;
    this.#store.setTtl(ttlMs);
    this.#ttl = ttlMs;
    return true;
  }

  /** `member` holds `name` with `key` (it was issued, or the member gave it). */
  hold(member: object, name: string, key: string): void {
    let keys = this.#held.get(member);
    if (!keys) this.#held.set(member, keys = new Map());
    keys.set(nameKey(name), key);
  }

  /** The key `member` holds for `name`, if any. */
  keyOf(member: object, name: string): string | undefined {
    return this.#held.get(member)?.get(nameKey(name));
  }

  /** `member` stopped using `name` (left the server, or was renamed away from it). */
  released(member: object, name: string): void {
    if (this.keyOf(member, name) !== undefined) this.used(name);
  }

  /** `name`'s reservation is gone (freed by an operator): `member` holds no key for it any more. */
  #drop(member: object | undefined, name: string): void {
    if (member) this.#held.get(member)?.delete(nameKey(name));
  }

  #live(r: ReservationRecord | null): r is ReservationRecord {
    return r !== null && r.lastUsed + this.#ttl > this.#clock.now();
  }

  /**
   * Whether `name` may be used with `claim`: a free name may (and is to be
   * reserved when the claim asks); a reserved one only with its key.
   */
  check(name: string, claim: NameClaim): Maybe<Verdict> {
    const store = this.#store;
    if (!store) return { ok: true, reserved: false, issue: false };
    const judge = (r: ReservationRecord | null): Verdict => {
      if (!this.#live(r)) return { ok: true, reserved: false, issue: claim.reserve };
      if (foldName(r.name) !== foldName(name) && !(claim.key && keyMatches(claim.key, r.keyHash))) {
        return {
          ok: false,
          keyMissing: false,
          refusal: refuse(
            "name_taken",
            `the name ${name} looks like ${r.name}, a reserved name: choose another`,
          ),
        };
      }
      if (claim.key === undefined || claim.key === "") {
        return {
          ok: false,
          keyMissing: true,
          refusal: refuse(
            "name_taken",
            `the name ${name} is reserved: give its key to use it (chat join and the web page keep it for you), or choose another name`,
          ),
        };
      }
      if (!keyMatches(claim.key, r.keyHash)) {
        return {
          ok: false,
          keyMissing: false,
          refusal: refuse(
            "name_taken",
            `the name ${name} is reserved and that is not its key: give the key it was given, or choose another name`,
          ),
        };
      }
      return { ok: true, reserved: true, issue: false };
    };
    try {
      const r = store.get(nameKey(name));
      return r instanceof Promise ? r.then(judge, (err) => this.#unavailable(err)) : judge(r);
    } catch (err) {
      return this.#unavailable(err);
    }
  }

  #unavailable(err: unknown): Verdict {
    this.#log("warn", `cannot read reserved names: ${err instanceof Error ? err.message : err}`);
    return {
      ok: false,
      keyMissing: false,
      refusal: refuse("server_error", "the chat cannot check names right now, try again soon"),
    };
  }

  /**
   * Reserves the free `name` for the member about to join with it: returns
   * the new key (for `welcome.key`, once), or null when it was not
   * reserved (off, or another member reserved it first).
   */
  issue(name: string): Maybe<string | null> {
    const store = this.#store;
    if (!store) return null;
    const key = makeKey();
    const record: ReservationRecord = {
      key: nameKey(name),
      name,
      keyHash: hashKey(key),
      lastUsed: this.#clock.now(),
    };
    const done = (created: boolean) => {
      if (!created) return null;
      this.#log("info", `the name ${name} is reserved`);
      return key;
    };
    const failed = (err: unknown) => {
      this.#log("warn", `could not reserve ${name}: ${err instanceof Error ? err.message : err}`);
      return null;
    };
    try {
      const created = store.create(record);
      return created instanceof Promise ? created.then(done, failed) : done(created);
    } catch (err) {
      return failed(err);
    }
  }

  /** A reserved name was used (joined, left, renamed away from): it lasts `ttlMs` from now. */
  used(name: string): void {
    try {
      this.#store?.touch(nameKey(name), this.#clock.now());
    } catch (err) {
      this.#log("warn", `could not mark ${name} used: ${err instanceof Error ? err.message : err}`);
    }
  }

  /**
   * Frees a reserved name (an operator's `/unreserve`, or a join that
   * failed after its key was issued): true when it was reserved, null when
   * the store could not be written (logged). `holder`: the member of this
   * node using the name now, whose key stops working.
   */
  free(name: string, holder?: object): Maybe<boolean | null> {
    const store = this.#store;
    if (!store) return false;
    this.#drop(holder, name);
    const failed = (err: unknown) => {
      this.#log("warn", `could not free ${name}: ${err instanceof Error ? err.message : err}`);
      return null;
    };
    try {
      const done = store.delete(nameKey(name));
      return done instanceof Promise ? done.catch(failed) : done;
    } catch (err) {
      return failed(err);
    }
  }
}
