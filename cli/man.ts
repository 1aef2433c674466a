// `chat help --man`: the manual page in roff (man(7)), written from the
// command and flag tables so it says what the program does, flag for flag.
import { COMMANDS } from "./commands.ts";
import type { FlagSpec } from "./flags.ts";

/** Text for roff: backslashes escaped, and no line taken for a request. */
function esc(text: string): string {
  return text.replace(/\\/g, "\\e").replace(/^([.'])/gm, "\\&$1");
}

/** A flag or command word: hyphens as roff's minus sign, so they copy and search right. */
function word(text: string): string {
  return esc(text).replace(/-/g, "\\-");
}

function flagItem(f: FlagSpec): string[] {
  const notes = [
    `default ${esc(f.default)}`,
    ...(f.env ? [`env \\fB${word(f.env)}\\fR`] : []),
    ...(f.choices ? [`one of ${esc(f.choices.join(", "))}`] : []),
    ...(f.multiple ? ["may be given more than once"] : []),
    ...(f.restart ? ["a change in the config file needs a restart"] : []),
  ];
  return [
    ".TP",
    `\\fB\\-\\-${word(f.name)}\\fR${f.arg ? ` \\fI${word(f.arg)}\\fR` : ""}`,
    `${esc(f.help)} (${notes.join("; ")}).`,
  ];
}

const ABOUT = [
  "chat is one program that is both a chat server and its terminal client.",
  "A server (\\fBchat serve\\fR) holds rooms that people join from the terminal",
  "(\\fBchat join\\fR), with netcat (\\fBnc HOST PORT\\fR: plain lines), from a browser",
  "(the web page it serves), from IRC clients, or as bots speaking one JSON object a line.",
  "History is kept in SQLite, or in Redis when several servers form a cluster.",
];

const CONFIG = [
  ".SH CONFIGURATION FILE",
  "\\fBchat serve \\-\\-config\\fR \\fIFILE\\fR (or env \\fBCHAT_CONFIG\\fR) reads a TOML file",
  "whose keys are the flags of \\fBchat serve\\fR with the same names, without the dashes:",
  ".PP",
  ".RS",
  ".nf",
  "port = 8080",
  'db = "/var/lib/chat/chat.db"',
  'rate-limit = "10:40"',
  'password-file = "/etc/chat/password"',
  ".fi",
  ".RE",
  ".PP",
  "A flag wins over its environment variable, which wins over the file, which wins",
  "over the default. An unknown key, a value of the wrong type or a bad value stops the",
  "server before it listens, naming the file, the line and the key (exit status 2).",
  "\\fBchat serve \\-\\-example\\-config\\fR prints every key with its help;",
  "\\fBchat serve \\-\\-print\\-config\\fR prints the configuration in effect and where each",
  "value came from, with passwords shown as ***.",
  "The room and operator passwords are read from the files named by",
  "\\fBpassword\\-file\\fR and \\fBop\\-password\\-file\\fR (or env \\fBCHAT_PASSWORD\\fR,",
  "\\fBCHAT_OP_PASSWORD\\fR), never from a flag or the file itself.",
  ".SH SIGNALS",
  ".TP",
  ".B SIGHUP",
  "\\fBchat serve\\fR reads its config file, its password files and its TLS certificate",
  "and key again. Limits, the rate limit, the log level, retention, passwords and",
  "reserved names change at once, for connections made from then on; nobody is dropped.",
  "Keys that cannot change while it runs (addresses and ports, the database, Redis,",
  "file storage) are logged as needing a restart and keep their value. A file that fails",
  "to load is logged and the configuration before it kept. \\fB/healthz\\fR shows the",
  "configuration generation in force.",
  ".TP",
  '.BR SIGINT ", " SIGTERM',
  "shut down gracefully: everyone is told, what is queued is sent, then it exits.",
];

const EXIT = [
  ".SH EXIT STATUS",
  ".TP",
  ".B 0",
  "success.",
  ".TP",
  ".B 1",
  "the server could not start (an address in use, an unusable database or certificate),",
  "or a client could not connect.",
  ".TP",
  ".B 2",
  "a bad command line or config file.",
];

const EXAMPLES = [
  "chat serve --config /etc/chat/chat.toml",
  "chat serve --example-config > chat.toml",
  "systemctl reload chat            # or: kill -HUP PID",
  "chat join --name bob --host chat.example.org",
  "nc chat.example.org 8080",
  'echo "deploy done" | chat join --name ci',
  "chat history --room dev --limit 20",
  "chat completions bash > ~/.local/share/bash-completion/completions/chat",
];

/** The manual page, chat(1), in roff. */
export function manPage(version: string): string {
  const env = new Map<string, string>();
  for (const c of COMMANDS) {
    for (const f of c.flags) {
      if (!f.env) continue;
      const users = COMMANDS.filter((o) =>
        o.flags.some((g) => g.env === f.env && g.name === f.name)
      );
      const where = users.length > 1 ? ` (${users.map((u) => `chat ${u.name}`).join(", ")})` : "";
      if (!env.has(f.env)) env.set(f.env, `--${f.name}${where}`);
    }
  }
  env.set("CHAT_PASSWORD", "the room password (chat serve, chat join)");
  env.set("CHAT_OP_PASSWORD", "the operator password (chat serve)");
  const out = [
    `.TH CHAT 1 "" "chat ${esc(version)}" "User Commands"`,
    ".SH NAME",
    "chat \\- a chat room in one file: terminal, netcat, browser and bots together",
    ".SH SYNOPSIS",
    ...COMMANDS.flatMap((c) => [
      ".br",
      `\\fBchat ${word(c.name)}\\fR${
        c.usage ? ` ${word(c.usage).replace(/\[flags\]/, "[\\fIflags\\fR]")}` : ""
      }`,
    ]).slice(1),
    ".SH DESCRIPTION",
    ...ABOUT,
    ".SH COMMANDS",
  ];
  for (const c of COMMANDS) {
    out.push(`.SS chat ${word(c.name)}${c.usage ? ` ${word(c.usage)}` : ""}`, `${esc(c.summary)}.`);
    for (const f of c.flags) out.push(...flagItem(f));
    if (c.flags.length > 0) out.push(".TP", "\\fB\\-\\-help\\fR", "show this command's help.");
  }
  out.push(...CONFIG, ".SH ENVIRONMENT");
  for (const [name, what] of env) {
    out.push(
      ".TP",
      `\\fB${word(name)}\\fR`,
      what.startsWith("--")
        ? `as \\fB${word(what.split(" ")[0])}\\fR${esc(what.slice(what.split(" ")[0].length))}.`
        : `${esc(what)}.`,
    );
  }
  out.push(
    ...EXIT,
    ".SH EXAMPLES",
    ".nf",
    ...EXAMPLES.map((e) => word(e)),
    ".fi",
    ".SH SEE ALSO",
    "\\fBnc\\fR(1), \\fBirssi\\fR(1), \\fBsystemctl\\fR(1);",
    "the README and docs/protocol.md in the source.",
  );
  return out.join("\n") + "\n";
}
