import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SqliteHistory } from "./sqlite_history.ts";
import { SCHEMA_VERSION } from "./schema.ts";

// A real SQLite file: bans keep the target as typed (schema v6); a file
// from before v6 upgrades, its bans shown by their key.

Deno.test("a name ban keeps its spelling across a reopen; a ban from before schema v6 is shown by its key", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/chat.db`;
  try {
    let h = SqliteHistory.open(path);
    h.moderationStore().saveBan({
      target: "name:dave",
      shown: "Dave",
      by: "alice",
      reason: "",
      until: null,
    });
    h.close();
    // Make it a v5 file with an old row: no shown column.
    const db = new DatabaseSync(path);
    db.exec(`INSERT INTO bans (target, by, reason) VALUES ('name:erin', 'alice', 'old');
             ALTER TABLE bans DROP COLUMN shown;
             PRAGMA user_version = 5;`);
    db.close();
    h = SqliteHistory.open(path);
    const { bans } = h.moderationStore().load();
    assert.deepEqual(
      bans.map((b) => [b.target, b.shown]).sort(),
      [["name:dave", "dave"], ["name:erin", "erin"]],
      "the v6 column was dropped with Dave in it: both fall back to the key",
    );
    h.moderationStore().saveBan({
      target: "name:dave",
      shown: "Dave",
      by: "alice",
      reason: "",
      until: null,
    });
    h.close();
    h = SqliteHistory.open(path);
    const again = h.moderationStore().load().bans.find((b) => b.target === "name:dave");
    assert.equal(again?.shown, "Dave");
    h.close();
    const check = new DatabaseSync(path, { readOnly: true });
    const v = check.prepare("PRAGMA user_version").get() as { user_version: number };
    assert.equal(v.user_version, SCHEMA_VERSION);
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
