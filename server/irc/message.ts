/**
 * IRC messages (RFC 1459 §2.3.1, RFC 2812 §2.3.1, IRCv3 message-tags):
 * `[@tags ][:prefix ]COMMAND[ params][ :trailing]`.
 */

/** One parsed IRC line. */
export interface IrcMessage {
  /** IRCv3 tags, unescaped (`@time=…;label=1`); empty when none. */
  tags: Map<string, string>;
  /** The prefix without its colon; clients may send one, servers ignore it. */
  prefix: string;
  /** The command, upper-cased (`PRIVMSG`, `001`). */
  command: string;
  params: string[];
}

/** RFC 2812: at most 15 parameters; the 15th takes the rest of the line. */
const MAX_PARAMS = 15;
/** Bytes of an IRC line without its tags and CRLF (RFC 2812: 512 with the CRLF). */
export const MAX_LINE_BYTES = 510;
/** Bytes a client's tags may take (IRCv3 message-tags), with the `@` and the space. */
export const MAX_TAG_BYTES = 4096;

const TAG_UNESCAPES: Record<string, string> = {
  ":": ";",
  "s": " ",
  "\\": "\\",
  "r": "\r",
  "n": "\n",
};

function unescapeTag(v: string): string {
  return v.replace(/\\(.?)/g, (_, c: string) => TAG_UNESCAPES[c] ?? c);
}

/**
 * Parses one line (its CRLF already gone); null for a line with no command.
 *
 * @example
 * parseIrc("PRIVMSG #dev :hi there") // { command: "PRIVMSG", params: ["#dev", "hi there"], … }
 */
export function parseIrc(line: string): IrcMessage | null {
  let rest = line;
  const tags = new Map<string, string>();
  if (rest.startsWith("@")) {
    const sp = rest.indexOf(" ");
    const raw = sp < 0 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp < 0 ? "" : rest.slice(sp + 1);
    for (const item of raw.split(";")) {
      if (item === "") continue;
      const eq = item.indexOf("=");
      if (eq < 0) tags.set(item, "");
      else tags.set(item.slice(0, eq), unescapeTag(item.slice(eq + 1)));
    }
  }
  rest = rest.replace(/^ +/, "");
  let prefix = "";
  if (rest.startsWith(":")) {
    const sp = rest.indexOf(" ");
    prefix = sp < 0 ? rest.slice(1) : rest.slice(1, sp);
    rest = sp < 0 ? "" : rest.slice(sp + 1).replace(/^ +/, "");
  }
  const params: string[] = [];
  let command = "";
  while (rest !== "") {
    if (command !== "" && (rest.startsWith(":") || params.length === MAX_PARAMS - 1)) {
      params.push(rest.startsWith(":") ? rest.slice(1) : rest);
      break;
    }
    const sp = rest.indexOf(" ");
    const word = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? "" : rest.slice(sp + 1).replace(/^ +/, "");
    if (command === "") command = word.toUpperCase();
    else params.push(word);
  }
  if (command === "") return null;
  return { tags, prefix, command, params };
}

/** The part of a line after its tags: what the 512-byte limit applies to. */
export function withoutTags(line: string): string {
  if (!line.startsWith("@")) return line;
  const sp = line.indexOf(" ");
  return sp < 0 ? "" : line.slice(sp + 1);
}

/**
 * One line as sent: `params` are written as given, the last one with a
 * colon when it needs one (empty, a space, or a leading colon) or when
 * `trailing` says it is text (numerics: clients' parsers expect it).
 */
export function formatIrc(
  prefix: string,
  command: string,
  params: readonly string[],
  trailing = false,
): string {
  let line = prefix === "" ? command : `:${prefix} ${command}`;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    const last = i === params.length - 1;
    if (last && (trailing || p === "" || p.includes(" ") || p.startsWith(":"))) line += ` :${p}`;
    else line += ` ${p}`;
  }
  return line;
}

/** `nick!user@host` for a member: chat shows nobody's address (see docs/irc.md). */
export function hostmask(nick: string): string {
  return `${nick}!${nick}@chat`;
}

// IRC formatting (bold, colour, italic, underline, reverse, monospace, reset):
// dropped from what IRC clients send, so chat's other clients see the text.
const FORMATTING =
  // deno-lint-ignore no-control-regex
  /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

/** Removes IRC formatting codes from a text. */
export function stripFormatting(text: string): string {
  return text.replace(FORMATTING, "");
}
