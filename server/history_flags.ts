import type { FlagSpec } from "../cli/flags.ts";

/** How many messages `chat history` prints by default. */
export const DEFAULT_LIMIT = 100;

/** The flags of `chat history`: parsing, --help, the man page and completions come from this table. */
export const HISTORY_FLAGS: readonly FlagSpec[] = [
  {
    name: "db",
    arg: "PATH",
    default: "chat.db",
    env: "CHAT_DB",
    help: "the server's history database",
  },
  {
    name: "room",
    arg: "NAME",
    default: "lobby",
    env: "CHAT_DEFAULT_ROOM",
    help: "the room (by default the server's default room, as it recorded it in the file)",
  },
  {
    name: "rooms",
    arg: "",
    default: "off",
    help: "list the rooms instead: messages kept and last activity of each",
  },
  {
    name: "moderation",
    arg: "",
    default: "off",
    help: "print the moderation log instead: who did what to whom, and why",
  },
  {
    name: "redis",
    arg: "URL",
    default: "none",
    help: "with --moderation: read a cluster's log from this Redis (redis://HOST:PORT), not --db",
  },
  {
    name: "since",
    arg: "SEQ",
    default: "the newest ones",
    help: "only messages after seq SEQ, oldest first",
  },
  { name: "limit", arg: "N", default: String(DEFAULT_LIMIT), help: "at most N messages, 0 = all" },
  {
    name: "json",
    arg: "",
    default: "off",
    help: "one JSON message per line, as the protocol sends them",
  },
];
