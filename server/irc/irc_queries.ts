import type { Member } from "../core/room.ts";
import type { IrcClient, IrcCommand } from "./irc_client.ts";
import { roomName } from "./irc_util.ts";
import type { IrcMessage } from "./message.ts";
import { channel, namesReply } from "./render.ts";
import { motdLines } from "./welcome.ts";

// What only reads: answered from the Chat's state, synchronously, like
// JSON's who and rooms; nothing here changes a room.

/** The user and realname shown for a member: an IRC user's own; anyone else's by name. */
function identity(
  c: IrcClient,
  m: Member,
): { user: string; realname: string; away: string | null } {
  const id = c.server.identities.get(m);
  if (id) return id;
  return {
    user: m.name,
    realname: m.remote ? "chat user (another node)" : "chat user",
    away: null,
  };
}

function names(c: IrcClient, m: IrcMessage): void {
  if (m.params.length === 0 || m.params[0] === "") return c.reply("366", "*", "End of /NAMES list");
  for (const raw of m.params[0].split(",")) {
    const room = c.chat.room(roomName(raw));
    // As JSON's who: the members of a room are for those in it.
    if (room && c.session.rooms.has(room)) {
      c.write(namesReply(c.server.name, c.me, room.name, room.names(), room.ops()));
    } else c.reply("366", raw, "End of /NAMES list");
  }
}

/** One 352 line: `#chan user host server nick H|G[*][@] :0 realname`. */
function whoLine(c: IrcClient, chan: string, m: Member, inRoom: boolean): void {
  const id = identity(c, m);
  const flags = (id.away ? "G" : "H") + (m.operator ? "*" : "") + (inRoom && m.operator ? "@" : "");
  c.reply("352", chan, id.user, "chat", c.server.name, m.name, flags, `0 ${id.realname}`);
}

function who(c: IrcClient, m: IrcMessage): void {
  const mask = m.params[0] ?? "*";
  if (mask.startsWith("#")) {
    const room = c.chat.room(roomName(mask));
    if (room && c.session.rooms.has(room)) {
      const chan = channel(room.name);
      for (const member of room.members) whoLine(c, chan, member, true);
    }
  } else {
    const member = c.chat.find(mask);
    if (member) whoLine(c, "*", member, false);
  }
  c.reply("315", mask, "End of /WHO list");
}

function whois(c: IrcClient, m: IrcMessage): void {
  // WHOIS [server] nick[,nick]
  const list = (m.params.length > 1 ? m.params[1] : m.params[0]).split(",");
  for (const nick of list) {
    const member = c.chat.find(nick);
    if (!member) {
      c.reply("401", nick, "No such nick/channel");
      c.reply("318", nick, "End of /WHOIS list");
      continue;
    }
    const id = identity(c, member);
    c.reply("311", member.name, id.user, "chat", "*", id.realname);
    const chans = [...member.rooms].map((r) => (member.operator ? "@" : "") + channel(r.name));
    if (chans.length > 0) c.reply("319", member.name, chans.join(" "));
    c.reply("312", member.name, c.server.name, "chat");
    if (member.operator) c.reply("313", member.name, "is an IRC operator");
    if (id.away) c.reply("301", member.name, id.away);
    c.reply("318", member.name, "End of /WHOIS list");
  }
}

function list(c: IrcClient, m: IrcMessage): void {
  const only = m.params[0] && m.params[0] !== ""
    ? new Set(m.params[0].split(",").map((r) => roomName(r).toLowerCase()))
    : null;
  c.reply("321", "Channel", "Users  Name");
  for (const r of c.chat.roomList()) {
    if (only && !only.has(r.name.toLowerCase())) continue;
    c.reply("322", channel(r.name), String(r.members), r.topic);
  }
  c.reply("323", "End of /LIST");
}

function lusers(c: IrcClient): void {
  let n = 0;
  for (const _ of c.chat.members()) n++;
  c.reply("251", `There are ${n} users and 0 invisible on 1 server`);
  c.reply("254", String(c.chat.roomCount), "channels formed");
  c.reply("255", `I have ${c.chat.size} clients and 1 server`);
}

function userhost(c: IrcClient, m: IrcMessage): void {
  const found: string[] = [];
  for (const nick of m.params.slice(0, 5)) {
    const member = c.chat.find(nick);
    if (!member) continue;
    const id = identity(c, member);
    found.push(`${member.name}${member.operator ? "*" : ""}=${id.away ? "-" : "+"}${id.user}@chat`);
  }
  c.reply("302", found.join(" "));
}

function ison(c: IrcClient, m: IrcMessage): void {
  const here = m.params.flatMap((p) => p.split(" ")).filter((n) => n !== "" && c.chat.find(n));
  c.reply("303", here.map((n) => c.chat.find(n)!.name).join(" "));
}

/** Read-only commands. */
export const QUERY_COMMANDS: Record<string, IrcCommand> = {
  NAMES: { min: 0, run: names },
  WHO: { min: 0, run: who },
  WHOIS: { min: 1, run: whois },
  WHOWAS: {
    min: 1,
    run: (c, m) => {
      c.reply("406", m.params[0], "There was no such nickname");
      c.reply("369", m.params[0], "End of WHOWAS");
    },
  },
  LIST: { min: 0, run: list },
  MOTD: { min: 0, run: (c) => c.write(motdLines(c.server, c.me)) },
  LUSERS: { min: 0, run: lusers },
  VERSION: {
    min: 0,
    run: (c) => c.reply("351", `chat-${c.server.version}.`, c.server.name, "IRC gateway of chat"),
  },
  TIME: { min: 0, run: (c) => c.reply("391", c.server.name, new Date().toUTCString()) },
  USERHOST: { min: 1, run: userhost },
  ISON: { min: 1, run: ison },
};
