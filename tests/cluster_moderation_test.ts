import assert from "node:assert/strict";
import { joinJson, joinPlain, type LineClient, REPO_ROOT } from "./helpers.ts";
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
    // Node B lets go of bob's name just after he leaves: until then it is taken.
    let bob2: LineClient | null = null;
    for (let i = 0; i < 40 && !bob2; i++) {
      bob2 = await joinPlain(c.port, "bob").catch(async (err) => {
        if (!/is taken/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 50));
        return null;
      });
    }
    assert.ok(bob2, "bob's name was let go of");
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
    // The log is in Redis: chat history reads it from there.
    const history = (...args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "main.ts", "history", ...args],
        cwd: REPO_ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const out = await history("--moderation", "--redis", cluster.redis.url);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, "")),
      ["alice mute bob", "alice ban mallory", "alice lock lobby", "alice unmute bob"],
    );
    const json = await history("--moderation", "--json", "--redis", cluster.redis.url);
    const first = JSON.parse(new TextDecoder().decode(json.stdout).split("\n")[0]);
    assert.deepEqual([first.action, first.target, first.until, first.room], [
      "mute",
      "bob",
      null,
      null,
    ]);
    const wrong = await history("--redis", cluster.redis.url);
    assert.equal(wrong.code, 2);
    assert.match(
      new TextDecoder().decode(wrong.stderr),
      /--redis reads only a cluster's moderation log: add --moderation/,
    );
  } finally {
    await Deno.remove(file);
  }
});
