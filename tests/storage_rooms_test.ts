// History per room in SQLite: a database from before rooms is upgraded in
// place (its messages become the default room's, seq unchanged), rooms and
// their topics survive a restart with their own seq, and `chat history`
// reads a room, or lists them.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { joinJson, startServer } from "./helpers.ts";
import { SqliteHistory } from "../server/storage/sqlite_history.ts";
import { historyJson, makeMessages, runChat, tempDir } from "./storage_helpers.ts";

const FIXTURE = new URL("./fixtures/chat-v1.db", import.meta.url).pathname;
const BEFORE = [
  [1, "alice", "hello from before rooms"],
  [2, "alice", "waves"],
  [3, "alice", "ça va? 漢字 ✓"],
  [4, "bob", "hi alice"],
];

Deno.test("a chat.db from before rooms is upgraded in place: nothing lost, seq unchanged", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    await Deno.copyFile(FIXTURE, db);
    // chat history reads the old file as it is, before any server touched it
    const old = await historyJson(db);
    assert.deepEqual(old.map((m) => [m.seq, m.from, m.text]), BEFORE);
    const server = await startServer(["--db", db], { lines: 2 });
    try {
      assert.equal(server.stdout[1], `history: ${db}, 4 messages`);
      const { client, welcome } = await joinJson(server.port, "carol", { since: 0 });
      const history = welcome.history as {
        seq: number;
        from: string;
        text: string;
        room: string;
        action?: true;
      }[];
      assert.deepEqual(history.map((m) => [m.seq, m.from, m.text]), BEFORE);
      assert.ok(history.every((m) => m.room === "lobby"));
      assert.equal(history[1].action, true);
      await client.sendJson({ type: "say", text: "after the upgrade", ref: "x" });
      assert.equal((await client.event("ack")).seq, 5);
      await client.close();
    } finally {
      await server.stop();
    }
    const after = await historyJson(db, ["--room", "lobby"]);
    assert.deepEqual(after.map((m) => m.seq), [1, 2, 3, 4, 5]);
  } finally {
    await dir.remove();
  }
});

Deno.test("the upgrade gives old messages to --default-room", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    await Deno.copyFile(FIXTURE, db);
    const server = await startServer(["--db", db, "--default-room", "main"], { lines: 2 });
    await server.stop();
    assert.deepEqual((await historyJson(db, ["--room", "main"])).map((m) => m.seq), [1, 2, 3, 4]);
    const lobby = await runChat(["history", "--db", db, "--room", "lobby"]);
    assert.deepEqual([lobby.code, lobby.stdout], [1, ""], "there is no #lobby here");
    assert.deepEqual((await historyJson(db)).map((m) => m.seq), [1, 2, 3, 4], "main: recorded");
  } finally {
    await dir.remove();
  }
});

Deno.test("chat history without --room shows the default room the server recorded in the file", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    // A CHAT_DEFAULT_ROOM left in the environment does not win over the file
    const env = { CHAT_DEFAULT_ROOM: "elsewhere" };
    const server = await startServer(["--db", db, "--default-room", "main"]);
    try {
      const { client } = await joinJson(server.port, "a", { rooms: ["main", "lobby"] });
      await client.event("room");
      for (const [room, text] of [["main", "in main"], ["lobby", "in lobby"], ["main", "again"]]) {
        await client.sendJson({ type: "say", room, text });
        await client.event("ack");
      }
      await client.close();
    } finally {
      await server.stop();
    }
    const text = await runChat(["history", "--db", db], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^\S+ \S+ #1 a: in main\n\S+ \S+ #2 a: again\n$/);
    assert.deepEqual((await historyJson(db, ["--room", "lobby"])).map((m) => m.text), ["in lobby"]);
    // A room the file does not have is said, with the ones it has
    const typo = await runChat(["history", "--db", db, "--room", "mian"]);
    assert.equal(typo.code, 1);
    assert.equal(typo.stdout, "");
    assert.equal(
      typo.stderr.trim(),
      `chat history: there is no room #mian in ${db} (its rooms: #main, #lobby); pick one with --room NAME`,
    );
    // A server started again with another default room records that one
    const again = await startServer(["--db", db, "--default-room", "lobby"]);
    await again.stop();
    assert.deepEqual((await historyJson(db)).map((m) => m.text), ["in lobby"]);
  } finally {
    await dir.remove();
  }
});

