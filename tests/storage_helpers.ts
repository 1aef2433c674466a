// Shared by the storage tests: temp directories, `chat history` and
// `chat serve` runs that are expected to end, and seeded databases.
import type { StoredMessage } from "../server/core/history.ts";
import type { ChatMessage } from "../protocol/events.ts";
import { SqliteHistory } from "../server/storage/sqlite_history.ts";
import { REPO_ROOT, text } from "./helpers.ts";

const MAIN = REPO_ROOT + "main.ts";

/** A fresh temp directory, removed by `remove()`. */
export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await Deno.makeTempDir({ prefix: "chat_storage_" });
  return {
    path,
    async remove() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** The result of a finished `chat` command. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `chat ARGS` to the end (at most `timeoutMs`) and returns what it printed. */
export async function runChat(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs ?? 20_000);
  const out = await child.output();
  clearTimeout(timer);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** `chat history --json ARGS` parsed into messages. */
export async function historyJson(db: string, args: string[] = []): Promise<ChatMessage[]> {
  const r = await runChat(["history", "--db", db, "--json", ...args]);
  if (r.code !== 0) throw new Error(`chat history failed (${r.code}): ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

/** Creates a database at `path` holding `messages`, through the server's own store. */
export function seedDatabase(path: string, messages: StoredMessage[]): void {
  const h = SqliteHistory.open(path);
  try {
    for (let i = 0; i < messages.length; i += 500) h.append(messages.slice(i, i + 500));
  } finally {
    h.close();
  }
}

/** `n` messages of `room` from seq `first`, all at `ts`. */
export function makeMessages(
  first: number,
  n: number,
  ts: string,
  room = "lobby",
): StoredMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    type: "message" as const,
    room,
    seq: first + i,
    ts,
    from: "seed",
    text: `seeded message ${first + i}`,
  }));
}

/** Waits until `check` returns true, polling every 100 ms for at most `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Mounts a tmpfs at `dir`; false when this machine does not allow it (not root). */
export async function mountTmpfs(dir: string, options: string): Promise<boolean> {
  await Deno.mkdir(dir, { recursive: true });
  const r = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", options, "tmpfs", dir],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ success: false }));
  return r.success;
}

export async function umount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: ["-l", dir], stdout: "null", stderr: "null" })
    .output().catch(() => {});
}
