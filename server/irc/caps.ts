import type { IrcClient } from "./irc_client.ts";
import type { IrcMessage } from "./message.ts";

/** Where a client's capability negotiation (IRCv3 CAP) stands. */
export interface CapState {
  /** Between CAP LS/REQ and CAP END, registration waits. */
  negotiating: boolean;
  enabled: Set<string>;
  /** The CAP LS version the client gave (302 gets values such as `sasl=PLAIN`). */
  version: number;
}

/**
 * What chat offers: server-time (history with its original times),
 * echo-message, batch (a replay in one chathistory batch), multi-prefix
 * (one prefix level only, so nothing changes), message-tags (msgids on room
 * messages; no client-only tags are relayed: CLIENTTAGDENY=*),
 * draft/message-redaction (deletions as REDACT, and REDACT to delete) and
 * sasl (a reserved name's key, when names are reserved).
 */
function offered(c: IrcClient): string[] {
  const caps = [
    "batch",
    "draft/message-redaction",
    "echo-message",
    "message-tags",
    "multi-prefix",
    "server-time",
  ];
  if (c.chat.reservations.enabled) caps.push(c.caps.version >= 302 ? "sasl=PLAIN" : "sasl");
  return caps;
}

function apply(c: IrcClient, name: string, on: boolean): void {
  if (on) c.caps.enabled.add(name);
  else c.caps.enabled.delete(name);
  const peer = c.peer.caps;
  if (name === "server-time") peer.serverTime = on;
  if (name === "echo-message") peer.echoMessage = on;
  if (name === "batch") peer.batch = on;
  if (name === "message-tags") peer.messageTags = on;
  if (name === "draft/message-redaction") peer.redaction = on;
  c.peer.capsChanged();
}

/** `CAP LS [302]`, `CAP LIST`, `CAP REQ :a b -c`, `CAP END`. */
export function capCommand(c: IrcClient, m: IrcMessage): void | Promise<void> {
  const sub = m.params[0].toUpperCase();
  const server = c.server.name;
  const me = c.me;
  const say = (...params: string[]) => c.line(`:${server} CAP ${me} ${params.join(" ")}`);
  switch (sub) {
    case "LS": {
      const v = Number(m.params[1] ?? "0");
      c.caps.version = Number.isFinite(v) ? v : 0;
      if (!c.registered) c.caps.negotiating = true;
      return say("LS", `:${offered(c).join(" ")}`);
    }
    case "LIST":
      return say("LIST", `:${[...c.caps.enabled].join(" ")}`);
    case "REQ": {
      if (!c.registered) c.caps.negotiating = true;
      const asked = (m.params[1] ?? "").trim().split(/\s+/).filter((s) => s !== "");
      const known = new Set(offered(c).map((s) => s.split("=")[0]));
      // All or nothing (IRCv3): one unknown capability refuses the lot.
      const ok = asked.length > 0 && asked.every((a) => known.has(a.replace(/^-/, "")));
      if (!ok) return say("NAK", `:${asked.join(" ")}`);
      for (const a of asked) apply(c, a.replace(/^-/, ""), !a.startsWith("-"));
      return say("ACK", `:${asked.join(" ")}`);
    }
    case "END":
      if (c.registered || !c.caps.negotiating) return;
      c.caps.negotiating = false;
      return c.tryRegister();
    default:
      c.reply("410", m.params[0], "Invalid CAP command");
  }
}
