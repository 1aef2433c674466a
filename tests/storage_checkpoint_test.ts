import assert from "node:assert/strict";
import { joinJson, startServer, waitFor } from "./helpers.ts";
import { tempDir } from "./storage_helpers.ts";

// SQLite's automatic checkpoint would run inside a commit and stall the room
// on fsync; the server checkpoints from a Worker instead. A few thousand
// messages stay far below the automatic threshold (1000 WAL pages), so only
// the background checkpointer can move them into the database file.
Deno.test("the WAL is checkpointed in the background while the server runs, and nothing is lost", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  const server = await startServer(["--db", db, "--rate-limit", "0"]);
  try {
    const before = (await Deno.stat(db)).size;
    const { client } = await joinJson(server.port, "writer");
    let batch = "";
    for (let i = 0; i < 3000; i++) {
      batch += JSON.stringify({ type: "say", text: `m${i} ${"x".repeat(60)}` }) + "\n";
    }
    await client.sendRaw(batch);
    for (let i = 0; i < 3000; i++) await client.event("ack");
    let size = before;
    await waitFor(
      () => {
        size = Deno.statSync(db).size;
        return size > before + 100_000;
      },
      "the database file to grow by a checkpoint",
      5000,
    );
    await client.close();
    assert.equal(await server.stop("SIGTERM"), 0);
    // A clean stop leaves the file complete on its own: the WAL was folded in.
    const wal = await Deno.stat(`${db}-wal`).then((s) => s.size).catch(() => 0);
    assert.equal(wal, 0);
  } finally {
    await server.stop("SIGKILL");
    await dir.remove();
  }
});
