// The full-text index as SQLite keeps it: messages indexed later than they
// are stored (when idle, or when a search asks), edits and deletions of
// indexed and not-yet-indexed messages, retention, small rooms among a big
// one, and an index that survives a restart half built.
import assert from "node:assert/strict";
import type { StoredMessage } from "../server/core/history.ts";
import { searchWords } from "../server/core/search_words.ts";
import { SqliteHistory } from "../server/storage/sqlite_history.ts";
import { STEP } from "../server/storage/search_index.ts";
import { DatabaseSync } from "node:sqlite";
import { tempDir } from "./storage_helpers.ts";

const TS = "2026-11-25T12:00:00.000Z";

function msgs(room: string, first: number, texts: string[]): StoredMessage[] {
  return texts.map((text, i) => ({
    type: "message",
    room,
    seq: first + i,
    ts: TS,
    from: "ann",
    text,
  }));
}

async function find(h: SqliteHistory, rooms: string[], query: string): Promise<number[]> {
  return (await h.search(rooms, searchWords(query), 100)).map((m) => m.seq);
}

function indexed(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT indexed FROM message_words_state").get() as { indexed: number })
      .indexed;
  } finally {
    db.close();
  }
}

Deno.test("the index: filled when a search asks, in steps; edits and deletions before and after indexing", async () => {
  const dir = await tempDir();
  const path = `${dir.path}/chat.db`;
  try {
    const h = SqliteHistory.open(path);
    // More than one step's worth, so that a search waits for several.
    const n = STEP * 2 + 17;
    h.append(msgs("lobby", 1, Array.from({ length: n }, (_, i) => `filler ${i} word${i}`)));
    h.append(msgs("lobby", n + 1, ["Café crème", "the old text", "gone soon"]));
    assert.equal(indexed(path), 0, "nothing is indexed as it is stored");
    // Edited and deleted before they are indexed: the index gets them as they are then.
    h.revise("lobby", n + 2, { kind: "edit", text: "the new text", ts: TS });
    h.revise("lobby", n + 3, { kind: "delete", ts: TS, by: "ann" });
    assert.deepEqual(await find(h, ["lobby"], "CAFE creme"), [n + 1]);
    assert.equal(indexed(path) >= n + 3, true, "a search indexes everything first");
    assert.deepEqual(await find(h, ["lobby"], "old"), []);
    assert.deepEqual(await find(h, ["lobby"], "new"), [n + 2]);
    assert.deepEqual(await find(h, ["lobby"], "gone"), []);
    assert.deepEqual(await find(h, ["lobby"], "word7"), [8]);
    // Edited and deleted after: the triggers keep the index right.
    h.revise("lobby", n + 2, { kind: "edit", text: "newer still", ts: TS });
    h.revise("lobby", n + 1, { kind: "delete", ts: TS, by: "ann" });
    assert.deepEqual(await find(h, ["lobby"], "new"), []);
    assert.deepEqual(await find(h, ["lobby"], "newer"), [n + 2]);
    assert.deepEqual(await find(h, ["lobby"], "cafe"), []);
    // The FTS5 index agrees with its content (an FTS5 'delete' with wrong values would not).
    h.close();
    const db = new DatabaseSync(path);
    db.exec("INSERT INTO message_words (message_words, rank) VALUES ('integrity-check', 1)");
    db.close();
  } finally {
    await dir.remove();
  }
});

Deno.test("the index: a small room among a big one, room names of any letters, retention, a restart half-indexed", async () => {
  const dir = await tempDir();
  const path = `${dir.path}/chat.db`;
  try {
    let h = SqliteHistory.open(path);
    h.append(msgs("lobby", 1, Array.from({ length: 3000 }, (_, i) => `deploy ${i}`)));
    h.append(msgs("café-ops", 1, ["deploy on friday"]));
    h.append(msgs("dev", 1, ["deploy later"]));
    assert.deepEqual(await find(h, ["café-ops"], "deploy"), [1], "the narrow path");
    assert.deepEqual(await find(h, ["dev", "café-ops"], "deploy"), [1, 1]);
    assert.equal((await find(h, ["lobby"], "deploy")).length, 100);
    assert.deepEqual(await find(h, ["nowhere"], "deploy"), []);
    // Retention of indexed messages.
    h.trim({ maxAgeMs: null, maxCount: 10 }, Date.now(), 10_000);
    assert.deepEqual((await find(h, ["lobby"], "deploy")).length, 10);
    // New messages, then a restart before they were indexed: found after it.
    h.append(msgs("dev", 2, ["after the restart"]));
    h.close();
    h = SqliteHistory.open(path);
    assert.deepEqual(await find(h, ["dev"], "restart"), [2]);
    h.close();
    // --no-search drops it; back on, it is rebuilt from every message.
    SqliteHistory.open(path, { search: false }).close();
    const db = new DatabaseSync(path, { readOnly: true });
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'message_words%'")
      .all();
    db.close();
    assert.deepEqual(tables, []);
    h = SqliteHistory.open(path);
    assert.deepEqual(await find(h, ["dev"], "later"), [1]);
    h.close();
  } finally {
    await dir.remove();
  }
});

Deno.test("the index fills by itself once the room is quiet for a second", async () => {
  const dir = await tempDir();
  const path = `${dir.path}/chat.db`;
  try {
    const h = SqliteHistory.open(path);
    h.append(msgs("lobby", 1, Array.from({ length: STEP + 5 }, (_, i) => `idle ${i}`)));
    assert.equal(indexed(path), 0);
    const deadline = Date.now() + 5000;
    while (indexed(path) < STEP + 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(indexed(path), STEP + 5);
    h.close();
  } finally {
    await dir.remove();
  }
});
