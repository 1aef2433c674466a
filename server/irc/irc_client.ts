import type { ClientEvent } from "../../protocol/events.ts";
import { type SplitLine, TOO_LONG } from "../../protocol/line_splitter.ts";
import type { Chat } from "../core/chat.ts";
import type { PasswordGate } from "../core/password_gate.ts";
import type { Session } from "../core/session.ts";
import type { LineHandler } from "../transport/pacer.ts";
import { capCommand, type CapState } from "./caps.ts";
import type { IrcContext } from "./errors.ts";
import { CHANNEL_COMMANDS } from "./irc_commands.ts";
import type { IrcPeer } from "./irc_peer.ts";
import { QUERY_COMMANDS } from "./irc_queries.ts";
import { REVISION_COMMANDS } from "./irc_revisions.ts";
import { formatIrc, type IrcMessage, MAX_LINE_BYTES, parseIrc, withoutTags } from "./message.ts";
import { numeric } from "./render.ts";
import { authenticate, type SaslState } from "./sasl.ts";
import type { IrcServer } from "./server_info.ts";
import { byteLength } from "./split.ts";
import { each } from "./irc_util.ts";

/** What an IRC command handler gets. */
export type IrcHandler = (c: IrcClient, m: IrcMessage) => void | Promise<void>;

/** A command: its least number of parameters (461 below it) and its handler. */
export interface IrcCommand {
  min: number;
  run: IrcHandler;
}

/** What IRC users on this node are, beyond their chat name (for WHO, WHOIS, AWAY). */
export interface IrcIdentity {
  user: string;
  realname: string;
  away: string | null;
}

/** Commands a client may send before it has registered (RFC 2812 §3.1). */
const BEFORE_REGISTRATION = new Set([
  "CAP",
  "PASS",
  "NICK",
  "USER",
  "AUTHENTICATE",
  "PING",
  "PONG",
  "QUIT",
]);

/**
 * One IRC client's conversation: registration (CAP, SASL, PASS, NICK,
 * USER) and then each command, turned into the chat events every other
 * transport sends (hello, say, enter, kick…) and handed to the same
 * Session; what only reads (NAMES, WHO, LIST…) is answered from the Chat.
 */
export class IrcClient implements LineHandler {
  readonly chat: Chat;
  readonly server: IrcServer;
  readonly peer: IrcPeer;
  readonly session: Session;
  readonly identity: IrcIdentity = { user: "", realname: "", away: null };
  readonly caps: CapState;
  readonly sasl: SaslState = { mechanism: null, buffer: "", key: undefined, account: "" };
  readonly #gate: PasswordGate;
  #nick = "";
  #pass: string | undefined;
  #helloSent = false;
  #quietSweeps = 0;
  #pinged = false;

  constructor(chat: Chat, server: IrcServer, peer: IrcPeer, session: Session, gate: PasswordGate) {
    this.chat = chat;
    this.server = server;
    this.peer = peer;
    this.session = session;
    this.#gate = gate;
    this.caps = { negotiating: false, enabled: new Set(), version: 0 };
    peer.sweep = (maxQuiet) => this.#sweep(maxQuiet);
  }

  get ended(): boolean {
    return this.session.ended;
  }

  /** Registered: the session has joined. */
  get registered(): boolean {
    return this.session.joined;
  }

  /** The client's nick in replies: `*` until registered (as IRCv3 and most servers say). */
  get me(): string {
    return this.session.joined ? this.session.name : "*";
  }

  rateLimited(): void {
    this.session.rateLimited();
  }

  /**
   * Queues a direct reply: after what the room has pending, so that a
   * reply never overtakes a message sent before it (as Session does).
   */
  write(text: string): void {
    this.chat.settle();
    this.peer.write(text);
  }

  /** A numeric reply to this client. */
  reply(code: string, ...params: string[]): void {
    this.write(numeric(this.server.name, code, this.me, ...params));
  }

  /** A NOTICE from the server to this client. */
  notice(text: string): void {
    this.write(formatIrc(this.server.name, "NOTICE", [this.me, text], true) + "\r\n");
  }

  /** A line (without CRLF) as a direct reply. */
  line(text: string): void {
    this.write(text + "\r\n");
  }

  /**
   * Hands an event to the session with `ctx` as what its errors answer,
   * until the session has handled it (a cluster may make it wait).
   */
  act(ctx: IrcContext, event: ClientEvent): void | Promise<void> {
    this.peer.context = ctx;
    const r = this.session.event(event);
    if (r instanceof Promise) return r.finally(() => this.peer.context = null);
    this.peer.context = null;
  }

