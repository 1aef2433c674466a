// Shared by the `chat join` tests: run the client as a subprocess (pipe
// mode), or inside a real terminal (tmux) for the interactive mode.
import { REPO_ROOT } from "./helpers.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The XDG_CONFIG_HOME every `chat join` of these tests gets unless a test
 * gives its own: its keys.json never lands in the real ~/.config/chat.
 * Removed when the test process ends.
 */
export const CONFIG_HOME: string = Deno.makeTempDirSync({ prefix: "chat-join-config-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(CONFIG_HOME, { recursive: true });
  } catch {
    // already gone
  }
});

/** What a finished `chat join` printed and returned. */
export interface JoinResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `chat join ARGS` with `input` on a piped stdin; kills it after `timeoutMs`. */
export async function runJoinPiped(
  args: string[],
  input: string | ReadableStream<Uint8Array> = "",
  timeoutMs = 20000,
  env: Record<string, string> = {},
): Promise<JoinResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "join", ...args],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", XDG_CONFIG_HOME: CONFIG_HOME, ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const feeding = typeof input === "string"
      ? (async () => {
        const w = child.stdin.getWriter();
        await w.write(encoder.encode(input));
        await w.close();
      })()
      : input.pipeTo(child.stdin);
    const out = await child.output();
    await feeding.catch(() => {});
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** A port nobody listens on (just freed). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** True when tmux is installed: the terminal tests need it. */
export const HAS_TMUX: boolean = (() => {
  try {
    return new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

// A private tmux server, so these tests never touch anyone else's sessions.
const SOCKET = `chat-join-test-${Deno.pid}`;
let counter = 0;

async function tmux(...args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args: ["-L", SOCKET, ...args], stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`tmux ${args[0]} failed: ${decoder.decode(out.stderr).trim()}`);
  }
  return decoder.decode(out.stdout);
}

/**
 * `chat join ARGS` running in a real terminal (a detached tmux session of a
 * fixed size). The shell prints "EXITED=CODE" when the client ends.
 */
export class Terminal {
  readonly session: string;

  private constructor(session: string) {
    this.session = session;
  }

  /** Starts the client in a new session, `width` x `height` cells, with `env` added. */
  static async start(
    args: string[],
    width = 100,
    height = 30,
    env: Record<string, string> = {},
  ): Promise<Terminal> {
    const session = `join${++counter}`;
    const quoted = [Deno.execPath(), "run", "-A", MAIN, "join", ...args]
      .map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
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
      ...Object.entries({ XDG_CONFIG_HOME: CONFIG_HOME, ...env }).flatMap(([k, v]) => [
        "-e",
        `${k}=${v}`,
      ]),
      "-c",
      REPO_ROOT,
      // CI exports NO_COLOR; the terminal tests look at colours and attributes too.
      `env -u NO_COLOR ${quoted}; echo EXITED=$?; sleep 60`,
    );
    return new Terminal(session);
  }

  /** Types keys (tmux key names like Enter, Tab, Up, C-c; other words literally). */
  async keys(...keys: string[]): Promise<void> {
    await tmux("send-keys", "-t", this.session, ...keys);
  }

  /** Types text literally (no key names), without Enter. */
  async type(text: string): Promise<void> {
    await tmux("send-keys", "-t", this.session, "-l", text);
  }

  /** The screen as text, one string per row, trailing spaces trimmed. */
  async screen(): Promise<string[]> {
    const text = await tmux("capture-pane", "-p", "-t", this.session);
    return text.split("\n").map((l) => l.trimEnd());
  }

  /** The screen with colours and attributes as escape sequences. */
  async screenWithStyles(): Promise<string> {
    return await tmux("capture-pane", "-p", "-e", "-t", this.session);
  }

  /** Polls the screen until `check` accepts it; throws with the screen after `timeoutMs`. */
  async waitFor(
    check: (rows: string[]) => boolean,
    what: string,
    timeoutMs = 8000,
  ): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const rows = await this.screen();
      if (check(rows)) return rows;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; the screen:\n${rows.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for a row containing `text`. */
  async waitForText(text: string, timeoutMs = 8000): Promise<string[]> {
    return await this.waitFor((rows) => rows.some((r) => r.includes(text)), `"${text}"`, timeoutMs);
  }

  /** The row the cursor is on (the input line). */
  async cursorRow(): Promise<string> {
    const y = Number(
      (await tmux("display-message", "-p", "-t", this.session, "#{cursor_y}")).trim(),
    );
    return (await this.screen())[y] ?? "";
  }

  /** Waits until the input line (the cursor's row) reads exactly `text`. */
  async waitForInput(text: string, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let row = "";
    while ((row = await this.cursorRow()) !== text) {
      if (Date.now() > deadline) {
        throw new Error(`the input line is "${row}", expected "${text}"`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends the session and its processes; safe to call twice. */
  async kill(): Promise<void> {
    await tmux("kill-session", "-t", this.session).catch(() => {});
  }
}
