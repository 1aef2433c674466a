// Real IRC clients for the end-to-end IRC tests: irssi in a private tmux
// server (read from its screen), and WeeChat headless (driven through its
// FIFO pipe plugin, read from its logger plugin's files). Each gets its own
// temporary home, removed when it stops: neither ever reads or writes the
// real ~/.irssi or ~/.config/weechat, and neither connects anywhere but the
// test's server.

const decoder = new TextDecoder();

function runs(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null", stdin: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** True when tmux is installed (irssi runs inside it). */
export const HAS_TMUX: boolean = runs("tmux", ["-V"]);

/** True when irssi is installed. */
export const HAS_IRSSI: boolean = runs("irssi", ["--version"]);

/** Where WeeChat's FIFO plugin is, if it is installed (Debian: weechat-plugins). */
function findWeechatPlugin(name: string): string | null {
  const dirs = ["/usr/lib/weechat/plugins", "/usr/local/lib/weechat/plugins"];
  try {
    for (const e of Deno.readDirSync("/usr/lib")) {
      if (e.isDirectory && e.name.includes("-linux-")) {
        dirs.push(`/usr/lib/${e.name}/weechat/plugins`);
      }
    }
  } catch {
    // no /usr/lib: nothing more to look in
  }
  for (const d of dirs) {
    try {
      Deno.statSync(`${d}/${name}.so`);
      return d;
    } catch {
      // not here
    }
  }
  return null;
}

/** True when weechat-headless runs and has the irc, logger and fifo plugins. */
export const HAS_WEECHAT: boolean = runs("weechat-headless", ["--version"]) &&
  ["irc", "logger", "fifo"].every((p) => findWeechatPlugin(p) !== null);

/** Why the irssi tests are skipped, or "" when they run. */
export const IRSSI_MISSING: string = !HAS_TMUX
  ? "tmux is not installed (apt-get install tmux)"
  : !HAS_IRSSI
  ? "irssi is not installed (apt-get install irssi)"
  : "";

/** Why the WeeChat tests are skipped, or "" when they run. */
export const WEECHAT_MISSING: string = HAS_WEECHAT
  ? ""
  : "weechat-headless with its fifo plugin is not installed " +
    "(apt-get install weechat-headless weechat-plugins)";

/** Polls `check` until it returns a value other than undefined; throws `what()` after `timeoutMs`. */
export async function poll<T>(
  check: () => Promise<T | undefined> | T | undefined,
  what: () => string | Promise<string>,
  timeoutMs = 10000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function matcher(
  pattern: RegExp | string | ((line: string) => boolean),
): (line: string) => boolean {
  if (typeof pattern === "function") return pattern;
  return typeof pattern === "string" ? (l) => l.includes(pattern) : (l) => pattern.test(l);
}

function removeDir(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // already gone
  }
}

// --- irssi -------------------------------------------------------------------

// A private tmux server for this test process, its socket in a temporary
// directory of its own: no one else's sessions are touched, nothing is left.
let socketDir = "";
let sessions = 0;

async function tmux(...args: string[]): Promise<string> {
  if (socketDir === "") socketDir = await Deno.makeTempDir({ prefix: "chat-irc-tmux-" });
  const out = await new Deno.Command("tmux", {
    args: ["-S", `${socketDir}/tmux`, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`tmux ${args[0]} failed: ${decoder.decode(out.stderr).trim()}`);
  }
  return decoder.decode(out.stdout);
}

globalThis.addEventListener("unload", () => {
  if (socketDir === "") return;
  try {
    // Whatever a failed test left: its sessions and so the private server.
    new Deno.Command("tmux", {
      args: ["-S", `${socketDir}/tmux`, "kill-server"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
  } catch {
    // tmux gone
  }
  removeDir(socketDir);
});

/**
 * The irssi config of a test: who it is, nothing saved, nothing logged, no
 * reconnecting (a kicked irssi stays out), no flood delay between the
 * commands a test types, no paste detection.
 */
function irssiConfig(nick: string): string {
  return `settings = {
  core = {
    real_name = "Irssi Tester";
    user_name = "${nick}";
    nick = "${nick}";
    settings_autosave = "no";
    server_reconnect_time = "3600";
  };
  "irc/core" = { cmd_queue_speed = "0"; cmds_max_at_once = "100"; };
  "fe-common/core" = { autolog = "no"; show_nickmode_empty = "no"; beep_msg_level = ""; };
  "fe-text" = { paste_detect_time = "0"; };
};
`;
}

/** irssi connected to the test server, in a detached tmux session of its own. */
export class Irssi {
  readonly session: string;
  readonly home: string;
  #stopped = false;

  private constructor(session: string, home: string) {
    this.session = session;
    this.home = home;
  }

  /** Starts irssi as `nick`, connecting to 127.0.0.1:`port`; waits for the end of the MOTD. */
  static async start(port: number, nick: string, width = 200, height = 50): Promise<Irssi> {
    const home = await Deno.makeTempDir({ prefix: "chat-irssi-" });
    await Deno.writeTextFile(`${home}/config`, irssiConfig(nick));
    const session = `irssi${++sessions}`;
    const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    const cmd = [
      "irssi",
      `--home=${home}`,
      `--config=${home}/config`,
      "--connect=127.0.0.1",
      `--port=${port}`,
      `--nick=${nick}`,
    ].map(q).join(" ");
    await tmux(
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      String(width),
      "-y",
      String(height),
      "-e",
      "TERM=xterm-256color",
      "-e",
      `HOME=${home}`,
      "-c",
      home,
      `${cmd}; echo IRSSI-EXITED=$?; sleep 30`,
    );
    const irssi = new Irssi(session, home);
    try {
      await irssi.waitFor(/End of \/MOTD command/, 15000);
    } catch (err) {
      await irssi.stop();
      throw err;
    }
    return irssi;
  }

  /**
   * Types `line` and Enter, as a person would (a /command or a message to
   * the window): Enter only once the input line shows what was typed.
   */
  async type(line: string): Promise<void> {
    await tmux("send-keys", "-t", this.session, "-l", line);
    const tail = line.slice(-40);
    let last: string[] = [];
    await poll(
      async () =>
        (last = await this.screen()).findLast((r) => r !== "")?.endsWith(tail) || undefined,
      () => `irssi's input line never showed "${line}"; its screen:\n${last.join("\n")}`,
      5000,
    );
    await tmux("send-keys", "-t", this.session, "Enter");
  }

  /** The screen, one string per row, trailing spaces trimmed. */
  async screen(): Promise<string[]> {
    const text = await tmux("capture-pane", "-p", "-t", this.session);
    return text.split("\n").map((l) => l.trimEnd());
  }

  /** Waits for a row matching `pattern`; returns it. Throws with the screen after `timeoutMs`. */
  async waitFor(
    pattern: RegExp | string | ((row: string) => boolean),
    timeoutMs = 8000,
  ): Promise<string> {
    const match = matcher(pattern);
    let last: string[] = [];
    return await poll(
      async () => (last = await this.screen()).find(match),
      () => `irssi never showed ${pattern}; its screen:\n${last.join("\n")}`,
      timeoutMs,
    );
  }

  /** Ends irssi (its session) and removes its home; safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await tmux("kill-session", "-t", this.session).catch(() => {});
    removeDir(this.home);
  }
}

// --- WeeChat -----------------------------------------------------------------

/** Log file names as WeeChat's logger makes them (lower case, `/` replaced). */
function logName(buffer: string): string {
  return `irc.${buffer}.weechatlog`.toLowerCase().replaceAll("/", "_");
}

/**
 * weechat-headless connected to the test server as server "chat", with only
 * its irc, logger and fifo plugins: commands go in through the FIFO, and
 * what it shows is read from its log files (flushed at once).
 */
export class WeeChat {
  readonly dir: string;
  readonly child: Deno.ChildProcess;
  readonly fifo: string;
  #stopped = false;
  #exited = false;
  readonly #status: Promise<void>;

  private constructor(dir: string, child: Deno.ChildProcess, fifo: string) {
    this.dir = dir;
    this.child = child;
    this.fifo = fifo;
    this.#status = child.status.then(() => {
      this.#exited = true;
    });
  }

  /** Starts WeeChat as `nick` on 127.0.0.1:`port`; waits until it is registered. */
  static async start(port: number, nick: string): Promise<WeeChat> {
    const dir = await Deno.makeTempDir({ prefix: "chat-weechat-" });
    const setup = [
      "/set weechat.look.save_config_on_exit off",
      "/set weechat.startup.display_logo off",
      "/set weechat.startup.display_version off",
      "/set logger.file.flush_delay 0",
      `/set irc.server_default.nicks ${nick}`,
      `/set irc.server_default.username ${nick}`,
      '/set irc.server_default.realname "WeeChat Tester"',
      "/set irc.server_default.autoreconnect off",
      "/set irc.server_default.autojoin_dynamic off",
      // No flood delay between the commands a test sends (2 s each by default).
      "/set irc.server_default.anti_flood_prio_high 0",
      "/set irc.server_default.anti_flood_prio_low 0",
      `/server add chat 127.0.0.1/${port} -notls`,
      "/connect chat",
    ].join(";");
    const child = new Deno.Command("weechat-headless", {
      // -a: no auto-connect but the one asked for; -P: no script, relay or
      // exec plugin (nothing that reaches the network), aliases for the
      // ones docs/irc.md gives; -d: its own home.
      args: ["-d", dir, "-a", "-s", "-P", "irc,logger,fifo,alias", "-r", setup],
      cwd: dir,
      env: { HOME: dir, TERM: "dumb" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const fifo = `${dir}/weechat_fifo_${child.pid}`;
    const w = new WeeChat(dir, child, fifo);
    try {
      await poll(
        () => Deno.stat(fifo).then((s) => s.isFifo || undefined, () => undefined),
        () => `no FIFO at ${fifo}`,
        10000,
      );
      await w.waitForLog("server.chat", /\tEnd of \/MOTD command/, 15000);
    } catch (err) {
      await w.stop();
      throw err;
    }
    return w;
  }

  /**
   * Runs `text` (a /command, or a message) in `buffer` ("server.chat",
   * "chat.#lobby", "chat.NICK"), through the FIFO.
   */
  async command(buffer: string, text: string): Promise<void> {
    if (this.#exited) throw new Error(`WeeChat has exited; cannot run ${text}`);
    const line = `irc.${buffer} *${text}\n`;
    // Opening a FIFO for writing waits for its reader: never longer than 5 s.
    const file = await deadline(
      Deno.open(this.fifo, { write: true }),
      5000,
      `WeeChat's FIFO ${this.fifo} did not open`,
    );
    try {
      const bytes = new TextEncoder().encode(line);
      let b = bytes;
      while (b.length > 0) b = b.subarray(await file.write(b));
    } finally {
      file.close();
    }
  }

  /** The lines WeeChat logged in `buffer` so far ([] before the buffer exists). */
  async log(buffer: string): Promise<string[]> {
    try {
      const text = await Deno.readTextFile(`${this.dir}/logs/${logName(buffer)}`);
      return text.split("\n").filter((l) => l !== "");
    } catch {
      return [];
    }
  }

  /**
   * Waits for a line of `buffer`'s log matching `pattern` (lines are
   * `DATE TIME<TAB>PREFIX<TAB>TEXT`); returns it.
   */
  async waitForLog(buffer: string, pattern: RegExp | string, timeoutMs = 8000): Promise<string> {
    const match = matcher(pattern);
    let last: string[] = [];
    return await poll(
      async () => (last = await this.log(buffer)).find(match),
      () =>
        `WeeChat's ${logName(buffer)} never had ${pattern}; it has:\n${last.slice(-30).join("\n")}`,
      timeoutMs,
    );
  }

  /** Quits WeeChat (killed if it lingers) and removes its home; safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (!this.#exited) await this.command("server.chat", "/quit").catch(() => {});
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#status, new Promise((r) => t = setTimeout(r, 3000))]);
    clearTimeout(t);
    if (!this.#exited) {
      try {
        this.child.kill("SIGKILL");
      } catch {
        // gone meanwhile
      }
      await this.#status;
    }
    removeDir(this.dir);
  }
}

/** `p`, or an error after `ms`. */
async function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => t = setTimeout(() => reject(new Error(what)), ms)),
    ]);
  } finally {
    clearTimeout(t);
  }
}
