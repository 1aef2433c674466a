// Older history, search, edits and deletions against a real server over
// real sockets: paging, search folding, every permission, and every bad
// input the issue names, each with its clear error and nothing else lost.
import assert from "node:assert/strict";
import { joinJson, joinPlain, type LineClient, withServer } from "./helpers.ts";
import { seedDatabase, tempDir } from "./storage_helpers.ts";
import { startServer } from "./helpers.ts";
import type { StoredMessage } from "../server/core/history.ts";

/** Sends a request and returns the first reply of one of `types` (errors included). */
async function ask(
  c: LineClient,
  request: Record<string, unknown>,
  types: string[],
): Promise<Record<string, unknown>> {
  await c.sendJson(request);
  const line = await c.until((l) => {
    const t = JSON.parse(l).type;
    return types.includes(t) || t === "error";
  });
  return JSON.parse(line);
}

/** Says `texts` in order and waits for their acks; returns their seqs. */
async function sayAll(c: LineClient, texts: string[], room?: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const [i, text] of texts.entries()) {
    await c.sendJson({ type: "say", text, ref: `s${i}`, ...(room ? { room } : {}) });
    const ack = JSON.parse(await c.until((l) => JSON.parse(l).ref === `s${i}`));
    assert.equal(ack.type, "ack", JSON.stringify(ack));
    seqs.push(ack.seq);
  }
  return seqs;
}

Deno.test("paging through 500 messages: each exactly once, in order; more is false at the start", async () => {
  const dir = await tempDir();
  const db = `${dir.path}/chat.db`;
  const messages: StoredMessage[] = Array.from({ length: 500 }, (_, i) => ({
    type: "message",
    room: "dev",
    seq: i + 1,
    ts: new Date(Date.now() - (500 - i) * 1000).toISOString(),
    from: "seed",
    text: `message ${i + 1}`,
  }));
  seedDatabase(db, messages);
  const s = await startServer(["--db", db]);
  try {
    const { client } = await joinJson(s.port, "pager", { rooms: ["dev"] });
    const seen: number[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await ask(
        client,
        { type: "history", room: "dev", limit: 200, ...(before ? { before } : {}), ref: "p" },
        ["history"],
      );
      assert.equal(page.type, "history");
      assert.equal(page.ref, "p");
      const got = (page.messages as StoredMessage[]).map((m) => m.seq);
      seen.unshift(...got);
      if (!page.more) break;
      before = got[0];
    }
    assert.deepEqual(seen, messages.map((m) => m.seq));
    // A limit above 200 is cut to 200; before 1 has nothing older.
    const big = await ask(client, { type: "history", room: "dev", limit: 5000 }, ["history"]);
    assert.equal((big.messages as unknown[]).length, 200);
    const none = await ask(client, { type: "history", room: "dev", before: 1 }, ["history"]);
    assert.deepEqual([none.messages, none.more], [[], false]);
    // Bad requests are answered, and the connection goes on.
    for (const bad of [{ limit: 0 }, { limit: -3 }, { limit: "x" }, { before: "y" }]) {
      const e = await ask(client, { type: "history", room: "dev", ...bad }, ["history"]);
      assert.equal(e.code, "bad_request", JSON.stringify(bad));
    }
    const other = await ask(client, { type: "history", room: "ops" }, ["history"]);
    assert.equal(other.code, "not_in_room");
    assert.deepEqual(await sayAll(client, ["still here"], "dev"), [501]);
    await client.close();
  } finally {
    await s.stop();
    await dir.remove();
  }
});

