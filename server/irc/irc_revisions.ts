import type { ClientEvent } from "../../protocol/events.ts";
import { MAX_PAGE } from "../../protocol/events.ts";
import { DEFAULT_HISTORY } from "../core/revisions.ts";
import type { Room } from "../core/room.ts";
import { errorLines } from "./errors.ts";
import type { IrcClient, IrcCommand } from "./irc_client.ts";
import { existingRoom } from "./irc_util.ts";
import { formatIrc, type IrcMessage, stripFormatting } from "./message.ts";
import { channel } from "./render.ts";

/**
 * Older history, search, edits and deletions from IRC: raw commands (irssi
 * sends an unknown `/history` as `HISTORY`; WeeChat needs `/quote`), turned
 * into the `history`, `search`, `edit` and `delete` events every client
 * sends, plus IRCv3 REDACT (draft/message-redaction). The channel may be
 * left out when the client is in just one. Errors are what the gateway
 * always sends: numerics where IRC has one, else a NOTICE naming the
 * command (REDACT: the spec's FAIL lines).
 */

/** A NOTICE like the gateway's other errors: `EDIT: what to do`. */
function usage(c: IrcClient, command: string, text: string): void {
  c.write(errorLines(c.server.name, c.me, "bad_request", text, { command }));
}

/**
 * The channel `args` begin with (taken off them), else the only one the
 * client is in; null after replying (`form` is the command's usage).
 */
function channelArg(c: IrcClient, m: IrcMessage, args: string[], form: string): Room | null {
  if (args[0]?.startsWith("#")) return existingRoom(c, args.shift()!);
  const rooms = [...c.session.rooms];
  if (rooms.length === 1) return rooms[0];
  usage(
    c,
    m.command,
    rooms.length === 0
      ? `you are in no channel: /join #channel first, then ${form}`
      : `you are in ${rooms.length} channels, name one: ${form.replace("[#channel]", "#channel")}`,
  );
  return null;
}

/** `34` or `#34`: a message's number, or null. */
function seqArg(word: string | undefined): number | null {
  const m = /^#?(\d{1,15})$/.exec(word ?? "");
  return m ? Number(m[1]) : null;
}

/** The words left, as one text: `EDIT #dev 34 fixed it` needs no colon. */
function textOf(args: string[]): string {
  return stripFormatting(args.join(" "));
}

const HISTORY_FORM = "HISTORY [#channel] [N] [#SEQ]";

/** `HISTORY [#chan] [N] [#SEQ]`: the last N messages (before #SEQ, when given). */
function history(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const args = [...m.params];
  const room = channelArg(c, m, args, HISTORY_FORM);
  if (!room) return;
  const limit = args[0] === undefined ? DEFAULT_HISTORY : Number(args[0]);
  if (!Number.isSafeInteger(limit) || limit < 1) {
    return usage(c, m.command, `${args[0]} is not a count from 1 to ${MAX_PAGE}: ${HISTORY_FORM}`);
  }
  const event: ClientEvent = { type: "history", room: room.name, limit: Math.min(limit, MAX_PAGE) };
  if (args[1] !== undefined) {
    const before = seqArg(args[1]);
    if (before === null) {
      return usage(c, m.command, `${args[1]} is not a message number: ${HISTORY_FORM}`);
    }
    event.before = before;
  }
  return c.act({ command: m.command, target: channel(room.name) }, event);
}

/**
 * `SEARCH [#chan] words…`: in that channel, else in every channel one is
 * in. A lone `#word` is a word to look for, not a channel.
 */
function search(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const args = [...m.params];
  let room: Room | undefined;
  if (args.length > 1 && args[0].startsWith("#")) {
    const named = existingRoom(c, args.shift()!);
    if (!named) return;
    room = named;
  }
  const query = textOf(args).trim();
  if (query === "") return usage(c, m.command, "search for words: SEARCH [#channel] words");
  // Results go to the channel searched; in just one channel, every channel is that one.
  const only = c.session.rooms.size === 1 ? [...c.session.rooms][0] : undefined;
  const target = room ?? only;
  const event: ClientEvent = room
    ? { type: "search", room: room.name, query }
    : { type: "search", query };
  return c.act({ command: m.command, target: target ? channel(target.name) : c.me }, event);
}

const EDIT_FORM = "EDIT [#channel] SEQ new text";

/** `EDIT [#chan] SEQ text…`: one's own message #SEQ gets the new text. */
function edit(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const args = [...m.params];
  const room = channelArg(c, m, args, EDIT_FORM);
  if (!room) return;
  const seq = seqArg(args.shift());
  if (seq === null) return usage(c, m.command, `name the message by its number: ${EDIT_FORM}`);
  const text = textOf(args);
  return c.act({ command: m.command, target: channel(room.name) }, {
    type: "edit",
    room: room.name,
    seq,
    text,
  });
}

const DELETE_FORM = "DELETE [#channel] SEQ";

/** `DELETE [#chan] SEQ`: one's own message (an operator: anyone's). */
function del(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const args = [...m.params];
  const room = channelArg(c, m, args, DELETE_FORM);
  if (!room) return;
  const seq = seqArg(args[0]);
  if (seq === null) return usage(c, m.command, `name the message by its number: ${DELETE_FORM}`);
  return c.act({ command: m.command, target: channel(room.name) }, {
    type: "delete",
    room: room.name,
    seq,
  });
}

/** A FAIL line of the redaction spec. */
function fail(c: IrcClient, ...params: string[]): void {
  c.line(formatIrc(c.server.name, "FAIL", ["REDACT", ...params], true));
}

/**
 * `REDACT <#chan> <msgid> [:reason]` (IRCv3 draft/message-redaction): the
 * delete of the message that msgid names, which must be in that channel.
 * chat keeps no reason for a deletion, so it is not passed on.
 */
function redact(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const [target, msgid] = m.params;
  if (!target.startsWith("#")) {
    return fail(
      c,
      "INVALID_TARGET",
      target,
      "Only channel messages can be deleted: chat keeps no DMs",
    );
  }
  const room = c.chat.room(target.slice(1));
  if (!room) return fail(c, "INVALID_TARGET", target, `There is no channel ${target}`);
  const ref = c.server.msgIds.parse(msgid);
  // An id of another channel, or of a history since started over, names nothing here.
  if (!ref || c.chat.room(ref.room) !== room) {
    return fail(c, "UNKNOWN_MSGID", target, msgid, "This message does not exist or is too old");
  }
  return c.act({ command: "REDACT", target, msgid }, {
    type: "delete",
    room: room.name,
    seq: ref.seq,
  });
}

/**
 * `TAGMSG target`: accepted and dropped. Its only content is client-only
 * tags, and every one is denied (`CLIENTTAGDENY=*`: chat's other clients
 * could not see them).
 */
function tagmsg(): void {}

/** The commands of this file, for IrcClient's table. */
export const REVISION_COMMANDS: Record<string, IrcCommand> = {
  HISTORY: { min: 0, run: history },
  SEARCH: { min: 1, run: search },
  EDIT: { min: 2, run: edit },
  DELETE: { min: 1, run: del },
  REDACT: { min: 2, run: redact },
  TAGMSG: { min: 1, run: tagmsg },
};
