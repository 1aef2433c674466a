// Edits and deletions as SQLite keeps them: across a restart, in
// `chat history`, with `since`, against retention, with shared files, and
// the search index turned off and back on.
import assert from "node:assert/strict";
import { joinJson, type LineClient, startServer } from "./helpers.ts";
import { historyJson, runChat, seedDatabase, tempDir } from "./storage_helpers.ts";
import { startWebServer } from "./web_helpers.ts";
import type { StoredMessage } from "../server/core/history.ts";

const FIXTURE = new URL("./fixtures/chat-v1.db", import.meta.url).pathname;

async function reply(c: LineClient, request: Record<string, unknown>, type: string) {
  await c.sendJson(request);
  return JSON.parse(
    await c.until((l) => [type, "error"].includes(JSON.parse(l).type)),
  ) as Record<string, unknown>;
}

async function say(c: LineClient, text: string): Promise<number> {
  const ack = await reply(c, { type: "say", text, ref: text }, "ack");
  assert.equal(ack.type, "ack", JSON.stringify(ack));
  return ack.seq as number;
}

Deno.test("a restart keeps edits and deletions; chat history shows them; since after an edit has no gap", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    let s = await startServer(["--db", db]);
    const { client: bob, welcome } = await joinJson(s.port, "bob", { reserve: true });
    const key = welcome.key as string;
    assert.ok(key, "the name is reserved");
    const seqs = [];
    for (const t of ["one", "twoo", "three"]) seqs.push(await say(bob, t));
    assert.equal((await reply(bob, { type: "edit", seq: 2, text: "two" }, "edit")).type, "edit");
    assert.equal((await reply(bob, { type: "delete", seq: 3 }, "delete")).type, "delete");
    await bob.close();
    await s.stop();

    s = await startServer(["--db", db]);
    try {
      const { client, welcome } = await joinJson(s.port, "bob", { key });
      const history = welcome.history as StoredMessage[];
      assert.deepEqual(history.map((m) => [m.seq, m.text, !!m.edited, !!m.deleted]), [
        [1, "one", false, false],
        [2, "two", true, false],
        [3, "", false, true],
      ]);
      // The reserved name's holder may still edit what it said before the restart.
      const e1 = await reply(client, { type: "edit", seq: 1, text: "1" }, "edit");
      assert.equal(e1.type, "edit", JSON.stringify(e1));
      // A resume from seq 1 gets 2 and 3 (as they are now), then what follows, no gap.
      const { client: other, welcome: resumed } = await joinJson(s.port, "ann", { since: 1 });
      assert.deepEqual((resumed.history as StoredMessage[]).map((m) => m.seq), [2, 3]);
      assert.equal(await say(client, "four"), 4);
      assert.equal((await other.event("message")).seq, 4);
      await client.close();
      await other.close();
    } finally {
      await s.stop();
    }
    const lines = await runChat(["history", "--db", db]);
    assert.match(
      lines.stdout,
      /#1 bob: 1 \(edited\)\n.*#2 bob: two \(edited\)\n.*#3 bob: \(deleted\)\n.*#4 bob: four\n$/,
    );
    const json = await historyJson(db);
    assert.equal(json[2].deleted, true);
    assert.equal(typeof json[1].edited, "string");
  } finally {
    await dir.remove();
  }
});

Deno.test("an edit or delete of a message that retention removed gets no_such_message", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  seedDatabase(db, [
    {
      type: "message",
      room: "lobby",
      seq: 1,
      ts: "2020-01-01T00:00:00.000Z",
      from: "bob",
      text: "old",
    },
  ]);
  const s = await startServer(["--db", db, "--retain", "1d", "--reserve-names", "off"]);
  try {
    const { client } = await joinJson(s.port, "bob");
    // The first retention pass runs at start.
    for (let i = 0; i < 50; i++) {
      const page = await reply(client, { type: "history", room: "lobby" }, "history");
      if ((page.messages as unknown[]).length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const edit = await reply(client, { type: "edit", seq: 1, text: "new" }, "edit");
    assert.equal(edit.code, "no_such_message");
    const del = await reply(client, { type: "delete", seq: 1 }, "delete");
    assert.equal(del.code, "no_such_message");
    assert.equal(await say(client, "new"), 2);
    await client.close();
  } finally {
    await s.stop();
    await dir.remove();
  }
});

Deno.test("deleting a file's message removes the file: its URL stops working", async () => {
  const files = await Deno.makeTempDir({ prefix: "chat-files-test-" });
  const s = await startWebServer(["--files-dir", files]);
  try {
    const { client: bob } = await joinJson(s.port, "bob");
    const g = await reply(bob, { type: "upload", name: "notes.txt", size: 5, ref: "u" }, "upload");
    const put = await fetch(String(g.url), { method: "PUT", body: "hello" });
    assert.equal(put.status, 201);
    await put.body?.cancel();
    const ack = JSON.parse(await bob.until((l) => JSON.parse(l).ref === "u" && l.includes("ack")));
    const page = await reply(bob, { type: "history", room: "lobby" }, "history");
    const url = (page.messages as StoredMessage[])[0].file!.url;
    assert.equal(await (await fetch(url)).text(), "hello");
    const edit = await reply(bob, { type: "edit", seq: ack.seq, text: "x" }, "edit");
    assert.equal(edit.code, "not_allowed", "a file's message is not edited");
    assert.equal((await reply(bob, { type: "delete", seq: ack.seq }, "delete")).type, "delete");
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      const res = await fetch(url);
      status = res.status;
      await res.body?.cancel();
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 404);
    const after = await reply(bob, { type: "history", room: "lobby" }, "history");
    const m = (after.messages as StoredMessage[])[0];
    assert.deepEqual([m.deleted, m.file, m.text], [true, undefined, ""]);
    await bob.close();
  } finally {
    await s.stop("SIGKILL");
    await Deno.remove(files, { recursive: true });
  }
});

Deno.test("--no-search refuses search clearly; without it again the index is rebuilt, old messages included", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    await Deno.copyFile(FIXTURE, db);
    let s = await startServer(["--db", db, "--no-search"]);
    const { client } = await joinJson(s.port, "zed");
    const r = await reply(client, { type: "search", query: "alice" }, "results");
    assert.deepEqual([r.code, r.message], [
      "bad_request",
      "search is off on this server (it runs with --no-search)",
    ]);
    await say(client, "written while search was off");
    await client.close();
    await s.stop();
    s = await startServer(["--db", db]);
    try {
      const { client } = await joinJson(s.port, "zed");
      // "ça va? 漢字 ✓" came from the database made before rooms (schema 1).
      const found = await reply(client, { type: "search", query: "CA VA" }, "results");
      assert.deepEqual((found.messages as StoredMessage[]).map((m) => m.seq), [3]);
      const off = await reply(client, { type: "search", query: "while OFF" }, "results");
      assert.deepEqual((off.messages as StoredMessage[]).map((m) => m.text), [
        "written while search was off",
      ]);
      await client.close();
    } finally {
      await s.stop();
    }
  } finally {
    await dir.remove();
  }
});
