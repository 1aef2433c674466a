import assert from "node:assert/strict";
import { joinJson, LineClient, startServer, waitFor } from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";
import { startRedis } from "./redis_helpers.ts";
import { runJoinPiped } from "./join_helpers.ts";

// Cluster mode under failure: a node killed, its subscription cut, Redis
// killed and restarted from its AOF, and Redis URLs that cannot work.

type Json = Record<string, unknown>;

/**
 * Posts one message (with an id) every 2 ms until `stop()`, and reads the
 * answers: acks and refusals by ref. A flood that a test can cut into.
 */
function flood(c: LineClient, prefix: string, batch = 1) {
  const acked = new Set<string>();
  const refused = new Set<string>();
  let sent = 0, stopped = false;
  const sending = (async () => {
    while (!stopped) {
      let lines = "";
      for (let i = 0; i < batch; i++) {
        const k = sent++;
        lines += JSON.stringify({
          type: "say",
          text: `${prefix} ${k}`,
          ref: `${k}`,
          id: `${prefix}-${k}`,
        }) +
          "\n";
      }
      try {
        await c.sendRaw(lines);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const reading = (async () => {
    try {
      for (;;) {
        const e = await c.json(20000);
        if (e.type === "ack") acked.add(`${prefix} ${e.ref}`);
        if (e.type === "error" && e.code === "server_error") {
          assert.match(
            String(e.message),
            /unavailable for a moment, try again|earlier message of yours was not stored/,
          );
          refused.add(`${prefix} ${e.ref}`);
        }
        if (stopped && acked.size + refused.size >= sent) return;
      }
    } catch { /* the connection ended */ }
  })();
  return {
    acked,
    refused,
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      await sending;
      await reading;
    },
  };
}

/** Everything in the lobby's history, by a fresh client with since 0. */
async function history(port: number, name: string): Promise<Json[]> {
  const { welcome, client } = await joinJson(port, name, { since: 0 });
  await client.close();
  return welcome.history as Json[];
}

function assertGapless(h: Json[], what: string) {
  assert.deepEqual(h.map((m) => m.seq), h.map((_, i) => i + 1), `${what}: seqs 1..${h.length}`);
  const texts = h.map((m) => m.text);
  assert.equal(new Set(texts).size, texts.length, `${what}: no message twice`);
}

Deno.test("kill -9 of a node mid-flood: its members leave within the bound; every acked message is in history once, in order", async () => {
  await using cluster = await startCluster(2);
  const [n1, n2] = cluster.nodes;
  const { client: watcher } = await joinJson(n1.port, "watcher");
  const { client: victim } = await joinJson(n2.port, "victim");
  await watcher.event("join");
  const f = flood(victim, "v");
  await waitFor(() => f.acked.size >= 150, "150 acks", 10000);
  await n2.stop("SIGKILL");
  await f.stop();
  const acked = f.acked;
  const t0 = Date.now();
  const leave = await watcher.until((l) => l.includes('"type":"leave"'), 20000);
  const waited = Date.now() - t0;
  assert.match(leave, /"name":"victim".*"reason":"disconnect"/);
  assert.ok(waited <= 15000, `announced after ${waited} ms (bound 15 s)`);
  const h = await history(n1.port, "reader");
  assertGapless(h, "after the kill");
  const stored = new Set(h.map((m) => String(m.text)));
  for (const a of acked) assert.ok(stored.has(a), `acked ${a} is in history`);
  // The victim's name is free again (its lease expired or was let go).
  const { welcome } = await joinJson(n1.port, "victim");
  assert.equal(welcome.name, "victim");
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("kill -9 of one of three nodes: its members in two rooms leave once per room for each survivor's members; the survivors carry on; its reader resumes on another node with no gap", async () => {
  await using cluster = await startCluster(3);
  const [n1, n2, n3] = cluster.nodes;
  const rooms = { rooms: ["lobby", "dev"] };
  const { client: w1 } = await joinJson(n1.port, "w1", rooms);
  const { client: w2 } = await joinJson(n2.port, "w2", rooms);
  const { client: victim } = await joinJson(n3.port, "victim", rooms);
  const { client: reader, welcome } = await joinJson(n3.port, "reader");
  await new Promise((r) => setTimeout(r, 300));
  // The victim floods dev; w1 talks in the lobby before and after the kill.
  let burst = "";
  for (let i = 0; i < 200; i++) {
    burst +=
      JSON.stringify({ type: "say", room: "dev", text: `v${i}`, ref: `${i}`, id: `v-${i}` }) +
      "\n";
  }
  await victim.sendRaw(burst);
  let said = 0;
  const say = async (n: number) => {
    for (const end = said + n; said < end; said++) {
      await w1.sendJson({ type: "say", room: "lobby", text: `w ${said}`, ref: `w${said}` });
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await say(30);
  let lastSeen = 0;
  for (; lastSeen < 30;) {
    const e = await reader.json(10000);
    if (e.type === "message") lastSeen = Number(e.seq);
  }
  await n3.stop("SIGKILL");
  const t0 = Date.now();
  await say(30);
  /** A survivor's member: every leave, and the lobby messages it saw, until quiet after both leaves. */
  const leaves = async (w: LineClient) => {
    const got: string[] = [];
    const lobby: number[] = [];
    let until = Date.now() + 20000;
    while (Date.now() < until) {
      const e = await w.json(Math.max(1, until - Date.now())).catch(() => null);
      if (e === null) break;
      if (e.type === "leave") {
        got.push(`${e.name} ${e.room} ${e.reason}`);
        // Both of the victim's rooms and the reader's: 3 s more, for a second announcement.
        if (got.length === 3) until = Date.now() + 3000;
      }
      if (e.type === "message" && e.room === "lobby") lobby.push(Number(e.seq));
    }
    return { got: got.sort(), lobby };
  };
  const [l1, l2] = await Promise.all([leaves(w1), leaves(w2)]);
  const waited = Date.now() - t0;
  const want = ["reader lobby disconnect", "victim dev disconnect", "victim lobby disconnect"];
  assert.deepEqual(l1.got, want, "w1 (n1): one leave per room");
  assert.deepEqual(l2.got, want, "w2 (n2): one leave per room");
  assert.ok(waited <= 15000 + 3000 + 1000, `announced within the bound (${waited} ms in all)`);
  // The survivors carried on: w2 saw all of w1's lobby messages, before and after the kill.
  assert.deepEqual(l2.lobby.slice(-60), Array.from({ length: 60 }, (_, i) => i + 1));
  // The killed node's reader comes back on n2: exactly what it missed, no reset.
  const { welcome: back, client: again } = await joinJson(n2.port, "reader", {
    since: lastSeen,
    epoch: welcome.epoch,
  });
  assert.equal(back.reset, undefined);
  assert.deepEqual(
    (back.history as Json[]).map((m) => m.seq),
    Array.from({ length: 60 - lastSeen }, (_, i) => lastSeen + 1 + i),
  );
  await again.close();
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("a node whose subscription was cut delivers what it missed, in order, before anything newer", async () => {
  await using cluster = await startCluster(2);
  const [n1, n2] = cluster.nodes;
  const { client: watcher } = await joinJson(n1.port, "watcher");
  const { client: talker } = await joinJson(n2.port, "talker");
  await watcher.event("join");
  const N = 200;
  let sent = 0;
  const talking = (async () => {
    for (; sent < N; sent++) {
      await talker.sendJson({ type: "say", text: `t ${sent}`, ref: `${sent}` });
      if (sent % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await waitFor(() => sent > 50, "50 sent");
  // Cuts every subscriber connection (both nodes'); they reconnect by themselves.
  await cluster.redis.cli("CLIENT", "KILL", "TYPE", "pubsub");
  await talking;
  const got: number[] = [];
  while (got.length < N) {
    const e = await watcher.json(10000);
    if (e.type === "message") got.push(Number(e.seq));
  }
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => i + 1));
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("a script whose reply was lost (Redis paused past the command timeout) does not stall the room on its node while its members keep posting", async () => {
  await using cluster = await startCluster(2);
  const [n1, n2] = cluster.nodes;
  const { client: carol } = await joinJson(n1.port, "carol");
  const { client: bob } = await joinJson(n2.port, "bob");
  const names = ["s1", "s2", "s3", "t1", "t2", "t3"];
  const senders = await Promise.all(names.map((n) => joinJson(n1.port, n)));
  await new Promise((r) => setTimeout(r, 200));
  /** What a watcher saw: seqs, and when. */
  const watch = (c: LineClient) => {
    const got: { seq: number; at: number }[] = [];
    let open = true;
    const reading = (async () => {
      while (open) {
        // Short reads, so that stop() ends it soon; a quiet moment is not the end.
        const e = await c.json(300).catch((err: Error) => err);
        if (e instanceof Error) {
          if (/closed/.test(e.message)) return;
        } else if (e.type === "message") got.push({ seq: Number(e.seq), at: Date.now() });
      }
    })();
    return { got, stop: () => (open = false, reading) };
  };
  const onN1 = watch(carol), onN2 = watch(bob);
  const before = senders.slice(0, 3).map(({ client }, i) => flood(client, `s${i}`, 2));
  await waitFor(() => before.every((f) => f.acked.size >= 50), "50 acks each", 10000);
  // Writes wait 2.5 s: the script in flight times out (2 s) on n1, then runs.
  await cluster.redis.cli("CLIENT", "PAUSE", "2500", "WRITE");
  const resumed = Date.now() + 2500;
  await waitFor(() => before.some((f) => f.refused.size > 0), "a refusal", 10000);
  // Those senders would resend; others keep a script of n1's in flight nearly all the time.
  for (const f of before) await f.stop();
  await new Promise((r) => setTimeout(r, resumed - Date.now()));
  const after = senders.slice(3).map(({ client }, i) => flood(client, `t${i}`, 5));
  await new Promise((r) => setTimeout(r, 3000));
  const seenDuring = onN1.got.filter((g) => g.at > resumed + 500).length;
  const lastDuring = onN1.got.at(-1)?.at ?? 0;
  for (const f of after) await f.stop();
  await new Promise((r) => setTimeout(r, 1000));
  await onN1.stop();
  await onN2.stop();
  // The old rule (skip our own while any script is in flight) delivered nothing here.
  assert.ok(
    seenDuring > 100 && lastDuring > resumed + 2000,
    `carol on n1 saw ${seenDuring} messages from 0.5 s after the pause, the last ${
      lastDuring - resumed
    } ms after it`,
  );
  assert.ok(after.every((f) => f.acked.size > 100), "the later senders were acked");
  // Both nodes delivered every seq once, in order.
  for (const [who, w] of [["carol", onN1], ["bob", onN2]] as const) {
    const seqs = w.got.map((g) => g.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `${who}: gapless, in order`);
  }
  assert.equal(
    onN1.got.length,
    Number(await cluster.redis.cli("GET", "chat:{r:lobby}:seq")),
    "carol saw every stored message",
  );
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test("kill -9 of Redis mid-flood and a restart from its AOF: nothing acked is lost, nothing unstored is acked, no gap", async () => {
  await using cluster = await startCluster(2, ["--web-port", "0"]);
  const [n1, n2] = cluster.nodes;
  const webPort = Number(/:(\d+)$/.exec(n1.stdout[1])![1]);
  // bob, on the other node, receives across the restart: from the live
  // channel, and from the stream for what his node missed meanwhile.
  const { client: bob } = await joinJson(n2.port, "bob");
  const { client: a } = await joinJson(n1.port, "alice");
  await bob.event("join");
  const f = flood(a, "a");
  await waitFor(() => f.acked.size >= 100, "100 acks", 10000);
  await cluster.redis.kill9();
  await waitFor(() => f.refused.size >= 20, "20 refusals", 10000);
  // Unhealthy while Redis is away, so a load balancer sends new users elsewhere.
  const down = await fetch(`http://127.0.0.1:${webPort}/healthz`);
  assert.equal(down.status, 503);
  assert.equal((await down.json()).ok, false);
  await cluster.redis.restart();
  let ok = false;
  for (let i = 0; i < 50 && !ok; i++) {
    const r = await fetch(`http://127.0.0.1:${webPort}/healthz`);
    ok = r.status === 200;
    await r.body?.cancel();
    if (!ok) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(ok, "healthy again");
  await f.stop();
  const acked = f.acked;
  for (const x of f.refused) assert.ok(!acked.has(x), `${x} was both refused and acked`);
  // What was refused is sent again with the same ids, as chat join and the
  // page do: each is acked, and stored once even if the first try was stored.
  const again = [...f.refused];
  await a.sendRaw(
    again.map((x) => {
      const k = x.split(" ")[1];
      return JSON.stringify({ type: "say", text: x, ref: `r${k}`, id: `a-${k}` }) + "\n";
    }).join(""),
  );
  for (let n = 0; n < again.length;) {
    const e = await a.json(10000);
    if (e.type === "ack" && String(e.ref).startsWith("r")) n++;
  }
  // New messages are stored again.
  await a.sendJson({ type: "say", text: "after", ref: "after", id: "after-1" });
  assert.equal((await a.event("ack", 10000)).ref, "after");
  const h = await history(n1.port, "reader");
  assertGapless(h, "after the restart");
  const stored = new Set(h.map((m) => String(m.text)));
  for (const x of acked) assert.ok(stored.has(x), `acked ${x} survived`);
  for (const x of again) assert.ok(stored.has(x), `resent ${x} is stored`);
  assert.equal(stored.size, acked.size + again.length + 1, "nothing stored that was not acked");
  const seen: number[] = [];
  while (seen.length < h.length) {
    const e = await bob.json(10000);
    if (e.type === "message") seen.push(Number(e.seq));
  }
  assert.deepEqual(seen, h.map((m) => m.seq), "bob on n2: every seq once, in order");
  assert.deepEqual(bugs(cluster.nodes), []);
});

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

Deno.test("chat join in pipe mode through a Redis kill -9 and restart: every line stored once, in order, exit 0", async () => {
  await using cluster = await startCluster(0);
  // Paced, so that the kill lands with lines still to send.
  const n1 = await cluster.add(["--rate-limit", "5:1"]);
  const { client: watch } = await joinJson(n1.port, "watch");
  const lines = Array.from({ length: 15 }, (_, i) => `${i + 1}\n`).join("");
  const running = runJoinPiped(["--name", "ci", "--port", String(n1.port)], lines, 60000);
  for (let n = 0; n < 3;) if ((await watch.json(15000)).type === "message") n++;
  await cluster.redis.kill9();
  await new Promise((r) => setTimeout(r, 1500));
  await cluster.redis.restart();
  const result = await running;
  assert.equal(result.code, 0, result.stderr);
  const h = await history(n1.port, "reader");
  assert.deepEqual(h.map((m) => m.text), Array.from({ length: 15 }, (_, i) => String(i + 1)));
  assertGapless(h, "after the restart");
  await watch.close();
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