Deno.test("search matches words with any case or accents, never substrings; newest first, each with its room", async () => {
  await withServer([], async ({ port }) => {
    const { client: bob } = await joinJson(port, "bob", { rooms: ["lobby", "dev"] });
    await sayAll(bob, ["Déploiement vendredi à 17h", "deployment is done", "redeploy later"]);
    await sayAll(bob, ["DEPLOIEMENT encore", "Vendredi: déploiement"], "dev");
    const r = await ask(bob, { type: "search", query: "deploiement", ref: "q" }, ["results"]);
    assert.equal(r.type, "results");
    assert.equal(r.query, "deploiement");
    assert.equal(r.ref, "q");
    const found = r.messages as StoredMessage[];
    assert.deepEqual(found.map((m) => [m.room, m.text]), [
      ["dev", "Vendredi: déploiement"],
      ["dev", "DEPLOIEMENT encore"],
      ["lobby", "Déploiement vendredi à 17h"],
    ]);
    // Two words: both must be there; one room only when it is named.
    const two = await ask(bob, { type: "search", room: "lobby", query: "VENDREDI déploiement" }, [
      "results",
    ]);
    assert.deepEqual((two.messages as StoredMessage[]).map((m) => m.seq), [1]);
    // "deploy" is in "redeploy" and "deployment" only as a substring.
    const sub = await ask(bob, { type: "search", query: "deploy" }, ["results"]);
    assert.deepEqual(sub.messages, []);
    // A room the member is not in is refused; others' rooms are never searched.
    const { client: eve } = await joinJson(port, "eve");
    const notIn = await ask(eve, { type: "search", room: "dev", query: "encore" }, ["results"]);
    assert.equal(notIn.code, "not_in_room");
    const mine = await ask(eve, { type: "search", query: "encore" }, ["results"]);
    assert.deepEqual(mine.messages, []);
    await bob.close();
    await eve.close();
  });
});

Deno.test("hostile searches are answered, never an error from SQLite; the connection goes on", async () => {
  // Lines up to 64 KiB, so that 10 KB queries reach the search.
  await withServer(["--max-line", "65536"], async ({ port }) => {
    const { client } = await joinJson(port, "alice");
    await sayAll(client, ["near the end", "a star * here", 'quote " me']);
    const queries = [
      '"',
      "*",
      "NEAR(",
      "NEAR(near end, 2)",
      "a OR b",
      "text:near",
      "^near",
      "near*",
      "-near",
      "x".repeat(10_240),
      "word ".repeat(2000),
      "\u0000\u0007",
      "(((",
    ];
    for (const query of queries) {
      const r = await ask(client, { type: "search", query }, ["results"]);
      assert.ok(
        r.type === "results" || r.code === "bad_request",
        `${query.slice(0, 20)}: ${JSON.stringify(r).slice(0, 200)}`,
      );
      assert.doesNotMatch(JSON.stringify(r), /sqlite|fts5|syntax error/i);
    }
    const near = await ask(client, { type: "search", query: "NEAR(" }, ["results"]);
    assert.deepEqual((near.messages as StoredMessage[]).map((m) => m.text), ["near the end"]);
    const long = await ask(client, { type: "search", query: "y".repeat(10_240) }, ["results"]);
    assert.ok(String(long.query).length <= 201, "a long query is echoed shortened");
    const bad = await ask(client, { type: "search" }, ["results"]);
    assert.equal(bad.code, "bad_request");
    assert.deepEqual(await sayAll(client, ["after"]), [4]);
    await client.close();
  });
});

Deno.test("edit: the author within the window; everyone in the room is told; others are refused", async () => {
  await withServer([], async ({ port }) => {
    const { client: bob } = await joinJson(port, "bob");
    const { client: amy } = await joinJson(port, "amy");
    await bob.event("join");
    const [seq] = await sayAll(bob, ["teh typo"]);
    await amy.event("message");
    await bob.sendJson({ type: "edit", room: "lobby", seq, text: "the typo", ref: "e1" });
    for (const c of [bob, amy]) {
      const e = await c.event("edit");
      assert.equal(e.room, "lobby");
      assert.equal(e.seq, seq);
      assert.equal(e.from, "bob");
      assert.equal(e.text, "the typo");
      assert.match(String(e.ts), /^\d{4}-/);
    }
    const refused = await ask(amy, { type: "edit", seq, text: "mine now", ref: "x" }, ["edit"]);
    assert.deepEqual([refused.code, refused.ref], ["not_allowed", "x"]);
    assert.match(String(refused.message), /your own messages/);
    const del = await ask(amy, { type: "delete", seq }, ["delete"]);
    assert.equal(del.code, "not_allowed");
    const missing = await ask(bob, { type: "edit", seq: 99, text: "x" }, ["edit"]);
    assert.equal(missing.code, "no_such_message");
    const empty = await ask(bob, { type: "edit", seq, text: "   " }, ["edit"]);
    assert.equal(empty.code, "bad_request");
    // History reflects it: the new text, "edited", the same seq and ts.
    const page = await ask(bob, { type: "history", room: "lobby" }, ["history"]);
    const [m] = page.messages as StoredMessage[];
    assert.deepEqual([m.seq, m.text, typeof m.edited], [seq, "the typo", "string"]);
    // A newcomer sees it edited in the welcome.
    const { welcome } = await joinJson(port, "cat");
    assert.equal((welcome.history as StoredMessage[])[0].text, "the typo");
    await bob.close();
    await amy.close();
  });
});

