import type { ClientEvent } from "../../protocol/events.ts";
import { nameKey } from "../../protocol/names.ts";
import type { Member, Room } from "../core/room.ts";
import type { IrcClient, IrcCommand } from "./irc_client.ts";
import { each, existingRoom, roomName } from "./irc_util.ts";
import { formatIrc, hostmask, type IrcMessage, stripFormatting } from "./message.ts";
import { channel } from "./render.ts";
import { AWAYLEN, MAX_TARGETS } from "./server_info.ts";
import { channelModes } from "./irc_modes.ts";

function inRoom(c: IrcClient, room: Room): boolean {
  return c.session.rooms.has(room);
}

function join(c: IrcClient, m: IrcMessage): void | Promise<void> {
  if (m.params[0] === "0") {
    // JOIN 0 leaves every channel (RFC 2812 §3.2.1).
    const all = [...c.session.rooms].map((r) => r.name);
    return each(
      all,
      (r) => c.act({ command: "PART", target: channel(r) }, { type: "part", room: r }),
    );
  }
  const wanted = m.params[0].split(",").filter((s) => s !== "");
  return each(wanted, (raw) => {
    const room = c.chat.room(roomName(raw));
    // Joining a channel one is in does nothing on IRC.
    if (room && inRoom(c, room)) return;
    return c.act({ command: "JOIN", target: raw }, { type: "enter", room: roomName(raw) });
  });
}

function part(c: IrcClient, m: IrcMessage): void | Promise<void> {
  return each(m.params[0].split(",").filter((s) => s !== ""), (raw) => {
    const room = existingRoom(c, raw);
    if (!room) return;
    if (!inRoom(c, room)) return c.reply("442", raw, "You're not on that channel");
    return c.act({ command: "PART", target: raw }, { type: "part", room: room.name });
  });
}

/** `\x01VERSION\x01` and the like: the CTCP command and its argument, or null for plain text. */
function ctcp(text: string): { command: string; arg: string } | null {
  if (!text.startsWith("\x01")) return null;
  const body = text.endsWith("\x01") ? text.slice(1, -1) : text.slice(1);
  const sp = body.indexOf(" ");
  return sp < 0
    ? { command: body.toUpperCase(), arg: "" }
    : { command: body.slice(0, sp).toUpperCase(), arg: body.slice(sp + 1) };
}

/**
 * CTCP requests to a member are answered by the server on its behalf
 * (chat's other clients know no CTCP): VERSION, PING, TIME, CLIENTINFO.
 */
function ctcpReply(c: IrcClient, target: string, command: string, arg: string): void {
  const answer: Record<string, string> = {
    VERSION: `chat-${c.server.version} (answered by the chat server for ${target})`,
    PING: arg,
    TIME: new Date().toUTCString(),
    CLIENTINFO: "ACTION CLIENTINFO PING TIME VERSION",
  };
  const body = answer[command] === undefined
    ? `ERRMSG ${command} :unknown CTCP request`
    : `${command}${answer[command] === "" ? "" : " " + answer[command]}`;
  c.line(formatIrc(hostmask(target), "NOTICE", [c.me, `\x01${body}\x01`], true));
}

