import type { LeaveReason, RoomSummary, ServerEvent } from "../../protocol/events.ts";
import { foldName, nameKey, nameProblem } from "../../protocol/names.ts";
import type { Clock } from "./clock.ts";
import { Frame } from "./frame.ts";
import { PresenceBatches } from "./presence_batches.ts";
import type { History } from "./history.ts";
import type { Ledger } from "./ledger.ts";
import { LocalLedger } from "./local_ledger.ts";
import type { ChatObserver } from "./observer.ts";
import { Moderation, type ModerationOptions } from "./moderation.ts";
import type { Log } from "./peer.ts";
import { Relay } from "./relay.ts";
import { type Member, Room } from "./room.ts";
import { type Refusal, refuse, Rooms } from "./rooms.ts";
import { NO_STORE } from "./moderation_types.ts";
import { PasswordGate } from "./password_gate.ts";
import { type JoinRequest, roomEvent, sinceFor, welcomeEvent } from "./join_request.ts";
import { Reservations } from "./reservations.ts";
import { type FileSharing, NO_FILES } from "./files.ts";
import type { FileInfo } from "../../protocol/events.ts";

export type { Refusal };

/** Most messages replayed for a `since` resume, by default. */
export const MAX_RESUME = 10_000;
/** The longest topic, in characters. */
export const MAX_TOPIC = 300;
/** How long an author may edit a message, by default. */
export const DEFAULT_EDIT_WINDOW_MS = 24 * 3_600_000;

/** Options of a {@linkcode Chat}. */
export interface ChatOptions {
  history: History;
  /** Where messages get their seqs. @default a LocalLedger on `history` */
  ledger?: Ledger;
  /** Told what this node's members do (a cluster). */
  observer?: ChatObserver;
  /** Bans, mutes and locks, and the operator password. @default nothing kept, no operators */
  moderation?: Omit<ModerationOptions, "clock" | "log">;
  /** Reserved names (`--reserve-names`). @default none reserved */
  reservations?: Reservations;
  /** File sharing (the web side's). @default off */
  files?: FileSharing;
  /** The room everyone is placed in unless a hello names others. @default "lobby" */
  defaultRoom?: string;
  /** Most rooms that may exist. @default 1000 */
  maxRooms?: number;
  /** Messages replayed on entering a room. @default 50 */
  replay?: number;
  /** Most messages replayed for a `since` resume. @default 10000 */
  maxResume?: number;
  /** Most members at once. @default Infinity */
  maxMembers?: number;
  /** How long an author may edit a message (`--edit-window`); 0: never. @default 24h */
  editWindowMs?: number;
  clock: Clock;
  log?: Log;
  /** Sent in the welcome. */
  version: string;
}

export type { JoinRequest };

/** What {@linkcode Chat.configure} may change. */
export interface ChatLimits {
  /** Messages replayed on entering a room. */
  replay?: number;
  /** Most members at once. */
  maxMembers?: number;
  /** Most rooms that may exist. */
  maxRooms?: number;
  /** How long an author may edit a message; 0: never. */
  editWindowMs?: number;
}

/**
 * The server's one owner of members and rooms. Every method is synchronous,
 * so no other task can observe it half-changed: that is the server's only
 * lock. Room messages go through the {@linkcode Relay}, which stores a
 * turn's messages as one batch; everything else that a member sees is
 * sent after the relay has published what is pending, so every member sees
 * one order.
 */
export class Chat {
  readonly defaultRoom: Room;
  readonly #members = new Map<string, Member>();
  readonly #rooms: Rooms;
  readonly #history: History;
  readonly #relay: Relay;
  #replay: number;
  readonly #maxResume: number;
  #maxMembers: number;
  /** How long an author may edit a message (`--edit-window`); 0: never. */
  editWindowMs: number;
  readonly #clock: Clock;
  readonly #log: Log;
  readonly #version: string;
  readonly #observer: ChatObserver | undefined;
  /** Members of this node (the rest are stand-ins of other nodes'). */
  #local = 0;
  /** Operators, bans, mutes, locks. */
  readonly moderation: Moderation;
  /** Big rooms' joins and leaves not announced yet. */
  readonly #presence = new PresenceBatches((room, event) => this.#broadcast(room, event));
  /** Reserved names: sessions check them before they join. */
  readonly reservations: Reservations;
  /** Where uploads are granted; set once at start (the web side makes it after the Chat). */
  files: FileSharing;
  #closed = false;