Deno.test("edit past --edit-window is refused (delete still works); --edit-window off refuses every edit", async () => {
  await withServer(["--edit-window", "1s"], async ({ port }) => {
    const { client } = await joinJson(port, "bob");
    const [seq] = await sayAll(client, ["soon too old"]);
    await new Promise((r) => setTimeout(r, 1300));
    const late = await ask(client, { type: "edit", seq, text: "x" }, ["edit"]);
    assert.equal(late.code, "not_allowed");
    assert.match(String(late.message), /older than the edit window \(1s\)/);
    const del = await ask(client, { type: "delete", seq, ref: "d" }, ["delete"]);
    assert.deepEqual([del.type, del.by, del.seq], ["delete", "bob", seq]);
    await client.close();
  });
  await withServer(["--edit-window", "off"], async ({ port }) => {
    const { client } = await joinJson(port, "bob");
    const [seq] = await sayAll(client, ["fresh"]);
    const r = await ask(client, { type: "edit", seq, text: "x" }, ["edit"]);
    assert.equal(r.code, "not_allowed");
    assert.match(String(r.message), /editing is off/);
    await client.close();
  });
});

Deno.test("delete: by the author and by an operator; a deleted message keeps seq, ts and from, and cannot be edited", async () => {
  await withServer([], async ({ port }) => {
    const { client: bob } = await joinJson(port, "bob");
    const { client: op } = await joinJson(port, "op");
    const [one, two] = await sayAll(bob, ["oops", "spam"]);
    await bob.sendJson({ type: "delete", seq: one, ref: "d1" });
    assert.deepEqual((await op.event("delete")).by, "bob");
    const notOp = await ask(op, { type: "delete", seq: two }, ["delete"]);
    assert.equal(notOp.code, "not_allowed");
    await op.sendJson({ type: "op", password: "hunter2" });
    await op.until((l) => l.includes('"moderation"') || l.includes("operator"));
    await op.sendJson({ type: "delete", seq: two });
    const e = await bob.until((l) => JSON.parse(l).type === "delete" && JSON.parse(l).seq === two);
    assert.equal(JSON.parse(e).by, "op");
    const again = await ask(bob, { type: "edit", seq: one, text: "back" }, ["edit"]);
    assert.equal(again.code, "no_such_message");
    const page = await ask(bob, { type: "history", room: "lobby" }, ["history"]);
    for (const m of page.messages as StoredMessage[]) {
      assert.equal(m.deleted, true);
      assert.equal(m.text, "");
      assert.equal(m.from, "bob");
      assert.match(m.ts, /^\d{4}-/);
    }
    const found = await ask(bob, { type: "search", query: "spam" }, ["results"]);
    assert.deepEqual(found.messages, [], "deleted messages are not found");
    await bob.close();
    await op.close();
  }, { env: { CHAT_OP_PASSWORD: "hunter2" } });
});

Deno.test("someone who takes a free name later cannot edit or delete what its earlier holder said", async () => {
  await withServer(["--reserve-names", "off"], async ({ port }) => {
    const { client: first } = await joinJson(port, "alice");
    const [seq] = await sayAll(first, ["the real alice"]);
    await first.close();
    await new Promise((r) => setTimeout(r, 50));
    const { client: taker } = await joinJson(port, "alice");
    const edit = await ask(taker, { type: "edit", seq, text: "fake" }, ["edit"]);
    assert.equal(edit.code, "not_allowed");
    const del = await ask(taker, { type: "delete", seq }, ["delete"]);
    assert.equal(del.code, "not_allowed");
    // What it said itself it can edit.
    const [own] = await sayAll(taker, ["mine"]);
    assert.equal(
      (await ask(taker, { type: "edit", seq: own, text: "mine!" }, ["edit"])).type,
      "edit",
    );
    await taker.close();
  });
});

