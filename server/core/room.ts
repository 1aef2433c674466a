import type { ChatMessage, ErrorCode, LeaveReason, ServerEvent } from "../../protocol/events.ts";
import { nameKey, nameProblem } from "../../protocol/names.ts";
import type { Clock } from "./clock.ts";
import { Frame, FrameRun } from "./frame.ts";
import type { History } from "./history.ts";
import type { Log, Peer } from "./peer.ts";

/** Most messages replayed for a `since` resume, by default. */
export const MAX_RESUME = 10_000;

/** A member of the room, as the room sees it. */
export interface Member {
  name: string;
  readonly peer: Peer;
}

/** Options of a {@linkcode Room}. */
export interface RoomOptions {
  history: History;
  /** Messages replayed on join. @default 50 */
  replay?: number;
  /** Most messages replayed for a `since` resume. @default 10000 */
  maxResume?: number;
  /** Most members at once. @default Infinity */
  maxMembers?: number;
  clock: Clock;
  log?: Log;
  /** Sent in the welcome. */
  version: string;
}

/** An error to send back to a client. */
export interface Refusal {
  code: ErrorCode;
  message: string;
}

interface Pending {
  from: Member;
  text: string;
  action: boolean;
  ref: string | undefined;
}

/**
 * The room: the one owner of members, sequence numbers and history. Every
 * method is synchronous, so no other task can observe the room half-changed:
 * that is the server's only lock.
 *
 * Room messages are collected for the rest of the current turn of the event
 * loop and stored as one batch before anyone sees them, so that a persistent
 * history commits many messages at once and nothing is shown or acked that
 * was not stored.
 */
