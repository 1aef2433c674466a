import type { ModerationEvent, ServerEvent } from "../../protocol/events.ts";
import { nameKey } from "../../protocol/names.ts";
import { moderationText } from "../../protocol/plain.ts";
import type { Frame, FrameRun, Mode } from "../core/frame.ts";
import type { Peer } from "../core/peer.ts";
import type { Member } from "../core/room.ts";
import type { TransportStats } from "../transport/metrics.ts";
import type { StreamPeer } from "../transport/stream_peer.ts";
import { errorLines, type IrcContext } from "./errors.ts";
import { historyLines, resultsLines } from "./history_lines.ts";
import { formatIrc, hostmask } from "./message.ts";
import {
  channel,
  type IrcEncoder,
  namesReply,
  numeric,
  privmsgLines,
  replayLines,
  timeTag,
} from "./render.ts";
import { runBytes } from "./run_bytes.ts";
import type { IrcServer } from "./server_info.ts";
import { welcomeLines } from "./welcome.ts";

const encoder = new TextEncoder();

/** The capabilities (IRCv3) a client enabled that change what it is sent. */
export interface IrcCaps {
  serverTime: boolean;
  echoMessage: boolean;
  batch: boolean;
  messageTags: boolean;
  redaction: boolean;
}

/**
 * An IRC client's connection as the core sees it: events become IRC lines.
 * Those every member sees alike are encoded once per frame (see
 * {@linkcode IrcEncoder}); the rest (replies, DMs, the welcome) are
 * rendered here for this client. Bytes go through the same bounded
 * outbox as every stream transport.
 */
export class IrcPeer implements Peer {
  /** The core sends it JSON mode's events (topics, moderation): it renders them itself. */
  mode: Mode = "json";
  /** IRC clients keep their nick lists from JOIN and PART: never `presence` summaries. */
  readonly eachPresence = true;
  readonly out: StreamPeer;
  readonly server: IrcServer;
  readonly caps: IrcCaps = {
    serverTime: false,
    echoMessage: false,
    batch: false,
    messageTags: false,
    redaction: false,
  };
  /** The member, once the session exists (for its nick and channels). */
  member: Member | null = null;
  /** The command being answered: errors without a ref are its. */
  context: IrcContext | null = null;
  readonly #stats: TransportStats | undefined;
  /** The kick or ban whose leaves (reason kicked) follow: they become KICK lines. */
  #kick: ModerationEvent | null = null;
  /**
   * The QUITs shown lately (name and time): a member leaving three shared
   * rooms quits once, even when big rooms' leaves come in batches.
   */
  readonly #quits = new Set<string>();
  /** Operators shown per channel, to turn `members` updates into MODE +o/-o. */
  readonly #ops = new Map<string, Set<string>>();
  #batches = 0;
  /** The shared encoding for these caps (see {@linkcode capsChanged}). */
  #enc: IrcEncoder | null = null;

  constructor(out: StreamPeer, server: IrcServer, stats?: TransportStats) {
    this.out = out;
    this.server = server;
    this.#stats = stats;
  }

  get label(): string {
    return this.out.label;
  }

  get address(): string {
    return this.out.address;
  }

  get done(): Promise<void> {
    return this.out.done;
  }

  /** The client's nick in replies: `*` until it has one. */
  get nick(): string {
    return this.member?.name || "*";
  }

