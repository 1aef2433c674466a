import type { LeaveReason, ServerEvent } from "../../protocol/events.ts";
import { nameKey } from "../../protocol/names.ts";
import type { Chat } from "../core/chat.ts";
import { Frame } from "../core/frame.ts";
import type { ChatObserver } from "../core/observer.ts";
import type { ModerationAction } from "../core/moderation.ts";
import type { Log } from "../core/peer.ts";
import type { Member, Room } from "../core/room.ts";
import { type Refusal, refuse } from "../core/rooms.ts";
import { keys } from "./keys.ts";
import type { Commands, Subscriptions } from "./link.ts";
import type { NameLeases } from "./names.ts";
import type { ClusterHistory } from "./cluster_history.ts";
import { UNAVAILABLE } from "./redis_ledger.ts";
import { RemoteMember } from "./remote_member.ts";

/** What one node tells the others about its members (channel `chat:events`). */
type ClusterEvent =
  | { kind: "join"; node: string; name: string; rooms: string[]; address?: string; op?: true }
  | { kind: "enter" | "part"; node: string; name: string; room: string }
  | { kind: "leave"; node: string; name: string; reason: LeaveReason }
  | { kind: "nick"; node: string; from: string; to: string }
  | { kind: "topic"; node: string; name: string; room: string; text: string }
  | { kind: "room"; node: string; room: string }
  | { kind: "gone"; node: string; dead: string; reason: LeaveReason }
  | { kind: "mod"; node: string; action: ModerationAction }
  | { kind: "op"; node: string; name: string }
  | { kind: "revised"; node: string; event: Revised };

/** An edit or deletion, as the room's members are told. */
type Revised = Extract<ServerEvent, { type: "edit" | "delete" }>;

/** A node's member as the members hash keeps it. */
interface Record {
  name: string;
  rooms: string[];
  address?: string;
  op?: true;
}

/**
 * Who is on the other nodes, mirrored into this node's Chat as stand-ins
 * ({@linkcode RemoteMember}), and what this node's members do, told to the
 * others: one `chat:events` channel carries joins, room entries and parts,
 * leaves, renames, topics and new rooms; each node also keeps its members
 * in a hash (`chat:members:NODE`), which a node that starts, or that lost
 * the channel for a while, reads to catch up. Events from one node arrive
 * in the order it sent them (one connection, one channel).
 */
export class Presence implements ChatObserver {
  readonly #node: string;
  readonly #commands: Commands;
  readonly #subs: Subscriptions;
  readonly #log: Log;
  readonly #names: NameLeases;
  readonly #history: ClusterHistory | undefined;
  #chat: Chat | null = null;
  /** Other nodes' members: `node \0 nameKey` → stand-in. */
  readonly #remote = new Map<string, RemoteMember>();
  /** Events that came before the first snapshot was applied. */
  #early: ClusterEvent[] | null = [];

  constructor(
    options: {
      node: string;
      commands: Commands;
      subscriptions: Subscriptions;
      names: NameLeases;
      log: Log;
      /** Told of other nodes' edits and deletions, for its mirror. */
      history?: ClusterHistory;
    },
  ) {
    this.#node = options.node;
    this.#history = options.history;
    this.#names = options.names;
    this.#commands = options.commands;
    this.#subs = options.subscriptions;
    this.#log = options.log;
  }

  /** Subscribes to the events and this node's inbox; then `attach` the Chat. */
  async subscribe(): Promise<void> {
    await this.#subs.subscribe(keys.events, (m) => this.#onEvent(m));
    await this.#subs.subscribe(keys.inbox(this.#node), (m) => this.#onInbox(m));
  }

  /** Mirrors the live nodes' members into `chat`, then applies events as they come. */
  async attach(chat: Chat, alive: readonly string[]): Promise<void> {
    this.#chat = chat;
    await this.resync(alive);
    const early = this.#early ?? [];
    this.#early = null;
    for (const e of early) this.#apply(e);
  }

  /** How many stand-ins (other nodes' members) are mirrored here. */
  get remoteCount(): number {
    return this.#remote.size;
  }

