import { revised, type Revision, type StoredMessage } from "../core/history.ts";
import { matchesWords } from "../core/search_words.ts";
import { keys } from "./keys.ts";
import type { Commands } from "./link.ts";

/**
 * Edits and deletions in a cluster. A room's stream is append-only, so a
 * revision is kept beside it, in the room's hash `rev` (seq → the latest
 * revision, JSON), and applied to every message read from the stream. A
 * script checks that the message is still in the stream and not deleted,
 * and writes the revision, atomically; retention's trimming of the stream
 * leaves revisions of trimmed messages behind, which are never read again
 * (they cost a few bytes per edit).
 *
 * Redis 7 has no full-text index without modules, so search scans: the
 * newest {@linkcode SEARCH_SCAN} messages of each room, read from the
 * stream in chunks, matched here with the same word folding as SQLite's.
 */

/** Messages search reads per room, newest first, in a cluster. */
export const SEARCH_SCAN = 10_000;
const CHUNK = 1000;

/**
 * KEYS: log, rev. ARGV: seq, revision JSON. Returns the message's
 * JSON (as stored, before revisions), or false when it is gone.
 */
const REVISE_LUA = `
local id = '0-' .. ARGV[1]
local e = redis.call('XRANGE', KEYS[1], id, id)
if #e == 0 then return false end
local prev = redis.call('HGET', KEYS[2], ARGV[1])
if prev and string.find(prev, '"kind":"delete"', 1, true) then return false end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local f = e[1][2]
for i = 1, #f, 2 do if f[i] == 'm' then return f[i + 1] end end
return false
`;

/** XRANGE/XREVRANGE replies: [[id, [field, value, …]], …], as messages. */
export function streamMessages(reply: unknown): StoredMessage[] {
  const out: StoredMessage[] = [];
  if (!Array.isArray(reply)) return out;
  for (const item of reply) {
    if (!Array.isArray(item) || !Array.isArray(item[1])) continue;
    const fields = item[1] as string[];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] !== "m") continue;
      const m = parseMessage(String(fields[i + 1]));
      if (m) out.push(m);
    }
  }
  return out;
}

/** One stored message's JSON, or null when it is not one. */
export function parseMessage(json: string): StoredMessage | null {
  try {
    const m = JSON.parse(json);
    return m && m.type === "message" && typeof m.seq === "number" ? m as StoredMessage : null;
  } catch {
    return null;
  }
}

function parseRevision(json: unknown): Revision | null {
  if (typeof json !== "string") return null;
  try {
    const r = JSON.parse(json);
    return r && (r.kind === "edit" || r.kind === "delete") ? r as Revision : null;
  } catch {
    return null;
  }
}

/** Reads and writes a cluster's revisions, and pages and searches its streams. */
export class ClusterRevisions {
  readonly #commands: Commands;

  constructor(commands: Commands) {
    this.#commands = commands;
  }

  /** `messages` (of the room with key `key`) with their revisions applied. */
  async apply(key: string, messages: StoredMessage[]): Promise<StoredMessage[]> {
    if (messages.length === 0) return messages;
    const reply = await this.#commands.send([
      "HMGET",
      keys.rev(key),
      ...messages.map((m) => String(m.seq)),
    ]);
    if (!Array.isArray(reply)) return messages;
    return messages.map((m, i) => {
      const r = parseRevision(reply[i]);
      return r ? revised(m, r) : m;
    });
  }

  /** Up to `limit` messages before seq `before` (undefined: the newest), oldest first. */
  async page(
    key: string,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: StoredMessage[]; more: boolean }> {
    if (limit <= 0 || before === 0 || before === 1) return { messages: [], more: false };
    const end = before === undefined ? "+" : `0-${before - 1}`;
    const reply = await this.#commands.send([
      "XREVRANGE",
      keys.log(key),
      end,
      "-",
      "COUNT",
      String(limit + 1),
    ]);
    const newest = streamMessages(reply);
    const more = newest.length > limit;
    const messages = await this.apply(key, newest.slice(0, limit).reverse());
    return { messages, more };
  }

  /** Message `seq`, revised, or null when the stream no longer has it. */
  async message(key: string, seq: number): Promise<StoredMessage | null> {
    const id = `0-${seq}`;
    const [m] = streamMessages(await this.#commands.send(["XRANGE", keys.log(key), id, id]));
    return m ? (await this.apply(key, [m]))[0] : null;
  }

  /** Stores `revision` of message `seq`; the message as it is now, or null when gone. */
  async revise(key: string, seq: number, revision: Revision): Promise<StoredMessage | null> {
    const reply = await this.#commands.script(
      REVISE_LUA,
      [keys.log(key), keys.rev(key)],
      [String(seq), JSON.stringify(revision)],
    );
    const m = typeof reply === "string" ? parseMessage(reply) : null;
    return m ? revised(m, revision) : null;
  }

  /** Matches in the newest {@linkcode SEARCH_SCAN} messages of each room, newest first. */
  async search(
    rooms: readonly { key: string }[],
    words: readonly string[],
    limit: number,
  ): Promise<StoredMessage[]> {
    const found: StoredMessage[] = [];
    await Promise.all(rooms.map(async ({ key }) => {
      let end = "+";
      let hits = 0;
      for (let read = 0; read < SEARCH_SCAN && hits < limit; read += CHUNK) {
        const chunk = streamMessages(
          await this.#commands.send(["XREVRANGE", keys.log(key), end, "-", "COUNT", String(CHUNK)]),
        );
        if (chunk.length === 0) break;
        for (const m of await this.apply(key, chunk)) {
          if (!m.deleted && matchesWords(m.text, words)) {
            found.push(m);
            hits++;
          }
        }
        const oldest = chunk.at(-1)!.seq;
        if (oldest <= 1 || chunk.length < CHUNK) break;
        end = `0-${oldest - 1}`;
      }
    }));
    found.sort((a, b) => a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : b.seq - a.seq);
    return found.slice(0, limit);
  }
}