Deno.test("editing to a 200 KB text gets line_too_long and nothing else is lost", async () => {
  await withServer([], async ({ port }) => {
    const { client } = await joinJson(port, "bob");
    const [seq] = await sayAll(client, ["short"]);
    await client.sendJson({ type: "edit", seq, text: "x".repeat(200_000) });
    assert.equal((await client.event("error")).code, "line_too_long");
    assert.deepEqual(await sayAll(client, ["next"]), [seq + 1]);
    const page = await ask(client, { type: "history", room: "lobby" }, ["history"]);
    assert.deepEqual((page.messages as StoredMessage[]).map((m) => m.text), ["short", "next"]);
    await client.close();
  });
});

Deno.test("plain mode: /history with #seqs, /search, /edit, /delete, and edits shown as they happen", async () => {
  await withServer([], async ({ port }) => {
    const bob = await joinPlain(port, "bob");
    const amy = await joinPlain(port, "amy");
    await bob.until((l) => l.includes("amy joined"));
    await bob.send("helo world");
    await bob.send("second");
    await amy.until((l) => l === "bob: second");
    await bob.send("/history");
    assert.equal(await bob.until((l) => l.startsWith("* Last")), "* Last 2 messages:");
    assert.equal(await bob.line(), "#1 bob: helo world");
    assert.equal(await bob.line(), "#2 bob: second");
    assert.equal(await bob.line(), "* End of history.");
    await bob.send("/edit 1 hello world");
    assert.equal(await amy.line(), "* bob edited #1: hello world");
    await bob.send("/edit #2 second!");
    assert.equal(await amy.line(), "* bob edited #2: second!");
    await bob.send("/edit the last one");
    assert.equal(await amy.line(), "* bob edited #2: the last one");
    await amy.send("/search HELLO");
    assert.match(await amy.line(), /^\* 1 message matches "HELLO"/);
    assert.equal(await amy.line(), "[#lobby] #1 bob: hello world (edited)");
    assert.equal(await amy.line(), "* End of search.");
    await amy.send("/delete 1");
    assert.match(await amy.line(), /^! not_allowed: #1 is bob's/);
    await amy.send("/edit 1");
    assert.match(await amy.line(), /^! bad_request: \/edit 1 needs the new text/);
    await bob.send("/delete 1");
    assert.equal(await amy.line(), "* bob deleted #1");
    // More than 200 shows the last 200 (here: all there are).
    await bob.send("/history 1000");
    assert.equal(await bob.until((l) => l.startsWith("* Last")), "* Last 2 messages:");
    await bob.send("/history 0");
    assert.match(
      await bob.until((l) => l.startsWith("!")),
      /^! bad_request: \/history takes a count/,
    );
    await bob.send("/delete x");
    assert.match(await bob.until((l) => l.startsWith("!")), /x is not a message number/);
    await amy.send("/history 5");
    await amy.until((l) => l.startsWith("* Last"));
    assert.equal(await amy.line(), "#1 bob: (deleted)");
    assert.equal(await amy.line(), "#2 bob: the last one (edited)");
    await bob.close();
    await amy.close();
  });
});

Deno.test("a page of big messages is cut to about 256 KiB of text and says more; paging still gets each once", async () => {
  await withServer(["--rate-limit", "0"], async ({ port }) => {
    const { client } = await joinJson(port, "bob");
    let batch = "";
    for (let i = 1; i <= 100; i++) {
      batch += JSON.stringify({ type: "say", text: `${i} ${"x".repeat(3900)}`, ref: `b${i}` }) +
        "\n";
    }
    await client.conn.write(new TextEncoder().encode(batch));
    await client.until((l) => JSON.parse(l).ref === "b100");
    const seen: number[] = [];
    let before: number | undefined;
    let first = true;
    for (let pages = 0; pages < 10; pages++) {
      const page = await ask(
        client,
        { type: "history", limit: 200, ...(before ? { before } : {}) },
        [
          "history",
        ],
      );
      const got = page.messages as StoredMessage[];
      const text = got.reduce((n, m) => n + m.text.length, 0);
      assert.ok(text <= 256 * 1024, `${text} characters in one page`);
      if (first) assert.equal(page.more, true, "cut, so more");
      first = false;
      seen.unshift(...got.map((m) => m.seq));
      if (!page.more) break;
      before = got[0].seq;
    }
    assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i + 1));
    await client.close();
  });
});