/** PRIVMSG and NOTICE: to channels (a room message) and to nicks (a DM). */
function message(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const notice = m.command === "NOTICE";
  const quiet = (f: () => void) => {
    if (!notice) f();
  };
  if (m.params.length === 0 || m.params[0] === "") {
    return quiet(() => c.reply("411", `No recipient given (${m.command})`));
  }
  const raw = m.params[1] ?? "";
  if (raw === "") return quiet(() => c.reply("412", "No text to send"));
  const targets = m.params[0].split(",").filter((s) => s !== "");
  if (targets.length > MAX_TARGETS) {
    return quiet(() => c.reply("407", m.params[0], `Too many targets (at most ${MAX_TARGETS})`));
  }
  const req = ctcp(raw);
  return each(targets, (target) => {
    const ctx = { command: m.command, target };
    const action = req?.command === "ACTION";
    const text = stripFormatting(action ? req!.arg : raw);
    if (target.startsWith("#")) {
      const room = c.chat.room(roomName(target));
      if (!room) return quiet(() => c.reply("403", target, "No such channel"));
      // Other CTCPs to a channel have nobody to answer them.
      if (req && !action) return;
      const event: ClientEvent = {
        type: action ? "me" : "say",
        room: room.name,
        text,
        ref: `${m.command} ${target}`,
      };
      return c.act(ctx, event);
    }
    const member = c.chat.find(target);
    if (!member) return quiet(() => c.reply("401", target, "No such nick/channel"));
    if (req && !action) {
      if (!notice) ctcpReply(c, member.name, req.command, req.arg);
      return;
    }
    const away = c.server.identities.get(member)?.away;
    if (away && !notice) c.reply("301", member.name, away);
    // A DM has no action flag: it says what a /me would.
    const dm = action ? `* ${c.me} ${text}` : text;
    return c.act(ctx, { type: "dm", to: member.name, text: dm, ref: `${m.command} ${target}` });
  });
}

function topic(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const room = existingRoom(c, m.params[0]);
  if (!room) return;
  const chan = channel(room.name);
  if (m.params.length === 1) {
    if (room.topic === "") return c.reply("331", chan, "No topic is set");
    return c.reply("332", chan, room.topic);
  }
  if (!inRoom(c, room)) return c.reply("442", chan, "You're not on that channel");
  return c.act({ command: "TOPIC", target: chan }, {
    type: "topic",
    room: room.name,
    text: stripFormatting(m.params[1]),
  });
}

/** KICK #chan nick[,nick] [reason]: chat's kick, which disconnects (as everywhere in chat). */
function kick(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const room = existingRoom(c, m.params[0]);
  if (!room) return;
  const chan = channel(room.name);
  if (!inRoom(c, room)) return c.reply("442", chan, "You're not on that channel");
  const reason = stripFormatting(m.params[2] ?? "");
  return each(m.params[1].split(",").filter((s) => s !== ""), (nick) => {
    const target = c.chat.find(nick);
    if (!target || !target.rooms.has(room)) {
      return c.reply("441", nick, chan, "They aren't on that channel");
    }
    const event: ClientEvent = reason === ""
      ? { type: "kick", name: target.name }
      : { type: "kick", name: target.name, reason };
    return c.act({ command: "KICK", target: chan }, event);
  });
}

function mode(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const target = m.params[0];
  if (target.startsWith("#")) return channelModes(c, m);
  if (nameKey(target) !== nameKey(c.me)) {
    return c.reply("502", "Can't change mode for other users");
  }
  // User modes: +o is what /oper gives; +i, +w and the like change nothing here.
  return c.reply("221", (c.session as Member).operator ? "+o" : "+");
}

function oper(c: IrcClient, m: IrcMessage): void | Promise<void> {
  // The NAME is for logs only (PROTOCOL.md): chat has one operator password.
  return c.act({ command: "OPER", target: m.params[0] }, { type: "op", password: m.params[1] });
}

function away(c: IrcClient, m: IrcMessage): void {
  const text = stripFormatting(m.params[0] ?? "").trim();
  if (text === "") {
    c.identity.away = null;
    return c.reply("305", "You are no longer marked as being away");
  }
  c.identity.away = [...text].slice(0, AWAYLEN).join("");
  c.reply("306", "You have been marked as being away");
}

/** The commands that act (everything but registration and read-only queries). */
export const CHANNEL_COMMANDS: Record<string, IrcCommand> = {
  JOIN: { min: 1, run: join },
  PART: { min: 1, run: part },
  PRIVMSG: { min: 0, run: message },
  NOTICE: { min: 0, run: message },
  TOPIC: { min: 1, run: topic },
  KICK: { min: 2, run: kick },
  MODE: { min: 1, run: mode },
  OPER: { min: 2, run: oper },
  AWAY: { min: 0, run: away },
};
