import assert from "node:assert/strict";
import { HistoryReader } from "../server/storage/history_reader.ts";
import { describeRetain, parseRetain } from "../server/storage/retention.ts";
import { joinJson, startServer } from "./helpers.ts";
import {
  eventually,
  historyJson,
  makeMessages,
  runChat,
  seedDatabase,
  tempDir,
} from "./storage_helpers.ts";

const DAY = 86_400_000;

function stored(db: string): number {
  const reader = HistoryReader.open(db);
  try {
    return reader.count();
  } finally {
    reader.close();
  }
}

Deno.test("--retain reads ages, counts, both, or forever", () => {
  assert.deepEqual(parseRetain("30d"), { maxAgeMs: 30 * DAY, maxCount: null });
  assert.deepEqual(parseRetain("12h"), { maxAgeMs: 12 * 3_600_000, maxCount: null });
  assert.deepEqual(parseRetain("90m"), { maxAgeMs: 90 * 60_000, maxCount: null });
  assert.deepEqual(parseRetain("100000"), { maxAgeMs: null, maxCount: 100000 });
  assert.deepEqual(parseRetain("30d,100000"), { maxAgeMs: 30 * DAY, maxCount: 100000 });
  assert.deepEqual(parseRetain(" 500 , 2h "), { maxAgeMs: 2 * 3_600_000, maxCount: 500 });
  assert.deepEqual(parseRetain("forever"), { maxAgeMs: null, maxCount: null });
  for (
    const bad of ["0", "30x", "d", "30d,12h", "1,2", "-5", "30 d", "1e3", "99999999999999999999"]
  ) {
    assert.throws(() => parseRetain(bad), SyntaxError, bad);
  }
  assert.equal(describeRetain(parseRetain("30d,100000")), "30 days and the newest 100000 messages");
  assert.equal(describeRetain(parseRetain("90m")), "90 minutes");
});

Deno.test("a bad --retain is a usage error that says what is accepted", async () => {
  const r = await runChat(["serve", "--port", "0", "--db", ":memory:", "--retain", "soon"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /--retain must be an age like 30d, 12h or 90m, a message count like 100000/,
  );
});

Deno.test("retention by count keeps the newest N, in chunks, and seq goes on", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    seedDatabase(db, makeMessages(1, 3500, new Date().toISOString()));
    const server = await startServer(["--db", db, "--retain", "100"], { lines: 2 });
    try {
      await eventually(() => stored(db) === 100, "only 100 messages are left");
      await eventually(
        () => server.stderr.some((l) => l.includes("retention: deleted 3400 old messages")),
        "the pass is logged",
      );
      const { client } = await joinJson(server.port, "alice");
      await client.sendJson({ type: "say", text: "newest", ref: "1" });
      assert.equal((await client.event("ack")).seq, 3501);
      await client.close();
    } finally {
      await server.stop();
    }
    const left = await historyJson(db, ["--limit", "0"]);
    assert.ok(left.length <= 101);
    assert.equal(left.at(-1)!.seq, 3501);
    assert.equal(left[0].seq, 3501 - left.length + 1, "the oldest went first");
  } finally {
    await dir.remove();
  }
});

Deno.test("retention by age deletes what is older, keeps the rest", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    const now = Date.now();
    seedDatabase(db, [
      ...makeMessages(1, 30, new Date(now - 40 * DAY).toISOString()),
      ...makeMessages(31, 5, new Date(now - 29 * DAY).toISOString()),
      ...makeMessages(36, 5, new Date(now).toISOString()),
    ]);
    const server = await startServer(["--db", db, "--retain", "30d"], { lines: 2 });
    try {
      await eventually(() => stored(db) === 10, "the 30 old messages are gone");
    } finally {
      await server.stop();
    }
    assert.deepEqual(
      (await historyJson(db, ["--limit", "0"])).map((m) => m.seq),
      [31, 32, 33, 34, 35, 36, 37, 38, 39, 40],
    );
  } finally {
    await dir.remove();
  }
});

Deno.test("age and count together; when retention empties the history, seq still goes on", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  try {
    seedDatabase(db, makeMessages(1, 20, new Date(Date.now() - 2 * DAY).toISOString()));
    let server = await startServer(["--db", db, "--retain", "1d,5"], { lines: 2 });
    try {
      await eventually(() => stored(db) === 0, "every message is older than a day");
    } finally {
      await server.stop();
    }
    server = await startServer(["--db", db], { lines: 2 });
    try {
      assert.equal(server.stdout[1], `history: ${db}, 0 messages`);
      const { client } = await joinJson(server.port, "alice");
      await client.sendJson({ type: "say", text: "after retention", ref: "1" });
      assert.equal((await client.event("ack")).seq, 21);
      await client.close();
    } finally {
      await server.stop();
    }
  } finally {
    await dir.remove();
  }
});