  constructor(options: ChatOptions) {
    this.#history = options.history;
    this.#clock = options.clock;
    this.#log = options.log ?? (() => {});
    this.#relay = new Relay(
      options.ledger ?? new LocalLedger(options.history, this.#log),
      options.clock,
      (room) => this.#presence.flush(room),
    );
    this.#observer = options.observer;
    this.#replay = options.replay ?? 50;
    this.#maxResume = options.maxResume ?? MAX_RESUME;
    this.#maxMembers = options.maxMembers ?? Infinity;
    this.editWindowMs = options.editWindowMs ?? DEFAULT_EDIT_WINDOW_MS;
    this.#version = options.version;
    this.#rooms = new Rooms(this.#history, options.maxRooms ?? 1000, this.#log, (room) => {
      this.#observer?.roomCreated(room);
    });
    this.defaultRoom = this.#rooms.ensure(options.defaultRoom ?? "lobby");
    this.reservations = options.reservations ?? Reservations.off(options.clock);
    this.files = options.files ?? NO_FILES;
    this.moderation = new Moderation(this, {
      store: options.moderation?.store ?? NO_STORE,
      gate: options.moderation?.gate ?? PasswordGate.none(options.clock),
      share: options.moderation?.share,
      clock: options.clock,
      log: this.#log,
    });
  }

  /**
   * Changes the limits a reload may change: they hold for what happens from
   * now on (nobody is dropped when a limit goes below what exists).
   */
  configure(limits: ChatLimits): void {
    if (limits.replay !== undefined) this.#replay = limits.replay;
    if (limits.maxMembers !== undefined) this.#maxMembers = limits.maxMembers;
    if (limits.maxRooms !== undefined) this.#rooms.max = limits.maxRooms;
    if (limits.editWindowMs !== undefined) this.editWindowMs = limits.editWindowMs;
  }

  /** How many members this node holds (stand-ins of other nodes' not counted). */
  get size(): number {
    return this.#local;
  }

  /** Every member, this node's and (in a cluster) the others'. */
  members(): IterableIterator<Member> {
    return this.#members.values();
  }

  /** How many rooms exist. */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /** The epoch of the history. */
  get epoch(): string {
    return this.#history.epoch;
  }

  /** Where messages are kept: older pages, search, and the store of edits (see revisions.ts). */
  get history(): History {
    return this.#history;
  }

  /** Logs a line of the server's log. */
  log(level: Parameters<Log>[0], text: string): void {
    this.#log(level, text);
  }

  /** The current time, in milliseconds. */
  now(): number {
    return this.#clock.now();
  }

  /** The member called `name` (any case), if any. */
  find(name: string): Member | undefined {
    return this.#members.get(nameKey(name));
  }

  /** The room called `name` (any case, a leading # allowed), if it exists. */
  room(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  #ts(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  /** Checks a name for joining or renaming; null when it may be used. */
  checkName(name: string, self?: Member): Refusal | null {
    const problem = nameProblem(name);
    if (problem) return refuse("bad_name", problem);
    const holder = this.#members.get(nameKey(name));
    if (holder && holder !== self) {
      return refuse(
        "name_taken",
        foldName(holder.name) === foldName(name)
          ? `the name ${name} is taken, choose another`
          : `the name ${name} looks like ${holder.name}, who is here: choose another`,
      );
    }
    return null;
  }

  /**
   * Whether this node's member may take `name`: free (as {@linkcode checkName}),
   * not while it is muted (a new name would shake the mute off), and not a
   * banned name. The banned name gets `name_taken`, not `banned`: the member
   * itself is not banned, and clients end on `banned`.
   */
  checkRename(name: string, member: Member): Refusal | null {
    const refusal = this.checkName(name, member);
    if (refusal || nameKey(name) === nameKey(member.name)) return refusal;
    const mute = this.moderation.muted(member);
    if (mute) {
      return refuse("muted", this.moderation.mutedText(mute, "you cannot change your name"));
    }
    if (this.moderation.bannedName(name)) {
      return refuse("name_taken", `the name ${name} is banned, choose another`);
    }
    return null;
  }

  /** The room `raw` names, which `member` must be in; absent: its current room (or the default one). */
  inRoom(member: Member, raw: string | undefined, fallback: Room | null): Room | Refusal {
    if (raw === undefined) {
      if (fallback && member.rooms.has(fallback)) return fallback;
      return refuse(
        "not_in_room",
        fallback
          ? `you are not in #${fallback.name}: /join ${fallback.name} first`
          : "you are in no room: /join ROOM first",
      );
    }
    const room = this.#rooms.resolve(raw, false);
    if (!(room instanceof Room)) return room;
    if (!member.rooms.has(room)) {
      return refuse("not_in_room", `you are not in #${room.name}: /join ${room.name} first`);
    }
    return room;
  }

  /**
   * The room a `who` lists: any room that exists, not only the member's own
   * (IRC's NAMES does the same, and one looks before joining; `rooms`
   * already shows every room's count), else `fallback` if the member is in it.
   */
  whoRoom(member: Member, raw: string | undefined, fallback: Room | null): Room | Refusal {
    return raw === undefined
      ? this.inRoom(member, undefined, fallback)
      : this.#rooms.resolve(raw, false);
  }

  #history_of(room: Room, since: number | undefined) {
    return since === undefined
      ? this.#history.recent(room.name, this.#replay)
      : this.#history.since(room.name, since, this.#maxResume);
  }

  /** Publishes what is pending: batched joins and leaves first, then messages. */
  #flushAll(): void {
    this.#presence.flush();
    this.#relay.flush();
  }

  /** Sends an event to every member of `room` (prefixing it where the room is not current). */
  #broadcast(room: Room, event: ServerEvent, except?: Member): void {
    const frame = new Frame(event);
    for (const m of room.members) if (m !== except) m.peer.send(frame, m.current !== room);
  }

  /**
   * Adds a member to the server and to its rooms, sends it the welcome (and
   * a `room` event for each room other than the default one) and tells the
   * rooms. Returns a refusal instead when the name cannot be used, a room
   * name is bad, or the server is full.
   */
  join(member: Member, req: JoinRequest = {}): Refusal | null {
    if (this.#closed) return refuse("server_full", "the server is shutting down");
    const refusal = this.checkName(member.name);
    if (refusal) return refusal;
    const ban = member.remote ? null : this.moderation.banned(member.name, member.peer.address);
    if (ban) return refuse("banned", this.moderation.bannedText(ban));
    if (!member.remote && this.#local >= this.#maxMembers) {
      return refuse(
        "server_full",
        `the server is full (${this.#maxMembers} members), try again later`,
      );
    }
    const rooms: Room[] = [];
    for (const raw of req.rooms ?? [this.defaultRoom.name]) {
      const room = this.#rooms.resolve(raw, true);
      if (!(room instanceof Room)) return room;
      if (!rooms.includes(room)) rooms.push(room);
    }
    this.#relay.flush();
    const reset = req.epoch !== undefined && req.epoch !== this.#history.epoch;
    const since = (room: Room) => sinceFor(req, reset, room, this.defaultRoom);
    this.#members.set(nameKey(member.name), member);
    member.named = this.#clock.now();
    for (const room of rooms) {
      this.#presence.announce(
        room,
        { type: "join", room: room.name, ts: this.#ts(), name: member.name },
        member,
      );
      room.add(member);
      member.rooms.add(room);
    }
    member.current = rooms.includes(this.defaultRoom) ? this.defaultRoom : rooms[0] ?? null;
    if (member.remote) return null;
    this.#local++;
    const inLobby = member.rooms.has(this.defaultRoom);
    const welcome = welcomeEvent({
      name: member.name,
      defaultRoom: this.defaultRoom,
      rooms,
      history: inLobby ? this.#history_of(this.defaultRoom, since(this.defaultRoom)) : [],
      version: this.#version,
      epoch: this.#history.epoch,
      reset,
      key: req.key,
    });
    member.peer.send(new Frame(welcome));
    for (const room of rooms) {
      if (room !== this.defaultRoom) this.#sendRoom(member, room, since(room));
    }
    this.#log("info", `${member.name} joined (${member.peer.label})`);
    this.#observer?.joined(member, rooms);
    return null;
  }

  #sendRoom(member: Member, room: Room, since?: number): void {
    member.peer.send(
      new Frame(roomEvent(room, this.#history_of(room, since), member.name), member.name),
    );
  }

  /**
   * Enters `raw` (creating it if new) and makes it the member's current
   * room; sends it the `room` event. Entering a room it is in resends the
   * event (and makes it current).
   */
  enter(member: Member, raw: string, since?: number): Refusal | null {
    const room = this.#rooms.resolve(raw, true);
    if (!(room instanceof Room)) return room;
    this.#relay.flush();
    if (!member.rooms.has(room)) {
      this.#presence.announce(
        room,
        { type: "join", room: room.name, ts: this.#ts(), name: member.name },
        member,
      );
      room.add(member);
      member.rooms.add(room);
      this.#log("info", `${member.name} entered #${room.name}`);
    }
    member.current = room;
    if (member.remote) return null;
    this.#sendRoom(member, room, since);
    this.#observer?.entered(member, room);
    return null;
  }

  /** Leaves one room; when it was current, the default room (or another) becomes current. */
  part(member: Member, raw: string | undefined): Refusal | null {
    const room = this.inRoom(member, raw, member.current);
    if (!(room instanceof Room)) return room;
    this.#relay.flush();
    const event: ServerEvent = {
      type: "leave",
      room: room.name,
      ts: this.#ts(),
      name: member.name,
      reason: "part",
    };
    // The member sees its own leave too (plain: "* You left #dev").
    if (!member.remote) member.peer.send(new Frame(event, member.name));
    room.remove(member);
    member.rooms.delete(room);
    this.#presence.announce(room, event, member);
    if (member.current === room) {
      member.current = member.rooms.has(this.defaultRoom)
        ? this.defaultRoom
        : member.rooms.values().next().value ?? null;
    }
    this.#log("info", `${member.name} left #${room.name}`);
    if (!member.remote) this.#observer?.parted(member, room);
    return null;
  }

  /** Removes a member from the server, telling each of its rooms why. Safe to call for a non-member. */
  leave(member: Member, reason: LeaveReason): void {
    const key = nameKey(member.name);
    if (this.#members.get(key) !== member) return;
    this.#relay.flush();
    this.#members.delete(key);
    if (!member.remote) this.#local--;
    const ts = this.#ts();
    for (const room of member.rooms) {
      room.remove(member);
      if (!this.#closed) {
        this.#presence.announce(
          room,
          { type: "leave", room: room.name, ts, name: member.name, reason },
          member,
        );
      }
    }
    member.rooms.clear();
    member.current = null;
    this.#log(reason === "slow" ? "warn" : "info", `${member.name} left (${reason})`);
    if (!member.remote) this.#observer?.left(member, reason);
  }

  /** Posts a message (or an action) to `room`; it is stored, then relayed and acked. */
  post(
    member: Member,
    room: Room,
    text: string,
    action: boolean,
    ref?: string,
    id?: string,
  ): void {
    this.#relay.post(room, member, text, action, ref, id);
  }

  /**
   * Posts the message that shares a file (its text is the file's name);
   * `stored` is told its seq once it is stored, so that retention can
   * delete the file with it.
   */
  share(member: Member, room: Room, file: FileInfo, ref?: string, stored?: (seq: number) => void) {
    this.#relay.post(room, member, file.name, false, ref, undefined, { file, stored });
  }

  /** Publishes pending messages now: called before any direct reply, to keep replies in order. */
  settle(): void {
    this.#flushAll();
  }

  /** Sets the topic of a room the member is in; everyone in it is told, the setter too. */
  setTopic(member: Member, room: Room, text: string): Refusal | null {
    if ([...text].length > MAX_TOPIC) {
      return refuse("bad_request", `a topic can be at most ${MAX_TOPIC} characters, shorten it`);
    }
    const locked = member.remote ? null : this.moderation.topicAllowed(member, room);
    if (locked) return locked;
    this.#flushAll();
    room.topic = text;
    this.#history.saveRoom(room.name, text);
    const ts = this.#ts();
    const topic = new Frame({ type: "topic", room: room.name, ts, from: member.name, text });
    // A client that knows nothing of rooms gets a notice: an event type it never asked for would not do.
    const notice = new Frame({
      type: "notice",
      text: text === ""
        ? `${member.name} cleared the topic of #${room.name}`
        : `${member.name} set the topic of #${room.name}: ${text}`,
    });
    for (const m of room.members) {
      const plain = m.peer.mode === "plain";
      m.peer.send(plain || m.roomAware ? topic : notice, m.current !== room);
    }
    this.#log("info", `${member.name} set the topic of #${room.name}`);
    if (!member.remote) this.#observer?.topicSet(member, room, text);
    return null;
  }

  /**
   * Tells everyone in `room` that a message was edited or deleted (its
   * store already has it). Sent after what is pending, like any event.
   */
  revised(room: Room, event: Extract<ServerEvent, { type: "edit" | "delete" }>, by?: Member): void {
    this.#flushAll();
    this.#broadcast(room, event);
    if (by && !by.remote) this.#observer?.revised?.(by, room, event);
  }

  /** A room another node made or changed the topic of (see `Rooms.learn`). */
  learnRoom(name: string, topic?: string): Room {
    return this.#rooms.learn(name, topic);
  }

  /** Every room, most members first. */
  roomList(): RoomSummary[] {
    return this.#rooms.list();
  }

  /** Sends a direct message; the sender gets it back as confirmation. */
  dm(from: Member, to: string, text: string, ref?: string): Refusal | null {
    const mute = from.remote ? null : this.moderation.muted(from);
    if (mute) return refuse("muted", this.moderation.mutedText(mute));
    const target = this.find(to);
    if (!target) return refuse("no_such_user", `nobody called ${to} is here, /who lists who is`);
    this.#flushAll();
    const event: ServerEvent = {
      type: "dm",
      ts: this.#ts(),
      from: from.name,
      to: target.name,
      text,
    };
    const confirm = () => {
      if (target === from) return;
      from.peer.send(new Frame(ref === undefined ? event : { ...event, ref }, from.name));
    };
    if (!target.peer.relay) {
      target.peer.send(new Frame(event, target.name));
      confirm();
      return null;
    }
    // On another node: confirmed only once it is on its way there.
    target.peer.relay(new Frame(event, target.name)).then((refusal) => {
      if (!refusal) return confirm();
      const error: ServerEvent = { type: "error", ...refusal };
      from.peer.send(new Frame(ref === undefined ? error : { ...error, ref }, from.name));
    });
    return null;
  }

  /** Renames a member and tells everyone who shares a room with it, once, the member included. */
  rename(member: Member, name: string): Refusal | null {
    const refusal = member.remote ? this.checkName(name, member) : this.checkRename(name, member);
    if (refusal) return refusal;
    if (name === member.name) return null;
    this.#flushAll();
    const old = member.name;
    this.#members.delete(nameKey(old));
    member.name = name;
    member.named = this.#clock.now();
    this.#members.set(nameKey(name), member);
    const told = new Set<Member>([member]);
    for (const room of member.rooms) {
      room.renamed(member, old);
      for (const m of room.members) told.add(m);
    }
    const frame = new Frame({ type: "nick", ts: this.#ts(), from: old, to: name });
    for (const m of told) m.peer.send(frame);
    this.#log("info", `${old} is now ${name}`);
    if (!member.remote) this.#observer?.renamed(member, old);
    return null;
  }

  /** Tells everyone the server is going away and closes every member's connection. */
  shutdown(message: string): void {
    this.#flushAll();
    this.#closed = true;
    this.#local = 0;
    const frame = new Frame({ type: "shutdown", message });
    const members = [...this.#members.values()];
    this.#members.clear();
    for (const room of this.#rooms.all()) room.clear();
    for (const m of members) {
      m.rooms.clear();
      m.peer.send(frame);
      m.peer.close();
    }
  }
}
