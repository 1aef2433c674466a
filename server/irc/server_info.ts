import { MAX_TOPIC } from "../core/chat.ts";
import type { IrcIdentity } from "./irc_client.ts";
import { IrcEncoder } from "./render.ts";

/** What every IRC connection of one server shares: its name, its encoders, its ISUPPORT. */
export interface IrcServer {
  /** `--server-name`: the prefix of numerics, PONG, 004. */
  readonly name: string;
  readonly version: string;
  readonly created: Date;
  /** Shared lines with server-time tags, and without. */
  readonly timed: IrcEncoder;
  readonly untimed: IrcEncoder;
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
  return {
    name,
    version,
    created: new Date(),
    timed: new IrcEncoder(true),
    untimed: new IrcEncoder(false),
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
