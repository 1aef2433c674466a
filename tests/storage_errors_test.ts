import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { joinJson, startServer } from "./helpers.ts";
import {
  makeMessages,
  mountTmpfs,
  runChat,
  seedDatabase,
  tempDir,
  umount,
} from "./storage_helpers.ts";

const TS = "2026-11-25T12:00:00.000Z";

/** Runs `chat serve --db PATH`, which must refuse to start; returns its one stderr line. */
async function refusal(db: string): Promise<string> {
  const r = await runChat(["serve", "--host", "127.0.0.1", "--port", "0", "--db", db], {
    timeoutMs: 15_000,
  });
  assert.equal(r.code, 1, `chat serve --db ${db} exits 1, stderr: ${r.stderr}`);
  assert.equal(r.stdout, "", "it never listened");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.ok(lines[0].startsWith("chat serve: "), lines[0]);
  assert.ok(lines[0].includes(db), `names the path: ${lines[0]}`);
  return lines[0];
}

const canMount = await (async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_mount_probe_" });
  const ok = await mountTmpfs(dir, "size=64k");
  if (ok) await umount(dir);
  await Deno.remove(dir).catch(() => {});
  return ok;
})();
if (!canMount) {
  console.warn(
    "storage_errors_test: cannot mount a tmpfs here (needs root), so the read-only and full-disk tests are skipped",
  );
}

Deno.test("a path that cannot be created is refused before listening", async () => {
  const line = await refusal("/proc/chat.db");
  assert.match(line, /cannot open the history database \/proc\/chat.db .*--db/);
  const dir = await tempDir();
  try {
    assert.match(await refusal(`${dir.path}/no/such/dir/chat.db`), /pick a writable file/);
  } finally {
    await dir.remove();
  }
});

Deno.test("a directory is refused with a hint to name a file in it", async () => {
  const dir = await tempDir();
  try {
    assert.match(await refusal(dir.path), /is a directory; give a file path such as .*\/chat\.db/);
  } finally {
    await dir.remove();
  }
});

Deno.test("a file that is not a database, or another program's database, is refused", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(`${dir.path}/notes.txt`, "shopping list\n".repeat(500));
    assert.match(await refusal(`${dir.path}/notes.txt`), /is not a chat history database/);
    assert.equal(
      await Deno.readTextFile(`${dir.path}/notes.txt`),
      "shopping list\n".repeat(500),
      "and left untouched",
    );
    const other = new DatabaseSync(`${dir.path}/other.db`);
    other.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
    other.close();
    assert.match(await refusal(`${dir.path}/other.db`), /database of another program/);
  } finally {
    await dir.remove();
  }
});

Deno.test("a corrupt database is refused with what to do", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    seedDatabase(db, makeMessages(1, 3000, TS));
    const file = await Deno.open(db, { write: true });
    await file.seek(4096 * 8, Deno.SeekMode.Start);
    await file.write(new Uint8Array(4096 * 4).fill(0xa5));
    file.close();
    assert.match(await refusal(db), /is corrupt .*restore it from a backup, or move it away/);
  } finally {
    await dir.remove();
  }
});

Deno.test("a database from a newer chat is refused, and not changed", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    seedDatabase(db, makeMessages(1, 3, TS));
    const raw = new DatabaseSync(db);
    raw.exec("PRAGMA user_version = 99");
    raw.close();
    assert.match(await refusal(db), /written by a newer chat \(schema 99.*upgrade chat/);
    const check = new DatabaseSync(db, { readOnly: true });
    assert.deepEqual({ ...check.prepare("PRAGMA user_version").get() }, { user_version: 99 });
    check.close();
    const r = await runChat(["history", "--db", db]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /newer chat/);
  } finally {
    await dir.remove();
  }
});

Deno.test({
  name: "a read-only file system is refused, for a new and for an existing database",
  ignore: !canMount,
  async fn() {
    const dir = await tempDir();
    const mnt = `${dir.path}/ro`;
    try {
      assert.ok(await mountTmpfs(mnt, "size=1m"));
      seedDatabase(`${mnt}/chat.db`, makeMessages(1, 3, TS));
      const remount = await new Deno.Command("mount", {
        args: ["-o", "remount,ro", mnt],
        stderr: "null",
      }).output();
      assert.ok(remount.success);
      assert.match(await refusal(`${mnt}/new.db`), /Read-only file system/);
      assert.match(await refusal(`${mnt}/chat.db`), /Read-only file system/);
    } finally {
      await umount(mnt);
      await dir.remove();
    }
  },
});

