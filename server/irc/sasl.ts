import { after } from "../core/reservations.ts";
import type { IrcClient } from "./irc_client.ts";
import type { IrcMessage } from "./message.ts";
import { hostmask } from "./message.ts";

/** Where a client's SASL exchange stands. */
export interface SaslState {
  /** PLAIN while a payload is awaited; null otherwise. */
  mechanism: string | null;
  /** Payload chunks so far (400 bytes each, IRCv3 SASL). */
  buffer: string;
  /** A key that was checked: the hello presents it. */
  key: string | undefined;
  account: string;
}

/** Longest payload taken, in base64 characters: a name and a 43-character key fit many times. */
const MAX_PAYLOAD = 2048;

/**
 * SASL PLAIN (IRCv3 sasl-3.1): the account is a reserved name, the
 * password its key. The key is checked against the reservation now (900,
 * 903 or 904) and presented again when the client registers.
 */
export function authenticate(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const s = c.sasl;
  const arg = m.params[0];
  if (c.registered) return c.reply("907", "You have already authenticated using SASL");
  if (!c.caps.enabled.has("sasl")) {
    return c.reply("904", "SASL authentication failed: CAP REQ :sasl first");
  }
  if (arg === "*") {
    s.mechanism = null;
    s.buffer = "";
    return c.reply("906", "SASL authentication aborted");
  }
  if (s.mechanism === null) {
    if (arg.toUpperCase() !== "PLAIN") {
      c.reply("908", "PLAIN", "are available SASL mechanisms");
      return c.reply("904", "SASL authentication failed");
    }
    s.mechanism = "PLAIN";
    s.buffer = "";
    c.line("AUTHENTICATE +");
    return;
  }
  if (arg !== "+") s.buffer += arg;
  if (s.buffer.length > MAX_PAYLOAD) {
    s.mechanism = null;
    s.buffer = "";
    return c.reply("905", "SASL message too long");
  }
  // A chunk of exactly 400 means more follow.
  if (arg.length === 400) return;
  const payload = s.buffer;
  s.mechanism = null;
  s.buffer = "";
  let parts: string[];
  try {
    parts = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(payload), (ch) => ch.charCodeAt(0)),
    ).split("\0");
  } catch {
    return c.reply("904", "SASL authentication failed: the payload is not base64 of UTF-8");
  }
  if (parts.length !== 3 || parts[1] === "" || parts[2] === "") {
    return c.reply("904", "SASL authentication failed: send authzid NUL name NUL key");
  }
  const [, account, key] = parts;
  const done = after(c.chat.reservations.check(account, { key, reserve: false }), (v) => {
    if (c.session.ended) return;
    if (!v.ok || !v.reserved) {
      return c.reply(
        "904",
        `SASL authentication failed: ${
          v.ok ? `${account} is not a reserved name` : "wrong key for " + account
        }`,
      );
    }
    s.key = key;
    s.account = account;
    c.reply("900", hostmask(account), account, `You are now logged in as ${account}`);
    c.reply("903", "SASL authentication successful");
  });
  return done instanceof Promise ? done.then(() => {}) : undefined;
}
