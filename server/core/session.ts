import type { ClientEvent, LeaveReason, ServerEvent } from "../../protocol/events.ts";
import { parseClientEvent } from "../../protocol/events.ts";
import { type SplitLine, TOO_LONG } from "../../protocol/line_splitter.ts";
import { nameProblem, normalizeName } from "../../protocol/names.ts";
import { sanitize } from "../../protocol/sanitize.ts";
import { type CommandContext, findCommand, usage } from "./commands.ts";
import { handleJson } from "./json_events.ts";
import { Frame, type Mode } from "./frame.ts";
import type { Directory } from "./directory.ts";
import type { PasswordGate } from "./password_gate.ts";
import type { Peer } from "./peer.ts";
import type { Chat, JoinRequest, Refusal } from "./chat.ts";
import { type Member, Room } from "./room.ts";
import { after, type Maybe, type NameClaim, type Verdict } from "./reservations.ts";
import { rename } from "./rename.ts";

/** The banner every connection gets first. */
export const BANNER = "Welcome to chat! Enter your name:";

/** Options of a {@linkcode Session}. */
export interface SessionOptions {
  /** The line limit, for the line_too_long message. */
  maxLineBytes: number;
  /**
   * A mode fixed by the transport (WebSocket speaks only JSON); unset, the
   * first line decides. @default undefined
   */
  mode?: Mode;
  /** The room password; absent or not required: anyone may join. */
  gate?: PasswordGate;
  /** Called once, when the handshake is done and the member is in the room. */
  onJoin?: () => void;
  /** What names and rooms wait for in a cluster; absent on one node. */
  directory?: Directory;
  /** False: no banner (IRC clients speak first). @default true */
  banner?: boolean;
}

/** Where the handshake stands. */
type Stage = "name" | "password" | "checking" | "key";

/**
 * One connection's conversation with the room, whatever its transport: the
 * handshake (mode, name), then each line turned into a room action. Lines
 * come in already split and decoded; replies go out through the peer.
 */
export class Session implements Member {
  name = "";
  readonly peer: Peer;
  readonly rooms: Set<Room> = new Set();
  current: Room | null = null;
  roomAware = false;
  readonly #chat: Chat;
  readonly #maxLine: number;
  readonly #gate: PasswordGate | undefined;
  readonly #onJoin: (() => void) | undefined;
  readonly #directory: Directory | undefined;
  readonly #banner: boolean;
  #mode: Mode | null = null;
  #joined = false;
  #ended = false;
  #stage: Stage = "name";
  /** The password was right (or none is needed): a refused name may be retried freely. */
  #authed: boolean;
  /** Plain mode: the name given, waiting for the password. */
  #pendingName = "";
  /** The key given for the name being joined, and whether a free one is to be reserved. */
  #claim: NameClaim = { reserve: false };
  readonly #ctx: CommandContext;

