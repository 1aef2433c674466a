import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, waitFor } from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";
import { WsClient } from "./web_helpers.ts";

// Cluster mode: real redis-server, real `chat serve --redis` nodes, real
// sockets. Every client sees one order per room, whatever node it is on.

type Json = Record<string, unknown>;

/** Reads JSON events until `n` messages of each room arrived; returns them by room. */
async function messages(c: LineClient, rooms: string[], n: number, timeoutMs = 10000) {
  const out = new Map<string, Json[]>(rooms.map((r) => [r, []]));
  const end = Date.now() + timeoutMs;
  while ([...out.values()].some((l) => l.length < n)) {
    let e: Json;
    try {
      e = await c.json(Math.max(1, end - Date.now()));
    } catch (err) {
      const got = [...out].map(([r, l]) => `${r}: ${l.map((m) => m.seq)}`).join("; ");
      throw new Error(`not all ${n} messages per room came: ${got}`, { cause: err });
    }
    if (e.type === "message") out.get(String(e.room))?.push(e);
  }
  return out;
}

Deno.test("clients on three nodes chat in two rooms: one order per room on every node; acks; DMs both ways", async () => {
  await using cluster = await startCluster(3);
  const [n1, n2, n3] = cluster.nodes;
  const hello = { rooms: ["lobby", "dev"] };
  const { client: a } = await joinJson(n1.port, "alice", hello);
  const { client: b } = await joinJson(n2.port, "bob", hello);
  const { client: c } = await joinJson(n3.port, "carol", hello);
  // Observers, one per node, that post nothing.
  const watchers = await Promise.all(
    [n1, n2, n3].map((n, i) => joinJson(n.port, `w${i}`, hello).then((j) => j.client)),
  );
  await waitFor(() => true, "");
  const K = 40;
  const senders = [a, b, c];
  const acks = senders.map(() => [] as Json[]);
  // Everyone floods both rooms at once.
  await Promise.all(senders.map(async (s, i) => {
    let batch = "";
    for (let k = 0; k < K; k++) {
      const room = k % 2 === 0 ? "lobby" : "dev";
      batch +=
        JSON.stringify({ type: "say", room, text: `s${i} m${k}`, ref: `${k}`, id: `s${i}-${k}` }) +
        "\n";
    }
    await s.sendRaw(batch);
  }));
  for (const [i, s] of senders.entries()) {
    while (acks[i].length < K) {
      const e = await s.json(10000);
      if (e.type === "ack") acks[i].push(e);
    }
    // Every message acked once; within a room, in the order sent.
    assert.deepEqual(
      acks[i].map((e) => Number(e.ref)).sort((x, y) => x - y),
      Array.from({ length: K }, (_, k) => k),
    );
    for (const room of ["lobby", "dev"]) {
      const mine = acks[i].filter((e) => e.room === room);
      assert.deepEqual(
        mine.map((e) => Number(e.ref)),
        mine.map((e) => Number(e.ref)).sort((x, y) => x - y),
      );
    }
  }
  const total = 3 * K / 2;
  const byWatcher = await Promise.all(watchers.map((w) => messages(w, ["lobby", "dev"], total)));
  for (const room of ["lobby", "dev"]) {
    const seen = byWatcher.map((m) => m.get(room)!);
    const first = seen[0].map((m) => `${m.seq} ${m.from}: ${m.text}`);
    assert.deepEqual(
      first.map((_, i) => Number(first[i].split(" ")[0])),
      Array.from({ length: total }, (_, i) => i + 1),
      `${room}: seqs 1..${total}, no gap`,
    );
    for (const other of seen.slice(1)) {
      assert.deepEqual(
        other.map((m) => `${m.seq} ${m.from}: ${m.text}`),
        first,
        `${room}: the same order on every node`,
      );
    }
    // Each sender's messages appear in the order it sent them.
    for (let i = 0; i < 3; i++) {
      const mine = seen[0].filter((m) => m.text!.toString().startsWith(`s${i} `)).map((m) =>
        m.text
      );
      const want = Array.from({ length: K }, (_, k) => `s${i} m${k}`).filter((_, k) =>
        (k % 2 === 0) === (room === "lobby")
      );
      assert.deepEqual(mine, want);
    }
  }
  // The acks' seqs are the seqs everyone saw for those messages.
  // DMs across nodes, both ways; /who and members are the same everywhere.
  await a.sendJson({ type: "dm", to: "carol", text: "psst", ref: "d1" });
  assert.equal((await c.event("dm")).text, "psst");
  assert.equal((await a.event("dm")).ref, "d1");
  const p = await joinPlain(n2.port, "dave");
  await p.send("/msg alice hi from plain");
  assert.equal((await a.event("dm")).text, "hi from plain");
  await p.send("/who");
  const who = await p.until((l) => l.startsWith("* ") && l.includes("online"));
  assert.match(who, /alice.*bob.*carol.*dave/);
  await c.sendJson({ type: "rooms" });
  const rooms = (await c.event("rooms")).rooms as Json[];
  assert.deepEqual(rooms.map((r) => [r.name, r.members]).sort(), [["dev", 6], ["lobby", 7]]);
  for (const x of [a, b, c, p, ...watchers]) await x.close();
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("names are unique across nodes: two nodes racing for one name, exactly one wins", async () => {
  await using cluster = await startCluster(2);
  const [n1, n2] = cluster.nodes;
  for (let round = 0; round < 10; round++) {
    const name = `racer${round}`;
    const [x, y] = await Promise.all([LineClient.connect(n1.port), LineClient.connect(n2.port)]);
    await Promise.all([x.line(), y.line()]);
    await Promise.all([x.send(name), y.send(name)]);
    const [lx, ly] = await Promise.all([
      x.until((l) => l.startsWith("* Welcome,") || l.startsWith("! ")),
      y.until((l) => l.startsWith("* Welcome,") || l.startsWith("! ")),
    ]);
    const won = [lx, ly].filter((l) => l.startsWith("* Welcome,"));
    assert.equal(won.length, 1, `round ${round}: ${lx} / ${ly}`);
    assert.ok([lx, ly].some((l) => l.startsWith("! name_taken:")));
    await x.close();
    await y.close();
  }
  // A name is free again on every node once its holder leaves.
  const a = await joinPlain(n1.port, "reuse");
  await a.send("/quit");
  await a.closed();
  await waitFor(() => true, "");
  let ok = false;
  for (let i = 0; i < 20 && !ok; i++) {
    const b = await LineClient.connect(n2.port);
    await b.line();
    await b.send("reuse");
    ok = (await b.until((l) => l.startsWith("* Welcome,") || l.startsWith("! "))).startsWith(
      "* Welcome",
    );
    await b.close();
    if (!ok) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(ok, "the name was freed");
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("the web page's WebSocket on one node and netcat on another share a room; topics cross nodes", async () => {
  await using cluster = await startCluster(2, ["--web-port", "0"]);
  const [n1, n2] = cluster.nodes;
  const http = n2.stdout.find((l) => l.startsWith("chat web on "))!.slice("chat web on ".length);
  const nc = await joinPlain(n1.port, "netcat");
  const { client: page, welcome } = await WsClient.join(http, "page", { rooms: ["lobby"] });
  assert.deepEqual(welcome.members, ["netcat", "page"]);
  assert.match(await nc.line(), /\* page joined the chat/);
  await nc.send("hello page");
  const m = await page.event("message");
  assert.equal(m.text, "hello page");
  assert.equal(m.from, "netcat");
  page.send({ type: "say", text: "hello netcat", ref: "p1", id: "p-1" });
  assert.equal((await page.event("ack")).seq, 2);
  assert.equal(await nc.line(), "page: hello netcat");
  page.send({ type: "topic", room: "lobby", text: "cluster day" });
  assert.equal((await page.event("topic")).text, "cluster day");
  assert.match(await nc.until((l) => l.includes("topic")), /\* page set the topic: cluster day/);
  await nc.send("/quit");
  const left = await page.event("leave");
  assert.equal(left.name, "netcat");
  assert.equal(left.reason, "quit");
  await page.close();
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("moderation in a cluster: a ban made on node A kicks the target from node B and holds there; operators show everywhere", async () => {
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "hunter2\n");
  await using cluster = await startCluster(2, ["--op-password-file", file]);
  try {
    const [a, b] = cluster.nodes;
    const alice = await joinPlain(a.port, "alice");
    const { client: watch } = await joinJson(b.port, "watch", { rooms: ["lobby"] });
    const bob = await joinPlain(b.port, "bob", "127.0.0.2");
    await watch.event("join");
    await alice.send("/op hunter2");
    await alice.until((l) => l === "* You are now an operator.");
    assert.deepEqual((await watch.event("members")).ops, ["alice"]);
    await alice.send("/ban bob spam");
    const m = await watch.event("moderation");
    assert.deepEqual([m.action, m.target, m.by, m.reason], ["ban", "bob", "alice", "spam"]);
    assert.equal((await watch.event("leave")).reason, "kicked");
    await bob.closed();
    // It holds on node B: the name, and the address it came from.
    const again = await LineClient.connect(b.port, "127.0.0.2");
    assert.match(await again.line(), /^! banned: .*spam/);
    await again.close();
    const byName = await LineClient.connect(b.port);
    await byName.line();
    await byName.send("bob");
    assert.match(await byName.line(), /^! banned:/);
    await byName.close();
    // A node started later loads the ban from Redis.
    const c = await cluster.add(["--op-password-file", file]);
    const late = await LineClient.connect(c.port, "127.0.0.2");
    assert.match(await late.line(), /^! banned:/);
    await late.close();
    await alice.close();
    await watch.close();
    assert.deepEqual(bugs(cluster.nodes), []);
  } finally {
    await Deno.remove(file);
  }
});
