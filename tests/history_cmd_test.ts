import assert from "node:assert/strict";
import type { StoredMessage } from "../server/core/history.ts";
import { runChat, seedDatabase, tempDir } from "./storage_helpers.ts";

const MESSAGES: StoredMessage[] = [
  {
    type: "message",
    room: "lobby",
    seq: 1,
    ts: "2026-11-25T12:00:00.000Z",
    from: "alice",
    text: "hi",
  },
  {
    type: "message",
    room: "lobby",
    seq: 2,
    ts: "2026-11-25T12:00:01.500Z",
    from: "bob",
    text: "waves",
    action: true,
  },
  {
    type: "message",
    room: "lobby",
    seq: 3,
    ts: "2026-11-25T12:00:02.000Z",
    from: "alice",
    text: "ça va? 👋",
  },
  {
    type: "message",
    room: "lobby",
    seq: 4,
    ts: "2026-11-25T12:01:00.000Z",
    from: "carol",
    text: "/not a command",
  },
];

async function withDb(fn: (db: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    seedDatabase(`${dir.path}/chat.db`, MESSAGES);
    await fn(`${dir.path}/chat.db`, dir.path);
  } finally {
    await dir.remove();
  }
}

Deno.test("chat history prints text lines with UTC time, seq, name and text", async () => {
  await withDb(async (db) => {
    const r = await runChat(["history", "--db", db]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "2026-11-25 12:00:00 #1 alice: hi",
        "2026-11-25 12:00:01 #2 * bob waves",
        "2026-11-25 12:00:02 #3 alice: ça va? 👋",
        "2026-11-25 12:01:00 #4 carol: /not a command",
        "",
      ].join("\n"),
    );
    assert.equal(r.stderr, "");
  });
});

Deno.test("chat history --json prints the protocol's message events, one per line", async () => {
  await withDb(async (db) => {
    const r = await runChat(["history", "--db", db, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l)), MESSAGES);
    assert.equal(r.stdout.split("\n")[1], JSON.stringify(MESSAGES[1]));
  });
});

Deno.test("--limit takes the newest, --since pages forward from a seq", async () => {
  await withDb(async (db) => {
    const seqs = async (...args: string[]) => {
      const r = await runChat(["history", "--db", db, "--json", ...args]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trimEnd().split("\n").filter((l) => l).map((l) => JSON.parse(l).seq);
    };
    assert.deepEqual(await seqs("--limit", "2"), [3, 4]);
    assert.deepEqual(await seqs("--limit", "0"), [1, 2, 3, 4]);
    assert.deepEqual(await seqs("--since", "1", "--limit", "2"), [2, 3]);
    assert.deepEqual(await seqs("--since", "3"), [4]);
    assert.deepEqual(await seqs("--since", "4"), []);
  });
});

Deno.test("chat history finds chat.db in the working directory, or CHAT_DB", async () => {
  await withDb(async (_db, dir) => {
    let r = await runChat(["history", "--limit", "1"], { cwd: dir });
    assert.equal(r.stdout, "2026-11-25 12:01:00 #4 carol: /not a command\n");
    await Deno.rename(`${dir}/chat.db`, `${dir}/room.db`);
    r = await runChat(["history", "--limit", "1"], { cwd: dir, env: { CHAT_DB: "room.db" } });
    assert.equal(r.stdout, "2026-11-25 12:01:00 #4 carol: /not a command\n");
  });
});

Deno.test("chat history without a database says where it looked and what to pass", async () => {
  const dir = await tempDir();
  try {
    const r = await runChat(["history"], { cwd: dir.path });
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      "chat history: there is no history database at chat.db; pass the server's --db PATH (default chat.db in the directory it runs in)\n",
    );
    assert.deepEqual([...Deno.readDirSync(dir.path)], [], "and creates none");
    const mem = await runChat(["history", "--db", ":memory:"]);
    assert.equal(mem.code, 1);
    assert.match(mem.stderr, /lives inside the server process/);
  } finally {
    await dir.remove();
  }
});

Deno.test("chat history rejects bad flags with exit 2 and documents every flag", async () => {
  for (const args of [["--limit", "many"], ["--since", "-1"], ["--nope"], ["extra"]]) {
    const r = await runChat(["history", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, /^chat history: .*\nRun chat history --help for every flag.\n$/s);
  }
  const help = await runChat(["history", "--help"]);
  assert.equal(help.code, 0);
  for (const flag of ["--db PATH", "--since SEQ", "--limit N", "--json", "--help"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  assert.match(help.stdout, /default chat\.db, env CHAT_DB/);
  assert.match(help.stdout, /default 100/);
  assert.match(help.stdout, /Examples:\n {2}chat history/);
});