  handle(line: SplitLine): void | Promise<void> {
    if (this.session.ended) return;
    this.#heard();
    if (line === TOO_LONG) return this.reply("417", "Input line was too long");
    // A lone CR ends a line too (as ngIRCd and Ergo read it).
    const parts = line.includes("\r") ? line.split("\r") : [line];
    return each(parts, (p) => this.#one(p));
  }

  #one(raw: string): void | Promise<void> {
    if (this.session.ended) return;
    if (byteLength(withoutTags(raw)) > MAX_LINE_BYTES) {
      return this.reply("417", "Input line was too long");
    }
    const m = parseIrc(raw);
    if (!m) return;
    if (!this.registered && !BEFORE_REGISTRATION.has(m.command)) {
      return this.reply("451", "You have not registered");
    }
    const command = REGISTRATION[m.command] ?? CHANNEL_COMMANDS[m.command] ??
      QUERY_COMMANDS[m.command] ?? REVISION_COMMANDS[m.command];
    if (!command) return this.reply("421", m.command, "Unknown command");
    if (m.params.length < command.min) {
      return this.reply("461", m.command, "Not enough parameters");
    }
    return command.run(this, m);
  }

  /** The nick asked for at registration; a refused one is asked again (433). */
  nickAtRegistration(nick: string): void | Promise<void> {
    this.#nick = nick;
    this.#helloSent = false;
    return this.tryRegister();
  }

  setUser(user: string, realname: string): void | Promise<void> {
    this.identity.user = user;
    this.identity.realname = realname;
    return this.tryRegister();
  }

  setPass(pass: string): void {
    this.#pass = pass;
  }

  /**
   * Joins the chat once NICK and USER are in and CAP negotiation is over:
   * a hello in no room (an IRC client is in no channel until it JOINs),
   * with the room password from PASS and a reserved name's key from SASL
   * (or from PASS, on a server without a room password).
   */
  tryRegister(): void | Promise<void> {
    if (this.registered || this.#helloSent || this.caps.negotiating) return;
    if (this.#nick === "" || this.identity.user === "") return;
    const needsPassword = this.#gate.required;
    if (needsPassword && this.#pass === undefined) {
      this.reply(
        "464",
        "This server needs a password: set it as the server password (irssi: /connect HOST PORT PASSWORD)",
      );
      this.line("ERROR :Closing Link: password required");
      this.session.end("disconnect");
      return;
    }
    this.#helloSent = true;
    const key = this.sasl.key ?? (needsPassword ? undefined : this.#pass);
    const hello: ClientEvent = { type: "hello", name: this.#nick, rooms: [], reserve: false };
    if (needsPassword) hello.password = this.#pass;
    if (key !== undefined) hello.key = key;
    return this.act({ command: "NICK", target: this.#nick }, hello);
  }

  /** Says goodbye the IRC way, then leaves. */
  quit(message: string): void {
    this.line(`ERROR :Closing Link: ${this.me} (${message})`);
    this.session.end("quit");
  }

  #heard(): void {
    this.#quietSweeps = 0;
    this.#pinged = false;
  }

  /**
   * One look of the hub's sweep: a client quiet for half of
   * `--ping-timeout` is sent a PING; quiet for all of it, it is dropped.
   */
  #sweep(maxQuiet: number): void {
    if (this.session.ended) return;
    if (this.peer.out.heard) {
      this.peer.out.heard = false;
      this.#heard();
      return;
    }
    this.#quietSweeps++;
    if (this.#quietSweeps >= maxQuiet) {
      this.line("ERROR :Closing Link: Ping timeout");
      this.session.end("timeout");
    } else if (!this.#pinged && this.#quietSweeps >= Math.ceil(maxQuiet / 2)) {
      this.#pinged = true;
      this.line(`PING :${this.server.name}`);
    }
  }
}

const REGISTRATION: Record<string, IrcCommand> = {
  CAP: { min: 1, run: (c, m) => capCommand(c, m) },
  AUTHENTICATE: { min: 1, run: (c, m) => authenticate(c, m) },
  NICK: {
    min: 0,
    run: (c, m) => {
      const nick = m.params[0] ?? "";
      if (nick === "") return c.reply("431", "No nickname given");
      if (!c.registered) return c.nickAtRegistration(nick);
      return c.act({ command: "NICK", target: nick }, { type: "nick", name: nick });
    },
  },
  PASS: {
    min: 1,
    run: (c, m) => {
      if (c.registered) return c.reply("462", "You may not reregister");
      c.setPass(m.params[0]);
    },
  },
  USER: {
    min: 4,
    run: (c, m) => {
      if (c.registered) return c.reply("462", "You may not reregister");
      return c.setUser(m.params[0].slice(0, 32), m.params[3].slice(0, 100));
    },
  },
  PING: {
    min: 0,
    run: (c, m) => {
      if (m.params.length === 0) return c.reply("409", "No origin specified");
      c.line(formatIrc(c.server.name, "PONG", [c.server.name, m.params[0]], true));
    },
  },
  // Any line is a sign of life; a PONG says nothing more.
  PONG: { min: 0, run: () => {} },
  QUIT: { min: 0, run: (c, m) => c.quit(m.params[0] ? `Quit: ${m.params[0]}` : "Quit") },
};