  /**
   * Makes the stand-ins match the members hashes of the `alive` nodes:
   * at start, and after the events channel was lost for a while.
   */
  async resync(alive: readonly string[]): Promise<void> {
    const chat = this.#chat!;
    const want = new Map<string, { node: string; r: Record }>();
    for (const node of alive) {
      if (node === this.#node) continue;
      const flat = await this.#commands.send(["HGETALL", keys.members(node)]);
      for (const [, value] of pairs(flat)) {
        try {
          const r = JSON.parse(value) as Record;
          want.set(`${node}\0${nameKey(r.name)}`, { node, r });
        } catch { /* not ours */ }
      }
    }
    for (const [k, m] of this.#remote) {
      if (!want.has(k)) {
        this.#remote.delete(k);
        chat.leave(m, "disconnect");
      }
    }
    for (const [k, { node, r }] of want) {
      const m = this.#remote.get(k);
      if (!m) {
        this.#apply({
          kind: "join",
          node,
          name: r.name,
          rooms: r.rooms,
          address: r.address,
          op: r.op,
        });
        continue;
      }
      const rooms = new Set(r.rooms.map(nameKey));
      for (const room of [...m.rooms]) if (!rooms.has(room.key)) chat.part(m, room.name);
      for (const room of r.rooms) this.#apply({ kind: "enter", node, name: r.name, room });
    }
  }

  #publish(e: ClusterEvent): void {
    this.#commands.send(["PUBLISH", keys.events, JSON.stringify(e)]).catch((err) => {
      this.#log("warn", `could not tell the other nodes (${e.kind}): ${err?.message ?? err}`);
    });
  }

  #record(m: Member): void {
    const r: Record = { name: m.name, rooms: [...m.rooms].map((room) => room.name) };
    if (m.peer.address) r.address = m.peer.address;
    if (m.operator) r.op = true;
    this.#commands.send(["HSET", keys.members(this.#node), nameKey(m.name), JSON.stringify(r)])
      .catch(() => {});
  }

  #forget(name: string): void {
    this.#commands.send(["HDEL", keys.members(this.#node), nameKey(name)]).catch(() => {});
  }

  // ---- what this node's members do (ChatObserver) ----

  joined(m: Member, rooms: readonly Room[]): void {
    this.#record(m);
    this.#publish({
      kind: "join",
      node: this.#node,
      name: m.name,
      rooms: rooms.map((r) => r.name),
      address: m.peer.address,
    });
  }

  operator(m: Member): void {
    this.#record(m);
    this.#publish({ kind: "op", node: this.#node, name: m.name });
  }

  /** An operator of this node acted: every other node applies it too. */
  moderated(action: ModerationAction): void {
    this.#publish({ kind: "mod", node: this.#node, action });
  }

  entered(m: Member, room: Room): void {
    this.#record(m);
    this.#publish({ kind: "enter", node: this.#node, name: m.name, room: room.name });
  }

  parted(m: Member, room: Room): void {
    this.#record(m);
    this.#publish({ kind: "part", node: this.#node, name: m.name, room: room.name });
  }

  left(m: Member, reason: LeaveReason): void {
    this.#forget(m.name);
    this.#names.release(m.name);
    this.#publish({ kind: "leave", node: this.#node, name: m.name, reason });
  }

  renamed(m: Member, old: string): void {
    this.#forget(old);
    this.#names.release(old);
    this.#record(m);
    this.#publish({ kind: "nick", node: this.#node, from: old, to: m.name });
  }

  topicSet(m: Member, room: Room, text: string): void {
    this.#publish({ kind: "topic", node: this.#node, name: m.name, room: room.name, text });
  }

  roomCreated(room: Room): void {
    this.#publish({ kind: "room", node: this.#node, room: room.name });
  }

  revised(_m: Member, _room: Room, event: Revised): void {
    this.#publish({ kind: "revised", node: this.#node, event });
  }

  // ---- what other nodes' members do ----

  #onEvent(json: string): void {
    let e: ClusterEvent;
    try {
      e = JSON.parse(json);
    } catch {
      return;
    }
    if (e.node === this.#node && e.kind !== "gone") return;
    if (this.#early) this.#early.push(e);
    else this.#apply(e);
  }

  #apply(e: ClusterEvent): void {
    const chat = this.#chat!;
    const get = (name: string) => this.#remote.get(`${e.node}\0${nameKey(name)}`);
    switch (e.kind) {
      case "join": {
        if (get(e.name)) return;
        const m = new RemoteMember(
          e.name,
          e.node,
          (to, frame) => this.#sendDm(to, frame),
          e.address ?? "",
        );
        if (e.op) m.operator = true;
        for (const room of e.rooms) chat.learnRoom(room);
        const refusal = chat.join(m, { rooms: e.rooms });
        if (refusal) {
          this.#log("warn", `node ${e.node}'s member ${e.name} not mirrored: ${refusal.message}`);
          return;
        }
        this.#remote.set(`${e.node}\0${nameKey(e.name)}`, m);
        return;
      }
      case "enter": {
        const m = get(e.name);
        if (!m || [...m.rooms].some((r) => r.key === nameKey(e.room))) return;
        chat.learnRoom(e.room);
        chat.enter(m, e.room);
        return;
      }
      case "part": {
        const m = get(e.name);
        if (m) chat.part(m, e.room);
        return;
      }
      case "leave": {
        const m = get(e.name);
        if (!m) return;
        this.#remote.delete(`${e.node}\0${nameKey(e.name)}`);
        chat.leave(m, e.reason);
        return;
      }
      case "nick": {
        const m = get(e.from);
        if (!m) return;
        this.#remote.delete(`${e.node}\0${nameKey(e.from)}`);
        chat.rename(m, e.to);
        this.#remote.set(`${e.node}\0${nameKey(m.name)}`, m);
        return;
      }
      case "topic": {
        const room = chat.learnRoom(e.room);
        const m = get(e.name);
        if (m && m.rooms.has(room)) chat.setTopic(m, room, e.text);
        else room.topic = e.text;
        return;
      }
      case "room":
        chat.learnRoom(e.room);
        return;
      case "gone":
        return this.dropNode(e.dead, e.reason);
      case "mod":
        chat.moderation.apply(e.action);
        return;
      case "op": {
        const m = get(e.name);
        if (m) chat.moderation.operatorElsewhere(m);
        return;
      }
      case "revised": {
        const ev = e.event;
        this.#history?.applied(
          ev.room,
          ev.seq,
          ev.type === "edit"
            ? { kind: "edit", text: ev.text, ts: ev.ts }
            : { kind: "delete", ts: ev.ts, by: ev.by },
        );
        const room = chat.room(ev.room);
        if (room) chat.revised(room, ev);
        return;
      }
    }
  }

  /** Every stand-in of `node` leaves (it died or shut down), each room told once. */
  dropNode(node: string, reason: LeaveReason): void {
    const chat = this.#chat;
    if (!chat || node === this.#node) return;
    let n = 0;
    for (const [k, m] of this.#remote) {
      if (m.node !== node) continue;
      this.#remote.delete(k);
      chat.leave(m, reason);
      n++;
    }
    if (n > 0) this.#log("info", `node ${node} is gone: ${n} of its members left (${reason})`);
  }

  /** Tells every node that `dead` is gone (by the node that reaped it, or at shutdown). */
  announceGone(dead: string, reason: LeaveReason): Promise<unknown> {
    const e: ClusterEvent = { kind: "gone", node: this.#node, dead, reason };
    return this.#commands.send(["PUBLISH", keys.events, JSON.stringify(e)]);
  }

  // ---- DMs across nodes ----

  /** Publishes the DM to its member's node; a refusal when Redis or that node is away. */
  async #sendDm(to: RemoteMember, frame: Frame): Promise<Refusal | null> {
    const body = JSON.stringify({ to: to.name, event: frame.event });
    try {
      const heard = await this.#commands.send(["PUBLISH", keys.inbox(to.node), body]);
      if (Number(heard) > 0) return null;
      // Nobody listens on its inbox: its node died and is not reaped yet.
      return refuse("server_error", `${to.name}'s server is not answering, try again in a moment`);
    } catch (err) {
      this.#log(
        "warn",
        `a DM to ${to.name} on node ${to.node} failed: ${err instanceof Error ? err.message : err}`,
      );
      return refuse("server_error", UNAVAILABLE);
    }
  }

  #onInbox(json: string): void {
    let dm: { to: string; event: ServerEvent };
    try {
      dm = JSON.parse(json);
    } catch {
      return;
    }
    const m = this.#chat?.find(dm.to);
    if (m && !m.remote && dm.event?.type === "dm") m.peer.send(new Frame(dm.event, m.name));
  }
}

/** HGETALL's reply, as a flat array or an object, as pairs. */
export function pairs(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      out.push([String(reply[i]), String(reply[i + 1])]);
    }
    return out;
  }
  if (reply && typeof reply === "object") {
    return Object.entries(reply as { [k: string]: unknown }).map(([k, v]) => [k, String(v)]);
  }
  return [];
}
