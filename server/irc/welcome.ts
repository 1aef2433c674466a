import { formatIrc } from "./message.ts";
import { numeric, packed } from "./render.ts";
import type { IrcServer } from "./server_info.ts";

/** Tokens per 005 line (RFC 2812 clients expect at most 13). */
const TOKENS_PER_LINE = 13;

/** The lines of the message of the day: what this server is, in a few words. */
export function motdLines(server: IrcServer, me: string): string {
  const s = server.name;
  const lines = [
    `chat ${server.version}: these channels are chat rooms.`,
    "People here use IRC, netcat, the terminal client and the web page, all in the same rooms.",
    "/list shows the rooms, /join #NAME enters one (a new name creates it).",
  ];
  let out = numeric(s, "375", me, `- ${s} Message of the day -`);
  for (const l of lines) out += numeric(s, "372", me, `- ${l}`);
  return out + numeric(s, "376", me, "End of /MOTD command.");
}

/** 005: ISUPPORT tokens, a few lines of them. */
export function isupportLines(server: IrcServer, me: string): string {
  let out = "";
  const tokens = server.isupport;
  for (let i = 0; i < tokens.length; i += TOKENS_PER_LINE) {
    const head = `:${server.name} 005 ${me} `;
    const some = tokens.slice(i, i + TOKENS_PER_LINE);
    for (const l of packed(head, some, " :are supported by this server")) out += l + "\r\n";
  }
  return out;
}

/** Registration done: 001–005, then the MOTD. */
export function welcomeLines(server: IrcServer, me: string): string {
  const s = server.name;
  const v = `chat-${server.version}`;
  return numeric(s, "001", me, `Welcome to the ${s} chat, ${me}`) +
    numeric(s, "002", me, `Your host is ${s}, running version ${v}`) +
    numeric(s, "003", me, `This server was created ${server.created.toUTCString()}`) +
    formatIrc(s, "004", [me, s, v, "o", "bnot", "bo"]) + "\r\n" +
    isupportLines(server, me) +
    motdLines(server, me);
}