Deno.test("rooms, their seqs, topics and the epoch survive a restart; chat history --room and --rooms", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    let server = await startServer(["--db", db]);
    let epoch: unknown;
    {
      const { client, welcome } = await joinJson(server.port, "a", { rooms: ["lobby", "dev"] });
      epoch = welcome.epoch;
      await client.event("room");
      await client.sendJson({ type: "topic", room: "dev", text: "ship it" });
      await client.event("topic");
      for (const [room, text] of [["dev", "d1"], ["dev", "d2"], ["lobby", "l1"]]) {
        await client.sendJson({ type: "say", room, text });
        await client.event("ack");
      }
      await client.close();
    }
    await server.stop();
    server = await startServer(["--db", db]);
    try {
      const { client, welcome } = await joinJson(server.port, "b", {
        rooms: ["lobby", "dev"],
        since: { lobby: 0, dev: 1 },
        epoch,
      });
      assert.equal(welcome.epoch, epoch);
      assert.equal(welcome.reset, undefined);
      assert.deepEqual((welcome.history as { text: string }[]).map((m) => m.text), ["l1"]);
      const dev = await client.event("room");
      assert.equal(dev.topic, "ship it");
      assert.deepEqual((dev.history as { text: string }[]).map((m) => m.text), ["d2"]);
      await client.sendJson({ type: "say", room: "dev", text: "d3" });
      assert.equal((await client.event("ack")).seq, 3);
      await client.close();
    } finally {
      await server.stop();
    }
    assert.deepEqual((await historyJson(db, ["--room", "#dev"])).map((m) => m.text), [
      "d1",
      "d2",
      "d3",
    ]);
    const list = await runChat(["history", "--db", db, "--rooms"]);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trim().split("\n");
    assert.match(
      lines[0],
      /^#dev {2}3 messages {2}last \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}topic: ship it$/,
    );
    assert.match(lines[1], /^#lobby {2}1 message {2}last /);
  } finally {
    await dir.remove();
  }
});

Deno.test("an in-memory server gets a new epoch each time it starts", async () => {
  const epochs = [];
  for (let i = 0; i < 2; i++) {
    const server = await startServer([]);
    const { client, welcome } = await joinJson(server.port, "x");
    epochs.push(welcome.epoch);
    await client.close();
    await server.stop();
  }
  assert.notEqual(epochs[0], epochs[1]);
});

Deno.test("retention applies to every room: by count per room, by age across rooms", async () => {
  const dir = await tempDir();
  try {
    const h = SqliteHistory.open(`${dir.path}/chat.db`);
    const old = new Date(Date.UTC(2026, 0, 1)).toISOString();
    const now = new Date(Date.UTC(2026, 5, 1)).toISOString();
    h.append([
      ...makeMessages(1, 30, old, "a"),
      ...makeMessages(1, 5, now, "b"),
      ...makeMessages(31, 10, now, "a"),
    ]);
    assert.equal(h.trim({ maxAgeMs: null, maxCount: 20 }, Date.UTC(2026, 5, 2), 1000), 20);
    assert.deepEqual([h.recent("a", 100).length, h.recent("b", 100).length], [20, 5]);
    assert.equal(
      h.trim({ maxAgeMs: 30 * 86_400_000, maxCount: null }, Date.UTC(2026, 5, 2), 1000),
      10,
    );
    assert.deepEqual(
      h.recent("a", 100).map((m) => m.seq),
      makeMessages(31, 10, now).map((m) => m.seq),
    );
    assert.equal(h.lastSeq("a"), 40);
    h.close();
  } finally {
    await dir.remove();
  }
});

Deno.test("a chat.db from before rooms that retention had emptied keeps counting after its last seq", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    // Schema 1 as the release before rooms wrote it (migration 1), after
    // retention deleted every message: only meta.last_seq remembers 12.
    const old = new DatabaseSync(db);
    old.exec(`CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('message', 'action'))
      ) STRICT;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
      INSERT INTO meta (key, value) VALUES ('last_seq', 12);
      PRAGMA user_version = 1;`);
    old.close();
    const server = await startServer(["--db", db]);
    try {
      const { client, welcome } = await joinJson(server.port, "a", { since: 0 });
      assert.deepEqual(welcome.history, []);
      await client.sendJson({ type: "say", text: "after the upgrade", ref: "x" });
      assert.deepEqual(await client.event("ack"), {
        type: "ack",
        room: "lobby",
        ref: "x",
        seq: 13,
      });
      await client.close();
    } finally {
      await server.stop();
    }
    assert.deepEqual((await historyJson(db)).map((m) => [m.seq, m.text]), [
      [13, "after the upgrade"],
    ]);
  } finally {
    await dir.remove();
  }
});
