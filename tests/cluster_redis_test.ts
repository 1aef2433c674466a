import assert from "node:assert/strict";
import { joinJson, startServer, waitFor } from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";
import type { Json } from "./cluster_flood.ts";
import { startRedis } from "./redis_helpers.ts";

// A cluster and its Redis: URLs that cannot work, settings that could lose
// acked messages, a Redis that lost its data, DMs while Redis is away.

Deno.test("a DM to a member on another node is refused, never confirmed, while Redis is away or that node is dead", async () => {
  await using cluster = await startCluster(2);
  const [n1, n2] = cluster.nodes;
  const { client: alice } = await joinJson(n1.port, "alice");
  const { client: bob } = await joinJson(n2.port, "bob");
  await alice.event("join");
  /** Alice's answer to a DM of hers: its echo or an error, by ref. */
  const dm = async (text: string, ref: string) => {
    await alice.sendJson({ type: "dm", to: "bob", text, ref });
    return JSON.parse(
      await alice.until((l) => {
        const e = JSON.parse(l);
        return e.ref === ref && (e.type === "dm" || e.type === "error");
      }, 10000),
    );
  };
  const ok = await dm("hello", "d1");
  assert.equal(ok.type, "dm");
  assert.equal((await bob.event("dm")).text, "hello");
  await cluster.redis.kill9();
  const down = await dm("while down", "d2");
  assert.deepEqual([down.type, down.code], ["error", "server_error"]);
  assert.match(String(down.message), /the chat is unavailable for a moment, try again/);
  await cluster.redis.restart();
  // Once Redis is back, the same DM goes (and bob never saw the refused one).
  let again: Json = {};
  for (let i = 0; i < 50; i++) {
    again = await dm("while down", `d3-${i}`);
    if (again.type === "dm") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(again.type, "dm");
  const got = await bob.event("dm", 10000);
  assert.equal(got.text, "while down");
  // Once: none of the refused tries reached him.
  await assert.rejects(bob.event("dm", 500));
  // bob's node killed: until it is reaped, bob is still listed, but a DM is refused.
  await n2.stop("SIGKILL");
  const dead = await dm("are you there", "d4");
  assert.deepEqual([dead.type, dead.code], ["error", "server_error"]);
  assert.match(String(dead.message), /bob's server is not answering, try again in a moment/);
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("an unreachable, password-protected or non-Redis --redis stops the server with one line, exit 1", async () => {
  const fail = async (args: string[]) => {
    const s = await startServer(args, { lines: 0 }).catch((err) => err as Error);
    assert.ok(s instanceof Error, "it must not start");
    return s.message;
  };
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (dead.addr as Deno.NetAddr).port;
  dead.close();
  assert.match(
    await fail(["--redis", `redis://127.0.0.1:${deadPort}`]),
    /exited with 1: .*cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+.*refused/s,
  );
  await using locked = await startRedis({ password: "sekrit" });
  assert.match(await fail(["--redis", `redis://127.0.0.1:${locked.port}`]), /needs a password/);
  assert.match(
    await fail(["--redis", `redis://:wrong@127.0.0.1:${locked.port}`]),
    /refused the password/,
  );
  // Something that answers, but not like a Redis.
  const fake = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const c of fake) {
      c.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n")).catch(() => {}).finally(
        () => c.close(),
      );
    }
  })();
  assert.match(
    await fail(["--redis", `redis://127.0.0.1:${(fake.addr as Deno.NetAddr).port}`]),
    /did not answer like a Redis/,
  );
  fake.close();
  await serving.catch(() => {});
  // A URL that is not one, and --db with --redis: usage errors, exit 2.
  assert.match(
    await fail(["--redis", "http://x"]),
    /exited with 2: .*--redis must look like redis:\/\/HOST:PORT/s,
  );
  assert.match(
    await fail(["--redis", "redis://127.0.0.1:1", "--db", "x.db"]),
    /exited with 2: .*drop --db/s,
  );
});

