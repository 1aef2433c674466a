import { parseFlags, renderHelp, wantsHelp } from "../cli/flags.ts";
import type { ChatMessage } from "../protocol/events.ts";
import { sanitize } from "../protocol/sanitize.ts";
import { HistoryReader } from "./storage/history_reader.ts";
import { StorageError } from "./storage/storage_error.ts";
import type { ModerationRecord } from "./core/moderation_types.ts";
import { DEFAULT_LIMIT, HISTORY_FLAGS } from "./history_flags.ts";

/** `chat history --help`, generated from the flag table. */
export function historyHelp(): string {
  return renderHelp({
    usage: "chat history [flags]",
    about: [
      "Prints the messages a server stored, without starting one. Works while the server",
      "runs (it only reads). Text lines are UTC: DATE TIME #SEQ NAME: TEXT.",
    ],
    flags: HISTORY_FLAGS,
    examples: [
      "chat history                          # the last 100 messages in ./chat.db",
      "chat history --db /var/lib/chat.db --since 1200 --limit 50",
      "chat history --room dev --limit 20",
      "chat history --rooms",
      "chat history --moderation",
      "chat history --moderation --redis redis://10.0.0.5:6379   # a cluster's",
      "chat history --json --limit 0 > export.jsonl",
    ],
  });
}

/** One message as a text line: `2026-11-25 12:00:00 #123 alice: hi`. */
export function formatText(m: ChatMessage): string {
  const when = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(m.ts)
    ? m.ts.slice(0, 10) + " " + m.ts.slice(11, 19)
    : sanitize(m.ts);
  const from = sanitize(m.from);
  if (m.deleted) return `${when} #${m.seq} ${from}: (deleted)`;
  const text = sanitize(m.text) + (m.edited ? " (edited)" : "");
  return m.action ? `${when} #${m.seq} * ${from} ${text}` : `${when} #${m.seq} ${from}: ${text}`;
}

function count(flag: string, raw: string | undefined, fallback: number | undefined) {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    throw new TypeError(`--${flag} must be a whole number like 100, got "${raw}"`);
  }
  return Number(raw);
}

const encoder = new TextEncoder();

/** Writes all of `text` to stdout; false when the reader went away (`| head`). */
function write(text: string): boolean {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) return false;
    throw err;
  }
  return true;
}

/** One line of the moderation log: `2026-11-25 12:00:00 alice ban bob until …: spam`. */
function moderationLine(r: ModerationRecord, json: boolean): string {
  if (json) return JSON.stringify(r);
  return `${r.ts.slice(0, 10)} ${r.ts.slice(11, 19)} ${sanitize(r.by)} ${r.action} ${
    sanitize(r.target)
  }${r.until ? ` until ${r.until}` : ""}${r.reason ? `: ${sanitize(r.reason)}` : ""}`;
}

function writeLog(log: ModerationRecord[], json: boolean): void {
  write(log.map((r) => moderationLine(r, json)).join("\n") + (log.length ? "\n" : ""));
}

/** A cluster's moderation log, from its Redis (`--moderation --redis URL`). */
async function redisModeration(url: string, json: boolean): Promise<number> {
  const { connectRedis, RedisStartError } = await import("./cluster/redis_connect.ts");
  const { readRedisModerationLog } = await import("./cluster/redis_moderation.ts");
  let link;
  try {
    link = await connectRedis(url, { log: () => {} });
  } catch (err) {
    if (!(err instanceof RedisStartError)) throw err;
    console.error(`chat history: ${err.message}`);
    return 1;
  }
  try {
    writeLog(
      await readRedisModerationLog((args) => link.client.call(args[0], ...args.slice(1))),
      json,
    );
    return 0;
  } catch (err) {
    console.error(
      `chat history: cannot read the moderation log from ${link.url}: ${(err as Error).message}`,
    );
    return 1;
  } finally {
    await link.close();
  }
}

/** `chat history ARGS`: returns the exit code. */
export async function runHistory(args: string[]): Promise<number> {
  let db: string;
  let since: number | undefined;
  let limit: number;
  let json: boolean;
  let room: string | undefined;
  let listRooms: boolean;
  let moderation: boolean;
  let redis: string | undefined;
  // Without --room: the default room the server recorded in the file, else this.
  let defaultRoom = Deno.env.get("CHAT_DEFAULT_ROOM") || "lobby";
  try {
    if (wantsHelp(args)) {
      console.log(historyHelp());
      return 0;
    }
    const values = parseFlags(args, HISTORY_FLAGS) as Record<string, string | undefined> & {
      json?: boolean;
      rooms?: boolean;
      moderation?: boolean;
    };
    db = values.db ?? Deno.env.get("CHAT_DB") ?? "chat.db";
    if (db.trim() === "") throw new TypeError("--db cannot be empty, try chat.db");
    since = count("since", values.since, undefined);
    limit = count("limit", values.limit, DEFAULT_LIMIT)!;
    json = values.json ?? false;
    room = values.room?.replace(/^#/, "").trim();
    if (room === "") throw new TypeError("--room cannot be empty, try --room lobby");
    listRooms = values.rooms ?? false;
    moderation = values.moderation ?? false;
    redis = values.redis;
    if (redis !== undefined && !moderation) {
      throw new TypeError(
        "--redis reads only a cluster's moderation log: add --moderation (a cluster's messages are in Redis streams, not read by chat history)",
      );
    }
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/\. To specify.*$/s, "") : err;
    console.error(`chat history: ${message}\nRun chat history --help for every flag.`);
    return 2;
  }
  if (redis !== undefined) return await redisModeration(redis, json);
  let reader: HistoryReader | undefined;
  try {
    reader = HistoryReader.open(db);
    defaultRoom = reader.defaultRoom() ?? defaultRoom;
    if (moderation) {
      writeLog(reader.moderation(), json);
      return 0;
    }
    if (listRooms) {
      const rooms = reader.rooms(defaultRoom);
      write(
        rooms.map((r) =>
          json
            ? JSON.stringify(r)
            : `#${sanitize(r.name)}  ${r.messages} message${r.messages === 1 ? "" : "s"}` +
              `  last ${
                r.lastTs ? r.lastTs.slice(0, 10) + " " + r.lastTs.slice(11, 19) : "never"
              }` +
              (r.topic ? `  topic: ${sanitize(r.topic)}` : "")
        ).join("\n") + (rooms.length ? "\n" : ""),
      );
      return 0;
    }
    const name = room ?? defaultRoom;
    if (!reader.hasRoom(name)) {
      const known = reader.rooms(defaultRoom).map((r) => `#${sanitize(r.name)}`).join(", ");
      console.error(
        `chat history: there is no room #${
          sanitize(name)
        } in ${db} (its rooms: ${known}); pick one with --room NAME`,
      );
      return 1;
    }
    let chunk = "";
    for (const m of reader.messages({ since, limit, room: name, defaultRoom })) {
      chunk += (json ? JSON.stringify(m) : formatText(m)) + "\n";
      if (chunk.length >= 65536) {
        if (!write(chunk)) return 0;
        chunk = "";
      }
    }
    write(chunk);
    return 0;
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    console.error(`chat history: ${err.message}`);
    return 1;
  } finally {
    reader?.close();
  }
}