  #encoder(): IrcEncoder {
    const c = this.caps;
    return this.#enc ??= this.server.encoder({
      timed: c.serverTime,
      ids: c.messageTags,
      redact: c.redaction,
    });
  }

  /** CAP REQ changed `caps`: the shared encoding to use is looked up again. */
  capsChanged(): void {
    this.#enc = null;
  }

  /** Queues IRC text (complete lines with CRLF). */
  write(text: string): void {
    if (text === "") return;
    const bytes = encoder.encode(text);
    if (this.#stats) this.#stats.bytesOut += bytes.length;
    this.out.write(bytes);
  }

  send(frame: Frame): void {
    const e = frame.event;
    if (this.#stats && e.type === "message") this.#stats.messagesOut++;
    if (e.type === "ack") {
      if (this.#stats) this.#stats.messagesIn++;
      return;
    }
    const shared = this.#shared(frame);
    if (shared !== undefined) {
      if (shared) {
        if (this.#stats) this.#stats.bytesOut += shared.length;
        this.out.write(shared);
      }
      return;
    }
    this.write(this.#render(e));
  }

  sendRun(run: FrameRun, own: readonly number[] | undefined, acks: readonly Frame[]): void {
    const frames = run.frames;
    const joined = runBytes(run, this.#encoder());
    if (joined !== null) {
      // The run's bytes, joined once for every member: slices of them, without
      // the own messages unless echo-message (their acks show nothing in IRC).
      const skip = this.caps.echoMessage || own === undefined ? [] : own;
      if (this.#stats) {
        this.#stats.messagesOut += frames.length - skip.length;
        this.#stats.messagesIn += skip.length;
      }
      const { bytes, ends } = joined;
      let from = 0;
      for (const i of skip) {
        const start = i === 0 ? 0 : ends[i - 1];
        if (start > from) this.#bytes(bytes.subarray(from, start));
        from = ends[i];
      }
      if (from < bytes.length) this.#bytes(from === 0 ? bytes : bytes.subarray(from));
      return;
    }
    for (let i = 0, j = 0; i < frames.length; i++) {
      if (own !== undefined && own[j] === i) {
        j++;
        // Own messages come back only to a client that asked (echo-message).
        if (this.caps.echoMessage) this.send(frames[i]);
        else this.send(acks[i]);
      } else this.send(frames[i]);
    }
  }

  #bytes(bytes: Uint8Array): void {
    if (this.#stats) this.#stats.bytesOut += bytes.length;
    this.out.write(bytes);
  }

  /**
   * The shared bytes of an event every member sees alike; undefined for
   * one rendered for this client alone.
   */
  #shared(frame: Frame): Uint8Array | null | undefined {
    const e = frame.event;
    switch (e.type) {
      case "message":
        if (e.room === undefined) return undefined;
        return frame.encoded(this.#encoder());
      case "join":
        if (this.#quits.size > 0) {
          for (const q of this.#quits) {
            if (q.startsWith(nameKey(e.name) + "\0")) this.#quits.delete(q);
          }
        }
        return frame.encoded(this.#encoder());
      case "nick":
      case "topic":
      case "edit":
      case "delete":
        return frame.encoded(this.#encoder());
      case "leave":
        if (e.reason === "part" || e.reason === "kicked") {
          return e.reason === "part" ? frame.encoded(this.#encoder()) : undefined;
        }
        {
          // One QUIT per leave of the server, not one per room it was in.
          const q = `${nameKey(e.name)}\0${e.ts}`;
          if (this.#quits.has(q)) return null;
          if (this.#quits.size >= 256) this.#quits.clear();
          this.#quits.add(q);
        }
        return frame.encoded(this.#encoder());
      default:
        return undefined;
    }
  }

  #render(e: ServerEvent): string {
    const server = this.server.name;
    const me = this.nick;
    switch (e.type) {
      case "welcome":
        return welcomeLines(this.server, e.name);
      case "room":
        return this.#joined(e);
      case "dm": {
        const mine = nameKey(e.from) === nameKey(me) && nameKey(e.to) !== nameKey(me);
        if (mine && !this.caps.echoMessage) return "";
        return privmsgLines(
          hostmask(e.from),
          e.to,
          e.text,
          false,
          timeTag(e.ts, this.caps.serverTime),
        );
      }
      case "members":
        return this.#opsChanged(e.room ?? "", e.ops ?? []);
      case "leave":
        // Kicked (or banned): a KICK line by whoever did it.
        return this.#kickLine(e.room ?? "", e.name);
      case "moderation":
        return this.#moderation(e);
      case "error": {
        const ctx = e.ref !== undefined ? refContext(e.ref) : this.context;
        return errorLines(server, me, e.code, e.message, ctx);
      }
      case "notice":
        if (this.context?.command === "OPER" && e.text === "You are now an operator.") {
          return numeric(server, "381", me, "You are now an IRC operator");
        }
        return formatIrc(server, "NOTICE", [me, e.text], true) + "\r\n";
      case "shutdown":
        return `ERROR :Closing Link: ${e.message}\r\n`;
      case "history":
        return historyLines(server, e);
      case "results": {
        // To the channel searched (IrcClient names it), else to our own nick.
        const t = this.context?.command === "SEARCH" ? this.context.target : undefined;
        return resultsLines(server, e, t?.startsWith("#") ? t : me);
      }
      case "bans":
      case "rooms":
      case "pong":
        // IRC asks for these its own way (MODE +b, LIST, PING), answered by IrcClient.
        return "";
      default:
        return "";
    }
  }

  /** Entering a room: our JOIN, its topic, its names, then its recent history. */
  #joined(e: Extract<ServerEvent, { type: "room" }>): string {
    const server = this.server.name;
    const me = this.nick;
    const chan = channel(e.room);
    this.#ops.set(nameKey(e.room), new Set((e.ops ?? []).map(nameKey)));
    let out = `:${hostmask(me)} JOIN ${chan}\r\n`;
    if (e.topic !== "") out += numeric(server, "332", me, chan, e.topic);
    // IRC clients take the JOIN's names as the whole channel: a big room's
    // event lists only some (see BIG_ROOM), so they come from the room itself.
    const room = e.partial ? [...(this.member?.rooms ?? [])].find((r) => r.name === e.room) : null;
    out += room
      ? namesReply(server, me, e.room, room.names(), room.ops())
      : namesReply(server, me, e.room, e.members, e.ops ?? []);
    out += replayLines(server, e.room, e.history, {
      serverTime: this.caps.serverTime,
      batch: this.caps.batch,
      ids: this.caps.messageTags ? this.server.msgIds : null,
    }, `h${++this.#batches}`);
    return out;
  }

  /** A `members` update with operators: MODE +o for the new ones, -o for the gone. */
  #opsChanged(room: string, ops: readonly string[]): string {
    const key = nameKey(room);
    const known = this.#ops.get(key) ?? new Set<string>();
    const now = new Set(ops.map(nameKey));
    let out = "";
    for (const name of ops) {
      if (!known.has(nameKey(name))) {
        out += formatIrc(this.server.name, "MODE", [channel(room), "+o", name]) + "\r\n";
      }
    }
    this.#ops.set(key, now);
    return out;
  }

  #kickLine(room: string, name: string): string {
    const k = this.#kick;
    const by = k && nameKey(k.target) === nameKey(name) ? k.by : this.server.name;
    const prefix = by === this.server.name ? by : hostmask(by);
    return formatIrc(prefix, "KICK", [channel(room), name, k?.reason || "Kicked"], true) + "\r\n";
  }

  #moderation(e: ModerationEvent): string {
    const server = this.server.name;
    const member = this.member;
    switch (e.action) {
      case "kick":
      case "ban": {
        this.#kick = e;
        let out = e.action === "ban"
          ? formatIrc(server, "NOTICE", [this.nick, moderationText(e)], true) + "\r\n"
          : "";
        if (member && nameKey(e.target) === nameKey(member.name)) {
          // We are the one removed: our channels see us kicked, then the link closes.
          for (const room of member.rooms) out += this.#kickLine(room.name, member.name);
          out += `ERROR :Closing Link: ${moderationText(e)}\r\n`;
        }
        return out;
      }
      case "lock":
      case "unlock":
        return formatIrc(hostmask(e.by), "MODE", [
          channel(e.target),
          e.action === "lock" ? "+t" : "-t",
        ]) + "\r\n";
      default:
        return formatIrc(server, "NOTICE", [this.nick, moderationText(e)], true) + "\r\n";
    }
  }

  /** Queues a raw IRC line (without CRLF). */
  line(text: string): void {
    this.write(text + "\r\n");
  }

  /** The client pinged: nothing to do, every line it sends counts as a sign of life. */
  onPing(): void {}

  /** Server PINGs, and the drop of a client that does not answer (see IrcClient.sweep). */
  sweep?: (maxQuiet: number) => void;

  close(): void {
    this.out.close();
  }

  destroy(): void {
    this.out.destroy();
  }
}

/** The context a ref carries: IrcClient makes refs `COMMAND target`. */
function refContext(ref: string): IrcContext {
  const sp = ref.indexOf(" ");
  return sp < 0 ? { command: ref } : { command: ref.slice(0, sp), target: ref.slice(sp + 1) };
}