  constructor(chat: Chat, peer: Peer, options: SessionOptions) {
    this.#chat = chat;
    this.peer = peer;
    this.#maxLine = options.maxLineBytes;
    this.#gate = options.gate;
    this.#onJoin = options.onJoin;
    this.#directory = options.directory;
    this.#banner = options.banner ?? true;
    this.#authed = !options.gate?.required;
    if (options.mode) this.#mode = peer.mode = options.mode;
    this.#ctx = {
      chat,
      member: this,
      send: (event) => this.#send(event),
      notice: (text) => this.#send({ type: "notice", text }),
      refuse: (r, ref) => this.#refuse(r, ref),
      check: (r, ref) => this.#check(r, ref),
      say: (text, action, ref, room, id) => this.#say(text, action, ref, room, id),
      room: (raw, fallback, ref) => this.#room(raw, fallback, ref),
      pinged: () => this.peer.onPing?.(),
      quit: () => this.end("quit"),
      rename: (name) =>
        rename({
          chat,
          member: this,
          directory: this.#directory,
          ended: () => this.#ended,
          check: (r) => this.#check(r),
        }, name),
      op: (password) => this.#op(password),
      enter: (room, since) => this.#enter(room, since),
    };
  }

  /** Whether the handshake is done. */
  get joined(): boolean {
    return this.#joined;
  }

  /** Whether the session is over (quit, dropped, or disconnected). */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Sends the banner; call once, when the connection opens. A banned
   * address gets `banned` instead, and the connection closes.
   */
  start(): void {
    const ban = this.#chat.moderation.bannedAddress(this.peer.address);
    if (ban) {
      this.#refuse({ code: "banned", message: this.#chat.moderation.bannedText(ban) });
      this.end("disconnect");
      return;
    }
    if (this.#banner) this.peer.send(new Frame({ type: "notice", text: BANNER }));
  }

  #send(event: ServerEvent): void {
    this.#chat.settle();
    this.peer.send(new Frame(event, this.name));
  }

  #refuse(r: Refusal, ref?: string): void {
    this.#send(ref === undefined ? { type: "error", ...r } : { type: "error", ...r, ref });
  }

  /** Tells the client, once per episode, that its lines are being paced. */
  rateLimited(): void {
    this.#refuse({
      code: "rate_limited",
      message: "you are sending too fast; your lines will be delivered, just more slowly",
    });
  }

  /**
   * Handles one line from the client. Returns a promise only while the line
   * cannot be answered yet (a password being checked): the caller must not
   * hand over further lines until it settles, so they stay in order.
   */
  handle(line: SplitLine): void | Promise<void> {
    if (this.#ended) return;
    if (line === TOO_LONG) {
      this.#refuse({
        code: "line_too_long",
        message: `the line was longer than ${this.#maxLine} bytes and was not sent, split it up`,
      });
      return;
    }
    if (!this.#joined) return this.#handshake(line);
    else if (this.#mode === "json") return this.#json(line);
    else return this.#plain(line);
  }

  #handshake(line: string): void | Promise<void> {
    if (this.#mode === null && line.trim() === "") return;
    if (this.#mode === null) {
      this.#mode = looksLikeHello(line) ? "json" : "plain";
      this.peer.mode = this.#mode;
    }
    if (this.#mode === "plain") return this.#plainHandshake(line);
    const parsed = parseClientEvent(line);
    if (!parsed.ok) return this.#refuse({ code: "bad_request", message: parsed.message });
    return this.#hello(parsed.event);
  }

  /**
   * Handles one client event already parsed (a transport that speaks
   * another protocol, IRC, builds them): the hello, then what it asks for.
   */
  event(e: ClientEvent): void | Promise<void> {
    if (this.#ended) return;
    return this.#joined ? handleJson(this.#ctx, e) : this.#hello(e);
  }

  #hello(hello: ClientEvent): void | Promise<void> {
    if (hello.type !== "hello") {
      return this.#refuse({
        code: "bad_request",
        message: 'join first: {"type":"hello","name":"YOUR_NAME"}',
      });
    }
    const name = normalizeName(hello.name);
    const req: JoinRequest = { rooms: hello.rooms, since: hello.since, epoch: hello.epoch };
    this.roomAware = hello.rooms !== undefined || hello.epoch !== undefined ||
      (typeof hello.since === "object");
    this.#claim = { key: hello.key, reserve: hello.reserve !== false };
    if (this.#authed) return this.#join(name, req);
    if (hello.password === undefined) {
      return this.#authFailed("this room needs a password: send it in hello.password");
    }
    return this.#authenticate(hello.password, () => this.#join(name, req));
  }

  #plainHandshake(line: string): void | Promise<void> {
    if (line.trim() === "") return;
    if (this.#stage === "key") {
      // The line after "The name bob is reserved. Key:"; wrong, and the name is asked again.
      this.#stage = "name";
      this.#claim = { key: line.trim(), reserve: false };
      return this.#join(this.#pendingName);
    }
    if (this.#stage === "password") {
      return this.#authenticate(line, () => this.#join(this.#pendingName));
    }
    this.#claim = { reserve: false };
    const name = normalizeName(line);
    if (this.#authed) return this.#join(name);
    // Only the form of the name before the password: who is in the room is
    // for those who know it.
    const problem = nameProblem(name);
    if (problem) return this.#refuse({ code: "bad_name", message: problem });
    this.#pendingName = name;
    this.#stage = "password";
    this.#send({ type: "notice", text: "Password:" });
  }

  async #authenticate(candidate: string, then: () => void | Promise<void>): Promise<void> {
    this.#stage = "checking";
    const ok = await this.#gate!.check(this.peer.address, candidate, this.peer.label);
    if (this.#ended) return;
    if (!ok) return this.#authFailed("wrong password, check it and reconnect to try again");
    this.#authed = true;
    this.#stage = "name";
    await then();
  }

  #authFailed(message: string): void {
    this.#refuse({ code: "auth_failed", message });
    this.end("disconnect");
  }

  #join(name: string, req?: JoinRequest): void | Promise<void> {
    // A name another member of this node holds is refused without asking further.
    const local = this.#chat.checkName(name);
    if (local) return this.#refuse(local);
    const names = this.#chat.reservations;
    const dir = this.#directory;
    if (!dir) {
      // One node: the reservation is read at once, so the join happens in this turn.
      const joined = after(names.check(name, this.#claim), (v) => this.#admit(name, v, req));
      return joined instanceof Promise ? joined.then(() => {}) : undefined;
    }
    return (async () => {
      const refusal = await dir.claim(name);
      // The lease held, the reservation is read: nobody else can join as `name` meanwhile.
      const verdict = refusal || this.#ended ? null : await names.check(name, this.#claim);
      const closed = verdict?.ok
        ? await dir.open(req?.rooms ?? [this.#chat.defaultRoom.name])
        : null;
      if (this.#ended || refusal || closed || !verdict?.ok) {
        dir.release(name);
        const why = refusal ?? closed;
        if (why) this.#refuse(why);
        else if (verdict && !verdict.ok && !this.#ended) this.#nameRefused(name, verdict);
        return;
      }
      if (!await this.#admit(name, verdict, req)) dir.release(name);
    })();
  }

  /**
   * Joins as `name` as its reservation allows, reserving a free name when
   * the claim asks (the new key goes in the welcome); true when joined.
   */
  #admit(name: string, v: Verdict, req?: JoinRequest): Maybe<boolean> {
    if (!v.ok) {
      this.#nameRefused(name, v);
      return false;
    }
    const names = this.#chat.reservations;
    if (!v.issue) {
      const joined = this.#joinNow(name, req);
      if (joined && v.reserved) {
        names.hold(this, name, this.#claim.key!);
        names.used(name);
      }
      return joined;
    }
    return after(names.issue(name), (key) => {
      if (this.#ended) {
        if (key !== null) names.free(name);
        return false;
      }
      const joined = this.#joinNow(name, key === null ? req : { ...req, key });
      if (key !== null) {
        if (joined) names.hold(this, name, key);
        else names.free(name);
      }
      return joined;
    });
  }

  /** A reserved name without its key: plain mode is asked for it (`Key:`), JSON mode refused. */
  #nameRefused(name: string, v: Extract<Verdict, { ok: false }>): void {
    if (this.#mode === "plain" && v.keyMissing) {
      this.#pendingName = name;
      this.#stage = "key";
      return this.#send({ type: "notice", text: `The name ${name} is reserved. Key:` });
    }
    this.#refuse(v.refusal);
  }

  /** Joins the Chat; true when it let the member in. */
  #joinNow(name: string, req?: JoinRequest): boolean {
    this.name = name;
    const refusal = this.#chat.join(this, req);
    if (refusal) {
      this.name = "";
      this.#refuse(refusal);
      if (refusal.code === "server_full" || refusal.code === "banned") this.end("disconnect");
      return false;
    }
    this.#joined = true;
    this.#onJoin?.();
    return true;
  }

  #enter(raw: string, since?: number): void | Promise<void> {
    const dir = this.#directory;
    if (!dir) return this.#check(this.#chat.enter(this, raw, since));
    return (async () => {
      const refusal = await dir.open([raw]);
      if (this.#ended) return;
      this.#check(refusal ?? this.#chat.enter(this, raw, since));
    })();
  }

  #plain(line: string): void | Promise<void> {
    if (line.trim() === "") return;
    if (line === "exit" || line.trim() === "exit") return this.end("quit");
    if (line.startsWith("//")) return this.#say(line.slice(1), false);
    if (!line.startsWith("/")) return this.#say(line, false);
    const rest = line.slice(1);
    const word = rest.split(/\s/, 1)[0];
    const command = findCommand(word);
    if (!command) {
      return this.#refuse({
        code: "unknown_command",
        message: `/${
          sanitize(word)
        } is not a command, /help lists them (// sends a line starting with /)`,
      });
    }
    const args = rest.slice(word.length).trim();
    const words = args === "" ? [] : args.split(/\s+/);
    if (words.length < command.minArgs) {
      return this.#refuse({ code: "bad_request", message: `usage: ${usage(command)}` });
    }
    const clean = words.map((w, i) => i === 0 && command.roomArg ? w : sanitize(w));
    return command.run(this.#ctx, clean, sanitize(args));
  }

  #json(line: string): void | Promise<void> {
    const parsed = parseClientEvent(line);
    if (!parsed.ok) {
      return this.#refuse({ code: "bad_request", message: parsed.message }, parsed.ref);
    }
    return handleJson(this.#ctx, parsed.event);
  }

  /** Sends the refusal, if any. */
  #check(refusal: Refusal | null, ref?: string): void {
    if (refusal) this.#refuse(refusal, ref);
  }

  /** The room `raw` names (one this member is in), else `fallback`; null after refusing. */
  #room(raw: string | undefined, fallback: Room | null, ref?: string): Room | null {
    const room = this.#chat.inRoom(this, raw, fallback);
    if (room instanceof Room) return room;
    this.#refuse(room, ref);
    return null;
  }

  #say(raw: string, action: boolean, ref?: string, roomName?: string, id?: string): void {
    const text = sanitize(raw);
    if (text.trim() === "") {
      // An empty plain line is simply ignored; a JSON client asked for something.
      if (this.#mode === "json") {
        this.#refuse({ code: "bad_request", message: "the message is empty" }, ref);
      }
      return;
    }
    const mute = this.#chat.moderation.muted(this);
    if (mute) {
      return this.#refuse({ code: "muted", message: this.#chat.moderation.mutedText(mute) }, ref);
    }
    // Plain lines go to the current room; JSON ones name theirs, or mean the default room.
    const fallback = this.#mode === "json" ? this.#chat.defaultRoom : this.current;
    const room = this.#room(roomName, fallback, ref);
    if (room) this.#chat.post(this, room, text, action, ref, id);
  }

  /** Checks the operator password (slowed after failures); the connection stays either way. */
  async #op(password: string): Promise<void> {
    const refusal = await this.#chat.moderation.op(this, password);
    if (this.#ended) return;
    if (refusal) this.#refuse(refusal);
  }

  /** Ends the session: leaves the room (if joined) and closes the connection. */
  end(reason: LeaveReason): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#joined) this.#chat.leave(this, reason);
    if (this.#joined) this.#chat.reservations.released(this, this.name);
    this.peer.close();
  }
}

/** True when the line is a JSON object of type "hello": the JSON-mode handshake. */
function looksLikeHello(line: string): boolean {
  if (!line.trimStart().startsWith("{")) return false;
  try {
    const o = JSON.parse(line);
    return typeof o === "object" && o !== null && o.type === "hello";
  } catch {
    return false;
  }
}
