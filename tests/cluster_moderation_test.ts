import assert from "node:assert/strict";
import { joinJson, joinPlain } from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";

// Mutes, locks and banned names in a cluster (real redis-server, real
// nodes): what an operator does on node A holds on node B at once, and on a
// node started later, which loads it from Redis.

Deno.test("in a cluster, a mute and a lock made on node A hold on node B and on a node started later; /nick does not escape them", async () => {
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "hunter2\n");
  await using cluster = await startCluster(2, ["--op-password-file", file]);
  try {
    const [a, b] = cluster.nodes;
    const alice = await joinPlain(a.port, "alice");
    await alice.send("/op hunter2");
    await alice.until((l) => l === "* You are now an operator.");
    const { client: bob } = await joinJson(b.port, "bob", { rooms: ["lobby"] });
    await alice.send("/mute bob");
    assert.equal((await bob.event("moderation")).action, "mute");
    bob.sendJson({ type: "say", text: "hi", ref: "s1" });
    assert.equal((await bob.event("error")).code, "muted");
    bob.sendJson({ type: "nick", name: "robert" });
    const e = await bob.event("error");
    assert.deepEqual(
      [e.code, e.message],
      ["muted", "you are muted by alice: you cannot change your name"],
    );
    await alice.send("/ban mallory");
    await alice.until((l) => l.includes("mallory was banned"));
    await alice.send("/lock");
    assert.equal((await bob.event("moderation")).action, "lock");
    bob.sendJson({ type: "topic", room: "lobby", text: "mine" });
    assert.equal((await bob.event("error")).code, "not_operator");
    // A node started later loads all three from Redis.
    const c = await cluster.add(["--op-password-file", file]);
    const carol = await joinPlain(c.port, "carol");
    await carol.send("/topic mine");
    assert.match(
      await carol.until((l) => l.startsWith("!")),
      /^! not_operator: the topic of #lobby is locked/,
    );
    await carol.send("/nick mallory");
    assert.equal(
      await carol.until((l) => l.startsWith("!")),
      "! name_taken: the name mallory is banned, choose another",
    );
    await bob.close();
    const bob2 = await joinPlain(c.port, "bob");
    await bob2.send("hello from c");
    assert.match(await bob2.until((l) => l.startsWith("!")), /^! muted: you are muted by alice/);
    // Lifted on A: free on C too.
    await alice.send("/unmute bob");
    await bob2.until((l) => l.includes("unmuted"));
    await bob2.send("/nick robert");
    assert.match(await bob2.until((l) => l.includes("robert")), /bob is now robert/);
    await carol.send("/nick carla");
    assert.match(await alice.until((l) => l.includes("carla")), /carol is now carla/);
    for (const x of [alice, bob2, carol]) await x.close();
    assert.deepEqual(bugs(cluster.nodes), []);
  } finally {
    await Deno.remove(file);
  }
});
