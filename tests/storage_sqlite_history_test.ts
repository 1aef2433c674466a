import assert from "node:assert/strict";
import type { StoredMessage } from "../server/core/history.ts";
import { SqliteHistory } from "../server/storage/sqlite_history.ts";
import { SCHEMA_VERSION } from "../server/storage/schema.ts";
import { DatabaseSync } from "node:sqlite";
import { makeMessages, tempDir } from "./storage_helpers.ts";

const TS = "2026-11-25T12:00:00.000Z";
const R = "lobby";

Deno.test("batches of any size are stored whole and read back in order", async () => {
  const dir = await tempDir();
  try {
    const h = SqliteHistory.open(`${dir.path}/chat.db`);
    let seq = 0;
    const all: StoredMessage[] = [];
    for (const size of [1, 7, 8, 63, 64, 65, 137, 200]) {
      const batch = makeMessages(seq + 1, size, TS);
      batch[0] = { ...batch[0], action: true };
      seq += size;
      h.append(batch);
      all.push(...batch);
      assert.equal(h.lastSeq(R), seq);
    }
    assert.equal(h.count(), all.length);
    assert.deepEqual(h.recent(R, 10), all.slice(-10));
    assert.deepEqual(h.recent(R, 100_000), all);
    assert.deepEqual(h.since(R, 500, 3), all.slice(-3), "since keeps the newest when capped");
    assert.deepEqual(h.since(R, 500, 100_000), all.slice(500));
    assert.deepEqual(h.since(R, seq, 10), []);
    assert.deepEqual(h.recent(R, 0), []);
    h.close();
    h.close(); // twice is fine

    const again = SqliteHistory.open(`${dir.path}/chat.db`);
    assert.equal(again.lastSeq(R), seq);
    assert.equal(again.count(), all.length);
    assert.deepEqual(again.recent(R, 3), all.slice(-3));
    again.close();
  } finally {
    await dir.remove();
  }
});

Deno.test("a batch that cannot be stored leaves nothing behind and the store usable", async () => {
  const dir = await tempDir();
  try {
    const h = SqliteHistory.open(`${dir.path}/chat.db`);
    h.append(makeMessages(1, 3, TS));
    // seq 3 again: the primary key refuses it, and the whole batch goes.
    assert.throws(() => h.append(makeMessages(4, 5, TS).concat(makeMessages(3, 1, TS))), {
      name: "StorageError",
      message: /cannot write to the history database .*chat\.db/,
    });
    assert.equal(h.count(), 3);
    assert.equal(h.lastSeq(R), 3);
    h.append(makeMessages(4, 2, TS));
    assert.deepEqual(h.recent(R, 10).map((m) => m.seq), [1, 2, 3, 4, 5]);
    h.close();
  } finally {
    await dir.remove();
  }
});

Deno.test("the schema version is recorded, and the file is in WAL mode", async () => {
  const dir = await tempDir();
  try {
    SqliteHistory.open(`${dir.path}/chat.db`).close();
    const db = new DatabaseSync(`${dir.path}/chat.db`, { readOnly: true });
    assert.equal(
      (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version,
      SCHEMA_VERSION,
    );
    assert.equal(
      (db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode,
      "wal",
    );
    db.close();
  } finally {
    await dir.remove();
  }
});

Deno.test("trim deletes at most a chunk at a time, oldest first", async () => {
  const dir = await tempDir();
  try {
    const h = SqliteHistory.open(`${dir.path}/chat.db`);
    const old = new Date(Date.UTC(2026, 0, 1)).toISOString();
    const recent = new Date(Date.UTC(2026, 5, 1)).toISOString();
    h.append([...makeMessages(1, 250, old), ...makeMessages(251, 50, recent)]);
    const byCount = { maxAgeMs: null, maxCount: 120 };
    assert.equal(h.trim(byCount, Date.UTC(2026, 5, 2), 100), 100);
    assert.equal(h.trim(byCount, Date.UTC(2026, 5, 2), 100), 80);
    assert.equal(h.trim(byCount, Date.UTC(2026, 5, 2), 100), 0);
    assert.equal(h.count(), 120);
    assert.equal(h.recent(R, 1000)[0].seq, 181);
    const byAge = { maxAgeMs: 30 * 86_400_000, maxCount: null };
    assert.equal(h.trim(byAge, Date.UTC(2026, 5, 2), 50), 50);
    assert.equal(h.trim(byAge, Date.UTC(2026, 5, 2), 50), 20);
    assert.equal(h.trim(byAge, Date.UTC(2026, 5, 2), 50), 0);
    assert.deepEqual(
      h.recent(R, 1000).map((m) => m.seq),
      makeMessages(251, 50, recent).map((m) => m.seq),
    );
    h.close();
  } finally {
    await dir.remove();
  }
});

Deno.test("an in-memory history keeps at most its cap (plus a small slack), newest kept", () => {
  const h = SqliteHistory.open(":memory:", { memoryCap: 2000 });
  try {
    const all = makeMessages(1, 10_000, "2026-11-25T00:00:00.000Z");
    for (let i = 0; i < all.length; i += 500) h.append(all.slice(i, i + 500));
    assert.ok(h.count() <= 3000, `kept ${h.count()}`);
    assert.equal(h.lastSeq(R), 10_000);
    assert.deepEqual(h.since(R, 7_999, 5).map((m) => m.seq), [9_996, 9_997, 9_998, 9_999, 10_000]);
    assert.equal(h.recent(R, 2000)[0].seq, 8_001);
  } finally {
    h.close();
  }
});
