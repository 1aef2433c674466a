import type { FlagSpec } from "../cli/flags.ts";

/** The flags of `chat serve`: parsing and --help both come from this table. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { name: "host", arg: "HOST", default: "0.0.0.0", env: "CHAT_HOST", help: "address to listen on" },
  {
    name: "port",
    arg: "PORT",
    default: "8080",
    env: "CHAT_PORT",
    help: "TCP port for netcat and `chat join` (0 = any free port)",
  },
  {
    name: "web-port",
    arg: "PORT",
    default: "8081",
    env: "CHAT_WEB_PORT",
    help: "HTTP port for the web page, /ws, /healthz and /metrics (0 = any free port)",
  },
  {
    name: "no-web",
    arg: "",
    default: "off",
    help: "no web page, WebSocket, /healthz or /metrics",
  },
  {
    name: "irc-port",
    arg: "PORT",
    default: "off",
    env: "CHAT_IRC_PORT",
    help: "IRC port: irssi, WeeChat, HexChat and bots join the same rooms (0 = any free port)",
  },
  {
    name: "server-name",
    arg: "NAME",
    default: "the host name",
    env: "CHAT_SERVER_NAME",
    help: "the name the server gives itself in IRC replies",
  },
  {
    name: "tls-cert",
    arg: "FILE",
    default: "none",
    env: "CHAT_TLS_CERT",
    help: "PEM certificate (chain): the TCP port becomes TLS-only and the web side HTTPS",
  },
  {
    name: "tls-key",
    arg: "FILE",
    default: "none",
    env: "CHAT_TLS_KEY",
    help: "PEM private key of --tls-cert; SIGHUP reloads both files",
  },
  {
    name: "password-file",
    arg: "FILE",
    default: "none",
    help:
      "file holding the room password everyone must give (or the password in env CHAT_PASSWORD)",
  },
  {
    name: "op-password-file",
    arg: "FILE",
    default: "none",
    help:
      "file holding the operator password (/op PASSWORD; or the password in env CHAT_OP_PASSWORD)",
  },
  {
    name: "default-room",
    arg: "NAME",
    default: "lobby",
    env: "CHAT_DEFAULT_ROOM",
    help: "the room everyone is in at first (netcat, old clients)",
  },
  { name: "max-rooms", arg: "N", default: "1000", help: "most rooms that may exist" },
  { name: "history", arg: "N", default: "50", help: "messages replayed on entering a room" },
  { name: "max-line", arg: "BYTES", default: "4096", help: "longest message line accepted" },
  { name: "max-clients", arg: "N", default: "10000", help: "most connections at once" },
  {
    name: "max-per-ip",
    arg: "N",
    default: "100",
    help: "most connections from one address, IPv6 per /64 (0 = no limit)",
  },
  {
    name: "max-pending-per-ip",
    arg: "N",
    default: "10",
    help: "most connections from one address still joining (0 = no limit)",
  },
  {
    name: "trust-proxy",
    arg: "CIDR[,CIDR]",
    default: "none",
    env: "CHAT_TRUST_PROXY",
    help: "web requests from these take the client address from X-Forwarded-For/Forwarded",
  },
  {
    name: "handshake-timeout",
    arg: "SECONDS",
    default: "30",
    help: "close connections that have not joined in time (TLS handshake, name, password)",
  },
  {
    name: "ping-timeout",
    arg: "SECONDS",
    default: "30",
    help: "drop WebSocket clients (and JSON clients that ping) that go silent this long",
  },
  {
    name: "rate-limit",
    arg: "RATE[:BURST]",
    default: "10:40",
    help: "flood control: lines/s per client after a burst (0 = off)",
  },
  {
    name: "max-outbox",
    arg: "BYTES",
    default: "1048576",
    help: "output queued for a client before it is dropped as slow",
  },
  { name: "log-level", arg: "LEVEL", default: "info", help: "debug, info, warn or error" },
  {
    name: "db",
    arg: "PATH",
    default: "chat.db",
    env: "CHAT_DB",
    help: "SQLite file that keeps the history (:memory: = lost at exit)",
  },
  {
    name: "retain",
    arg: "AGE,COUNT",
    default: "forever",
    env: "CHAT_RETAIN",
    help: "delete messages older than AGE (30d, 12h, 90m) and/or beyond the newest COUNT",
  },
  {
    name: "reserve-names",
    arg: "DURATION|off",
    default: "30d",
    env: "CHAT_RESERVE_NAMES",
    help:
      "a name joined by chat join or the web page stays its holder's (by a key) this long after its last use (30d, 12h; off)",
  },
  {
    name: "redis",
    arg: "URL",
    default: "none",
    env: "CHAT_REDIS",
    help:
      "run as one node of a cluster on this Redis (redis://HOST:PORT): history, names and rooms live there, not in --db",
  },
];