export class Room {
  readonly #members = new Map<string, Member>();
  // Names kept sorted by key as members come and go: a welcome lists every
  // member, and sorting thousands of names on each join would be quadratic.
  readonly #sorted: string[] = [];
  readonly #history: History;
  readonly #replay: number;
  readonly #maxResume: number;
  readonly #maxMembers: number;
  readonly #clock: Clock;
  readonly #log: Log;
  readonly #version: string;
  #pending: Pending[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(options: RoomOptions) {
    this.#history = options.history;
    this.#replay = options.replay ?? 50;
    this.#maxResume = options.maxResume ?? MAX_RESUME;
    this.#maxMembers = options.maxMembers ?? Infinity;
    this.#clock = options.clock;
    this.#log = options.log ?? (() => {});
    this.#version = options.version;
  }

  /** How many members are in the room. */
  get size(): number {
    return this.#members.size;
  }

  /** The members' names, sorted case-insensitively. */
  names(): string[] {
    return this.#sorted.map((key) => this.#members.get(key)!.name);
  }

  #insertSorted(key: string): void {
    const a = this.#sorted;
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, key);
  }

  #removeSorted(key: string): void {
    const i = this.#sorted.indexOf(key);
    if (i >= 0) this.#sorted.splice(i, 1);
  }

  /** The member called `name` (any case), if any. */
  find(name: string): Member | undefined {
    return this.#members.get(nameKey(name));
  }

  #ts(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  /** Checks a name for joining or renaming; null when it may be used. */
  checkName(name: string, self?: Member): Refusal | null {
    const problem = nameProblem(name);
    if (problem) return { code: "bad_name", message: problem };
    const holder = this.#members.get(nameKey(name));
    if (holder && holder !== self) {
      return { code: "name_taken", message: `the name ${name} is taken, choose another` };
    }
    return null;
  }

  /**
   * Adds a member, sends it the welcome (with history, or what it missed
   * since `since`) and tells everyone else. Returns a refusal instead when
   * the name cannot be used or the room is full.
   */
  join(member: Member, since?: number): Refusal | null {
    if (this.#closed) return { code: "server_full", message: "the server is shutting down" };
    const refusal = this.checkName(member.name);
    if (refusal) return refusal;
    if (this.#members.size >= this.#maxMembers) {
      return {
        code: "server_full",
        message: `the room is full (${this.#maxMembers} members), try again later`,
      };
    }
    this.#flush();
    const history = since === undefined
      ? this.#history.recent(this.#replay)
      : this.#history.since(since, this.#maxResume);
    this.broadcast({ type: "join", ts: this.#ts(), name: member.name });
    this.#members.set(nameKey(member.name), member);
    this.#insertSorted(nameKey(member.name));
    member.peer.send(
      new Frame({
        type: "welcome",
        name: member.name,
        members: this.names(),
        history,
        server: { name: "chat", version: this.#version },
      }),
    );
    this.#log("info", `${member.name} joined (${member.peer.label})`);
    return null;
  }

  /** Removes a member and tells everyone else why. Safe to call for a non-member. */
  leave(member: Member, reason: LeaveReason): void {
    const key = nameKey(member.name);
    if (this.#members.get(key) !== member) return;
    this.#flush();
    this.#members.delete(key);
    this.#removeSorted(key);
    this.#log(reason === "slow" ? "warn" : "info", `${member.name} left (${reason})`);
    if (!this.#closed) this.broadcast({ type: "leave", ts: this.#ts(), name: member.name, reason });
  }

  /** Posts a room message; it is stored, then relayed to all and acked to its sender. */
  post(from: Member, text: string, action: boolean, ref?: string): void {
    this.#pending.push({ from, text, action, ref });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /**
   * Publishes pending messages now. Called before any direct reply, so a
   * client sees replies in the order of its requests.
   */
  settle(): void {
    if (this.#pending.length > 0) this.#flush();
  }

  /** Stores and publishes every pending message, in order. */
  #flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    const ts = this.#ts();
    let seq = this.#history.lastSeq();
    const batch: ChatMessage[] = pending.map((p) => {
      const m: ChatMessage = { type: "message", seq: ++seq, ts, from: p.from.name, text: p.text };
      if (p.action) m.action = true;
      return m;
    });
    try {
      this.#history.append(batch);
    } catch (err) {
      this.#log("error", `could not store ${batch.length} messages: ${errorText(err)}`);
      for (const p of pending) {
        p.from.peer.send(
          new Frame({
            type: "error",
            code: "server_error",
            message: "your message could not be stored and was not sent, try again",
            ref: p.ref,
          }),
        );
      }
      return;
    }
    const frames = batch.map((m) => new Frame(m));
    const acks = batch.map((m, i) => {
      const ref = pending[i].ref;
      return new Frame(
        ref === undefined ? { type: "ack", seq: m.seq } : { type: "ack", ref, seq: m.seq },
      );
    });
    // Each member gets every message of the batch in seq order, except its
    // own, where it gets the ack: one hand-over per member, not per message.
    const own = new Map<Member, number[]>();
    for (let i = 0; i < pending.length; i++) {
      const list = own.get(pending[i].from);
      if (list) list.push(i);
      else own.set(pending[i].from, [i]);
    }
    const run = new FrameRun(frames);
    for (const m of this.#members.values()) {
      const mine = own.get(m);
      if (mine) own.delete(m);
      sendRun(m.peer, run, mine, acks);
    }
    // A sender that is no longer a member still gets its acks.
    for (const [m, mine] of own) for (const i of mine) m.peer.send(acks[i]);
  }

  /** Sends a direct message; the sender gets it back as confirmation. */
  dm(from: Member, to: string, text: string, ref?: string): Refusal | null {
    const target = this.find(to);
    if (!target) {
      return { code: "no_such_user", message: `nobody called ${to} is here, /who lists who is` };
    }
    this.#flush();
    const event: ServerEvent = {
      type: "dm",
      ts: this.#ts(),
      from: from.name,
      to: target.name,
      text,
    };
    target.peer.send(new Frame(event, target.name));
    if (target !== from) {
      from.peer.send(new Frame(ref === undefined ? event : { ...event, ref }, from.name));
    }
    return null;
  }

  /** Renames a member and tells everyone, the member included. */
  rename(member: Member, name: string): Refusal | null {
    const refusal = this.checkName(name, member);
    if (refusal) return refusal;
    if (name === member.name) return null;
    this.#flush();
    const old = member.name;
    this.#members.delete(nameKey(old));
    this.#removeSorted(nameKey(old));
    member.name = name;
    this.#members.set(nameKey(name), member);
    this.#insertSorted(nameKey(name));
    this.#log("info", `${old} is now ${name}`);
    this.broadcast({ type: "nick", ts: this.#ts(), from: old, to: name });
    return null;
  }

  /** Sends an event to every member except `except`; it is encoded once per mode. */
  broadcast(event: ServerEvent, except?: Member): void {
    const frame = new Frame(event);
    for (const m of this.#members.values()) if (m !== except) m.peer.send(frame);
  }

  /** Tells everyone the server is going away and closes every member's connection. */
  shutdown(message: string): void {
    this.#flush();
    this.#closed = true;
    const frame = new Frame({ type: "shutdown", message });
    const members = [...this.#members.values()];
    this.#members.clear();
    this.#sorted.length = 0;
    for (const m of members) {
      m.peer.send(frame);
      m.peer.close();
    }
  }
}

function sendRun(peer: Peer, run: FrameRun, own: number[] | undefined, acks: Frame[]): void {
  if (peer.sendRun) return peer.sendRun(run, own, acks);
  const frames = run.frames;
  for (let i = 0, j = 0; i < frames.length; i++) {
    if (own !== undefined && own[j] === i) {
      j++;
      peer.send(acks[i]);
    } else peer.send(frames[i]);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
