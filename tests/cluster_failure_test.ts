import assert from "node:assert/strict";
import { joinJson, type LineClient, waitFor } from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";
import { assertGapless, flood, history, type Json } from "./cluster_flood.ts";
import { runJoinPiped } from "./join_helpers.ts";

// Cluster mode under failure: a node killed, its subscription cut, a
// script's reply lost, Redis killed and restarted from its AOF.

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