Deno.test("a Redis that comes back empty is noticed: nothing is acked under the old epoch, members are told to reconnect, the node stops (exit 1), a new node has a new epoch", async () => {
  await using cluster = await startCluster(1);
  const [n1] = cluster.nodes;
  const { client: a, welcome } = await joinJson(n1.port, "alice");
  // A flood through the restart: the first scripts on the empty Redis come
  // before any heartbeat, so the publish path itself must refuse them.
  const acks: number[] = [];
  const bye: Json[] = [];
  let stopped = false;
  const reading = (async () => {
    try {
      for (;;) {
        const e = await a.json(20000);
        if (e.type === "ack") acks.push(Number(e.seq));
        if (e.type === "shutdown") return void bye.push(e);
      }
    } catch { /* the connection ended */ }
  })();
  const sending = (async () => {
    for (let k = 0; !stopped; k++) {
      try {
        await a.sendJson({ type: "say", text: `a ${k}`, ref: `${k}`, id: `a-${k}` });
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  await waitFor(() => acks.length >= 50, "50 acks", 10000);
  await cluster.redis.kill9();
  await Deno.remove(cluster.redis.dir, { recursive: true });
  await Deno.mkdir(cluster.redis.dir);
  await cluster.redis.restart();
  // Nobody new is welcomed in the meantime either (that would be the old epoch).
  for (let i = 0; i < 20; i++) {
    const joined = await joinJson(n1.port, `late${i}`).catch(() => null);
    assert.equal(joined, null, "a welcome from a node on an emptied Redis");
    await new Promise((r) => setTimeout(r, 20));
  }
  await reading;
  stopped = true;
  await sending;
  assert.equal(bye.length, 1, "alice is told to reconnect");
  assert.match(String(bye[0].message), /lost the chat cluster, reconnect/);
  assert.deepEqual(acks, [...acks].sort((x, y) => x - y), "acks in seq order");
  assert.equal(new Set(acks).size, acks.length, `a seq acked twice: ${acks.join(",")}`);
  assert.equal(await n1.exited, 1);
  assert.ok(n1.stderr.some((l) => /Redis lost its data/.test(l)), n1.stderr.join("\n"));
  assert.equal(await cluster.redis.cli("GET", "chat:{r:lobby}:seq"), "", "nothing stored");
  const n2 = await cluster.add();
  const { welcome: again } = await joinJson(n2.port, "alice", { since: 5, epoch: welcome.epoch });
  assert.notEqual(again.epoch, welcome.epoch);
  assert.equal(again.reset, true);
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("the publish script checks the room's epoch: a stale copy is repaired (one refusal, resent once), another cluster epoch stops the node with nothing acked", async () => {
  await using cluster = await startCluster(1);
  const [n1] = cluster.nodes;
  const { client: a } = await joinJson(n1.port, "alice");
  await a.sendJson({ type: "say", text: "one", ref: "1", id: "m-1" });
  assert.equal((await a.event("ack")).seq, 1);
  // The room's copy gone (as a stale node's write over it would be): refused, not stored.
  await cluster.redis.cli("DEL", "chat:{r:lobby}:epoch");
  await a.sendJson({ type: "say", text: "two", ref: "2", id: "m-2" });
  const refused = await a.event("error");
  assert.deepEqual([refused.code, refused.ref], ["server_error", "2"]);
  assert.match(String(refused.message), /unavailable for a moment, try again/);
  // The cluster's epoch is still this node's: the room is stamped again and the resend goes.
  for (let i = 0; i < 100 && await cluster.redis.cli("GET", "chat:{r:lobby}:epoch") === ""; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await a.sendJson({ type: "say", text: "two", ref: "2b", id: "m-2" });
  const ack = await a.event("ack");
  assert.deepEqual([ack.ref, ack.seq], ["2b", 2]);
  // Another epoch in Redis (its data was replaced): the next message is refused, the node stops.
  await cluster.redis.cli("SET", "chat:epoch", "someone-else");
  await cluster.redis.cli("DEL", "chat:{r:lobby}:epoch");
  await a.sendJson({ type: "say", text: "three", ref: "3", id: "m-3" });
  const seen: Json[] = [];
  for (;;) {
    const e = await a.json(10000);
    seen.push(e);
    if (e.type === "shutdown") break;
  }
  assert.ok(!seen.some((e) => e.type === "ack"), JSON.stringify(seen));
  assert.equal(await n1.exited, 1);
  assert.ok(n1.stderr.some((l) => /Redis lost its data/.test(l)), n1.stderr.join("\n"));
  assert.equal(await cluster.redis.cli("GET", "chat:{r:lobby}:seq"), "2");
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("a Redis that could lose acked messages is named at start: appendonly no, appendfsync everysec", async () => {
  for (
    const [opts, want] of [
      [{ appendonly: false }, /appendonly no: acknowledged messages are lost when Redis restarts/],
      [{ appendfsync: "everysec" as const }, /appendfsync/],
    ] as const
  ) {
    await using redis = await startRedis(opts);
    const node = await startServer(["--redis", redis.url], { lines: 2 });
    try {
      await waitFor(() => node.stderr.some((l) => want.test(l)), "the warning", 5000);
      assert.ok(node.stderr.some((l) => /WARN/.test(l) && want.test(l)), node.stderr.join("\n"));
    } finally {
      await node.stop("SIGKILL");
    }
  }
  // With both set right, no such warning.
  await using good = await startRedis();
  const node = await startServer(["--redis", good.url], { lines: 2 });
  await new Promise((r) => setTimeout(r, 300));
  await node.stop();
  assert.ok(!node.stderr.some((l) => /appendonly|appendfsync/.test(l)), node.stderr.join("\n"));
});
