import { MAX_TOPIC } from "../core/chat.ts";
import type { IrcIdentity } from "./irc_client.ts";
import { MsgIds } from "./msgid.ts";
import { type EncoderOptions, IrcEncoder } from "./render.ts";

/** What every IRC connection of one server shares: its name, its encoders, its ISUPPORT. */
export interface IrcServer {
  /** `--server-name`: the prefix of numerics, PONG, 004. */
  readonly name: string;
  readonly version: string;
  readonly created: Date;
  /** The shared lines for clients with these capabilities (one encoder per combination). */
  encoder(options: EncoderOptions): IrcEncoder;
  /** The msgids of room messages (`message-tags`, REDACT). */
  readonly msgIds: MsgIds;
  /** The ISUPPORT tokens (005), honest about what chat does. */
  readonly isupport: readonly string[];
  /** Most rooms (CHANLIMIT). */
  readonly maxRooms: number;
  /** This node's IRC members' user, realname and away, by member. */
  readonly identities: WeakMap<object, IrcIdentity>;
}

/** Longest kick or ban reason kept (moderation.ts). */
export const KICKLEN = 300;
/** Longest AWAY message kept. */
export const AWAYLEN = 200;
/** Targets one PRIVMSG may name. */
export const MAX_TARGETS = 4;

/** The one IrcServer of a `chat serve`. */
export function ircServer(name: string, version: string, maxRooms: number): IrcServer {
  const msgIds = new MsgIds();
  // server-time x message-tags x redaction (which needs message-tags): six at most, made as needed.
  const encoders = new Map<number, IrcEncoder>();
  const encoderFor = (o: EncoderOptions): IrcEncoder => {
    const key = (o.timed ? 1 : 0) | (o.ids ? 2 : 0) | (o.ids && o.redact ? 4 : 0);
    let e = encoders.get(key);
    if (!e) encoders.set(key, e = new IrcEncoder(o, msgIds));
    return e;
  };
  return {
    name,
    version,
    created: new Date(),
    encoder: encoderFor,
    msgIds,
    maxRooms,
    identities: new WeakMap(),
    isupport: [
      `AWAYLEN=${AWAYLEN}`,
      // Names compare by Unicode case folding (and look-alikes count as the same: docs/irc.md).
      "CASEMAPPING=rfc8265",
      `CHANLIMIT=#:${maxRooms}`,
      // b: bans (server-wide in chat); n: always (no messages from outside); t: the lock.
      "CHANMODES=b,,,nt",
      // Room names are 1 to 32 characters; with the #, 33.
      "CHANNELLEN=33",
      "CHANTYPES=#",
      // message-tags without relaying client-only tags (+typing, +draft/react…): chat's
      // other clients could not see them, so IRC clients are told none get through.
      "CLIENTTAGDENY=*",
      `KICKLEN=${KICKLEN}`,
      `MAXTARGETS=${MAX_TARGETS}`,
      "MODES=4",
      `NETWORK=${name}`,
      "NICKLEN=32",
      "PREFIX=(o)@",
      "SAFELIST",
      `TOPICLEN=${MAX_TOPIC}`,
      "UTF8ONLY",
    ],
  };
}