Deno.test("a second server on the same file is refused; chat history still reads it", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    const first = await startServer(["--db", db], { lines: 2 });
    try {
      const { client } = await joinJson(first.port, "alice");
      await client.sendJson({ type: "say", text: "still here", ref: "1" });
      await client.event("ack");
      assert.match(await refusal(db), /another chat server is using the history database/);
      const r = await runChat(["history", "--db", db]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /#1 alice: still here\n$/);
      // The first server is unharmed by either.
      await client.sendJson({ type: "say", text: "and again", ref: "2" });
      assert.equal((await client.event("ack")).seq, 2);
      await client.close();
    } finally {
      assert.equal(await first.stop(), 0);
    }
    // Once it is gone, the file is free again.
    const second = await startServer(["--db", db], { lines: 2 });
    assert.equal(second.stdout[1], `history: ${db}, 2 messages`);
    await second.stop();
  } finally {
    await dir.remove();
  }
});

Deno.test({
  name: "a full disk fails only the messages it hits: the sender gets an error, the room goes on",
  ignore: !canMount,
  async fn() {
    const dir = await tempDir();
    const mnt = `${dir.path}/small`;
    try {
      assert.ok(await mountTmpfs(mnt, "size=1m"));
      const db = `${mnt}/chat.db`;
      const server = await startServer(["--db", db, "--rate-limit", "0"], { lines: 2 });
      try {
        const { client: alice } = await joinJson(server.port, "alice");
        const { client: bob } = await joinJson(server.port, "bob");
        await alice.sendJson({ type: "say", text: "before", ref: "a0" });
        assert.equal((await alice.event("ack")).seq, 1);
        assert.equal((await bob.event("message")).text, "before");

        // Fill the file system to the last byte.
        const filler = await Deno.open(`${mnt}/filler`, { write: true, create: true });
        const block = new Uint8Array(4096);
        try {
          for (let i = 0; i < 1024; i++) await filler.write(block);
        } catch {
          // ENOSPC: full
        }
        filler.close();

        // Post big messages until one cannot be stored (the WAL may have room for a few).
        let failed: Record<string, unknown> | undefined;
        let lastSeq = 1;
        for (let i = 1; i <= 200 && !failed; i++) {
          await alice.sendJson({ type: "say", text: "x".repeat(3000), ref: `a${i}` });
          const reply = await alice.until((l) => /"type":"(ack|error)"/.test(l));
          const event = JSON.parse(reply);
          if (event.type === "error") failed = event;
          else lastSeq = event.seq;
        }
        assert.ok(failed, "the disk filled up");
        assert.equal(failed.code, "server_error");
        assert.match(String(failed.ref), /^a\d+$/);
        assert.ok(server.stderr.some((l) => /could not store .*database or disk is full/.test(l)));

        // The room carries on: presence and pings still work, and once there is room
        // again the next message is stored with the next seq, no gap.
        await bob.sendJson({ type: "ping" });
        await bob.event("pong");
        await Deno.remove(`${mnt}/filler`);
        await alice.sendJson({ type: "say", text: "after", ref: "z" });
        assert.deepEqual(await alice.event("ack"), {
          type: "ack",
          room: "lobby",
          ref: "z",
          seq: lastSeq + 1,
        });
        const seen = await bob.until((l) => l.includes('"after"'));
        assert.equal(JSON.parse(seen).seq, lastSeq + 1);
        await Promise.all([alice.close(), bob.close()]);
      } finally {
        assert.equal(await server.stop(), 0);
      }
      const r = await runChat(["history", "--db", db, "--json", "--limit", "0"]);
      const seqs = r.stdout.trim().split("\n").map((l) => JSON.parse(l).seq);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));
      assert.equal(JSON.parse(r.stdout.trim().split("\n").at(-1)!).text, "after");
    } finally {
      await umount(mnt);
      await dir.remove();
    }
  },
});
