import assert from "node:assert/strict";
import { joinJson, startServer } from "./helpers.ts";
import { historyJson, tempDir } from "./storage_helpers.ts";

const TOTAL = 20_000;
const WINDOW = 1_000;
const KILL_AFTER_ACKS = 6_000;

Deno.test("a SIGKILL mid-flood loses no acked message; after a restart each is there once, in order", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    const server = await startServer(["--db", db, "--rate-limit", "0"], { lines: 2 });
    const { client } = await joinJson(server.port, "flood");
    const acked = new Map<number, number>(); // message number -> seq
    let killed = false;
    const reading = (async () => {
      try {
        while (true) {
          const event = JSON.parse(await client.line(10_000));
          if (event.type === "ack") acked.set(Number(event.ref), event.seq);
          if (!killed && acked.size >= KILL_AFTER_ACKS) {
            killed = true;
            server.child.kill("SIGKILL");
          }
        }
      } catch {
        // EOF: the server is gone
      }
    })();
    let sent = 0;
    while (sent < TOTAL && !killed && !client.eof) {
      const n = Math.min(TOTAL - sent, WINDOW - (sent - acked.size), 250);
      if (n <= 0) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      let lines = "";
      for (let i = sent; i < sent + n; i++) {
        lines += JSON.stringify({ type: "say", text: `message ${i}`, ref: String(i) }) + "\n";
      }
      sent += n;
      await client.sendRaw(lines).catch(() => {});
    }
    await reading;
    await client.close();
    assert.equal(await server.exited, 137);
    assert.ok(killed, "the server was killed mid-flood");
    // Acks already on their way when the kill landed are still counted (and
    // must be stored), so only "before the flood ended" is certain here.
    assert.ok(acked.size < TOTAL, "killed before the flood ended");

    // Readable right after the crash, before any server recovered the WAL.
    const stored = await historyJson(db, ["--limit", "0"]);
    assert.ok(stored.length >= acked.size, `${stored.length} stored, ${acked.size} acked`);
    stored.forEach((m, i) => {
      assert.equal(m.seq, i + 1, "seqs are 1, 2, 3, … with no gap or repeat");
      assert.equal(m.text, `message ${i}`, "stored once each, in the order sent");
    });
    for (const [i, seq] of acked) assert.equal(stored[seq - 1].text, `message ${i}`);

    const again = await startServer(["--db", db], { lines: 2 });
    try {
      assert.equal(again.stdout[1], `history: ${db}, ${stored.length} messages`);
      const { client: next } = await joinJson(again.port, "next");
      await next.sendJson({ type: "say", text: "after the crash", ref: "x" });
      assert.equal((await next.event("ack")).seq, stored.length + 1);
      await next.close();
    } finally {
      await again.stop();
    }
    assert.equal((await historyJson(db, ["--limit", "0"])).length, stored.length + 1);
  } finally {
    await dir.remove();
  }
});
