// Older history, search, edits and deletions in a cluster: real
// redis-server, real `chat serve --redis` nodes. An edit made on one node
// reaches the room's members on every node, and every node's history (its
// mirror and Redis's streams) shows it; search scans the streams.
import assert from "node:assert/strict";
import { joinJson, type LineClient, startServer, waitFor } from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";
import { startRedis } from "./redis_helpers.ts";
import type { StoredMessage } from "../server/core/history.ts";

type Json = Record<string, unknown>;

async function reply(c: LineClient, request: Json, type: string): Promise<Json> {
  await c.sendJson(request);
  return JSON.parse(await c.until((l) => [type, "error"].includes(JSON.parse(l).type)));
}

Deno.test("cluster: edits and deletions reach every node, live and in history; paging and search read Redis", async () => {
  // Replays of 400: a room event has every message, to check the mirrors.
  await using cluster = await startCluster(2, ["--history", "400"]);
  const [n1, n2] = cluster.nodes;
  const { client: bob } = await joinJson(n1.port, "bob", { rooms: ["dev"] });
  const { client: amy } = await joinJson(n2.port, "amy", { rooms: ["dev"] });
  await waitFor(() => true, "");
  // 300 messages, then page through them from the other node.
  let batch = "";
  for (let i = 1; i <= 300; i++) {
    batch += JSON.stringify({ type: "say", room: "dev", text: `Réunion ${i}`, ref: `${i}` }) + "\n";
  }
  await bob.conn.write(new TextEncoder().encode(batch));
  await bob.until((l) => JSON.parse(l).ref === "300");
  await amy.until((l) => JSON.parse(l).seq === 300);
  const seen: number[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < 5; pages++) {
    const page = await reply(
      amy,
      { type: "history", room: "dev", limit: 120, ...(before ? { before } : {}) },
      "history",
    );
    const seqs = (page.messages as StoredMessage[]).map((m) => m.seq);
    seen.unshift(...seqs);
    if (!page.more) break;
    before = seqs[0];
  }
  assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i + 1));

  // bob edits on node 1: amy on node 2 is told.
  await bob.sendJson({ type: "edit", room: "dev", seq: 7, text: "Réunion reportée", ref: "e" });
  const edit = await amy.event("edit");
  assert.deepEqual([edit.seq, edit.from, edit.text], [7, "bob", "Réunion reportée"]);
  // amy cannot edit bob's message from her node; deleting needs an operator.
  assert.equal(
    (await reply(amy, { type: "edit", room: "dev", seq: 7, text: "x" }, "edit")).code,
    "not_allowed",
  );
  assert.equal(
    (await reply(amy, { type: "delete", room: "dev", seq: 8 }, "delete")).code,
    "not_allowed",
  );
  await bob.sendJson({ type: "delete", room: "dev", seq: 8 });
  assert.equal((await amy.event("delete")).by, "bob");

  // Node 2's mirror (a newcomer's welcome) and Redis (a page) both show them.
  const { client: cat } = await joinJson(n2.port, "cat", { rooms: ["dev"] });
  const roomEvent = await cat.event("room");
  const mirrored = roomEvent.history as StoredMessage[];
  assert.equal(mirrored.find((m) => m.seq === 7)?.text, "Réunion reportée");
  assert.equal(mirrored.find((m) => m.seq === 8)?.deleted, true);
  const page = await reply(cat, { type: "history", room: "dev", before: 10, limit: 3 }, "history");
  assert.deepEqual((page.messages as StoredMessage[]).map((m) => [m.seq, m.text]), [
    [7, "Réunion reportée"],
    [8, ""],
    [9, "Réunion 9"],
  ]);

  // Search on either node: folded words, edits seen, deletions never found.
  const found = await reply(
    amy,
    { type: "search", room: "dev", query: "REPORTEE reunion" },
    "results",
  );
  assert.deepEqual((found.messages as StoredMessage[]).map((m) => m.seq), [7]);
  const nine = await reply(bob, { type: "search", query: "reunion 9" }, "results");
  assert.deepEqual((nine.messages as StoredMessage[]).map((m) => m.seq), [9]);
  const gone = await reply(bob, { type: "search", query: "reunion 8" }, "results");
  assert.deepEqual(gone.messages, []);

  // A node started now reads the edits from Redis.
  const n3 = await cluster.add();
  const { client: dan } = await joinJson(n3.port, "dan", { rooms: ["dev"] });
  const late = (await dan.event("room")).history as StoredMessage[];
  assert.equal(late.find((m) => m.seq === 7)?.edited !== undefined, true);
  assert.equal(late.find((m) => m.seq === 8)?.deleted, true);
  for (const c of [bob, amy, cat, dan]) await c.close();
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("cluster: --retain COUNT keeps exactly that many per room, and every node, old or new, serves the same history", async () => {
  // A replay longer than the count: what a node may show is the count, not --history.
  await using cluster = await startCluster(2, ["--retain", "50", "--history", "400"]);
  const [n1, n2] = cluster.nodes;
  const { client: bob } = await joinJson(n1.port, "bob");
  const { client: amy } = await joinJson(n2.port, "amy");
  const post = async (from: number, to: number) => {
    let batch = "";
    for (let i = from; i <= to; i++) {
      batch += JSON.stringify({ type: "say", text: `m${i}`, ref: `${i}` }) + "\n";
    }
    await bob.conn.write(new TextEncoder().encode(batch));
    await bob.until((l) => JSON.parse(l).ref === `${to}`, 20000);
    await amy.until((l) => JSON.parse(l).seq === to, 20000);
  };
  await post(1, 100);
  // A deletion of a message that then falls out: its revision goes with it.
  await bob.sendJson({ type: "delete", seq: 60 });
  await amy.event("delete");
  assert.equal(await cluster.redis.cli("HEXISTS", "chat:{r:lobby}:rev", "60"), "1");
  await post(101, 300);
  assert.equal(await cluster.redis.cli("XLEN", "chat:{r:lobby}:log"), "50");
  assert.equal(await cluster.redis.cli("HLEN", "chat:{r:lobby}:rev"), "0");
  const n3 = await cluster.add();
  const want = Array.from({ length: 50 }, (_, i) => 251 + i);
  for (const [label, n] of [["n1", n1], ["n2", n2], ["n3 (new)", n3]] as const) {
    const { welcome, client } = await joinJson(n.port, `r${n.port}`, { since: 0 });
    const seqs = (welcome.history as StoredMessage[]).map((m) => m.seq);
    assert.deepEqual(seqs, want, `${label}: since 0`);
    const page = await reply(client, { type: "history", before: 260, limit: 100 }, "history");
    const paged = (page.messages as StoredMessage[]).map((m) => m.seq);
    assert.deepEqual(paged, want.slice(0, 9), `${label}: a page before 260`);
    await client.close();
  }
  await bob.close();
  await amy.close();
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("cluster: --retain by age with --redis stops the server with one line saying what to use, exit 1", async () => {
  await using redis = await startRedis();
  for (const retain of ["30d", "30d,100000"]) {
    const err = await startServer(["--redis", redis.url, "--retain", retain], { lines: 0 })
      .catch((e) => e as Error);
    assert.ok(err instanceof Error, `--retain ${retain} must not start`);
    assert.match(
      err.message,
      /exited with 1: .*--retain by age is not available with --redis yet: keep a count instead, e\.g\. --retain 100000/s,
    );
  }
  // Nothing was written to Redis: no node registered, no epoch made for nothing.
  assert.equal(await redis.cli("SCARD", "chat:nodes"), "0");
});
