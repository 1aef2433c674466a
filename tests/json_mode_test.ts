import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, withServer } from "./helpers.ts";

// JSON mode (chat join, the web page, bots): every event of PROTOCOL.md.

Deno.test("welcome carries name, members, history and the server's version", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    await alice.sendJson({ type: "say", text: "first", ref: "1" });
    assert.deepEqual((await alice.json()).type, "ack");
    const { client: bob, welcome } = await joinJson(port, "bob");
    assert.equal(welcome.name, "bob");
    assert.deepEqual(welcome.members, ["alice", "bob"]);
    const history = welcome.history as Record<string, unknown>[];
    assert.equal(history.length, 1);
    assert.equal(history[0].type, "message");
    assert.equal(history[0].seq, 1);
    assert.equal(history[0].from, "alice");
    assert.equal(history[0].text, "first");
    assert.match(String(history[0].ts), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const server = welcome.server as Record<string, unknown>;
    assert.equal(server.name, "chat");
    assert.match(String(server.version), /^\d+\.\d+\.\d+/);
    const join = await alice.json();
    assert.equal(join.type, "join");
    assert.equal(join.name, "bob");
    assert.ok(join.ts);
    await alice.close();
    await bob.close();
  });
});

Deno.test("say is acked with its seq and ref, never echoed; others get the message", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    const { client: bob } = await joinJson(port, "bob");
    await alice.event("join");
    await alice.sendJson({ type: "say", text: "hi", ref: "c1" });
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", ref: "c1", seq: 1 });
    const m = await bob.json();
    assert.equal(m.type, "message");
    assert.equal(m.seq, 1);
    assert.equal(m.from, "alice");
    assert.equal(m.text, "hi");
    assert.equal(m.action, undefined);
    await alice.sendJson({ type: "me", text: "waves", ref: "c2" });
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", ref: "c2", seq: 2 });
    const action = await bob.json();
    assert.equal(action.action, true);
    assert.equal(action.text, "waves");
    await alice.sendJson({ type: "say", text: "no ref" });
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", seq: 3 });
    await alice.close();
    await bob.close();
  });
});

Deno.test("dm, nick, who, ping and bye", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    const { client: bob } = await joinJson(port, "bob");
    const { client: carol } = await joinJson(port, "carol");
    await alice.sendJson({ type: "dm", to: "bob", text: "psst", ref: "d1" });
    const got = await bob.event("dm");
    assert.equal(got.from, "alice");
    assert.equal(got.to, "bob");
    assert.equal(got.text, "psst");
    const echo = await alice.event("dm");
    assert.equal(echo.ref, "d1");
    await alice.sendJson({ type: "dm", to: "zed", text: "?", ref: "d2" });
    const err = await alice.json();
    assert.equal(err.code, "no_such_user");
    assert.equal(err.ref, "d2");
    await bob.sendJson({ type: "nick", name: "robert" });
    for (const c of [alice, bob, carol]) {
      const n = await c.event("nick");
      assert.equal(n.from, "bob");
      assert.equal(n.to, "robert");
    }
    await carol.sendJson({ type: "who" });
    assert.deepEqual(await carol.json(), {
      type: "members",
      room: "lobby",
      names: ["alice", "carol", "robert"],
    });
    await carol.sendJson({ type: "ping" });
    assert.deepEqual(await carol.json(), { type: "pong" });
    await carol.sendJson({ type: "bye" });
    await carol.closed();
    const leave = await alice.event("leave");
    assert.equal(leave.name, "carol");
    assert.equal(leave.reason, "quit");
    // carol never saw the DM: everything she got was presence and replies.
    await alice.close();
    await bob.close();
  });
});

Deno.test("a third member sees nothing of a DM", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    const { client: bob } = await joinJson(port, "bob");
    const eve = await joinPlain(port, "eve");
    await alice.sendJson({ type: "dm", to: "bob", text: "secret" });
    await bob.event("dm");
    await alice.sendJson({ type: "say", text: "public", ref: "p" });
    // eve's next non-notice line is the public one: the DM never reached her.
    assert.equal(await eve.until((l) => !l.startsWith("* ")), "alice: public");
    assert.ok(!eve.buffered.some((l) => l.includes("secret")));
    for (const c of [alice, bob, eve]) await c.close();
  });
});

Deno.test("malformed JSON and unknown types get bad_request and the connection goes on", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    const { client: bob } = await joinJson(port, "bob");
    await alice.event("join");
    for (
      const bad of [
        "{not json",
        "[1,2]",
        '"str"',
        '{"type":"zzz","ref":"u"}',
        '{"text":"x"}',
        '{"type":"say"}',
      ]
    ) {
      await alice.send(bad);
      const e = await alice.json();
      assert.equal(e.type, "error", bad);
      assert.equal(e.code, "bad_request", bad);
      assert.ok(String(e.message).length > 5);
    }
    await alice.sendJson({ type: "hello", name: "again" });
    assert.equal((await alice.json()).code, "bad_request");
    await alice.sendJson({ type: "say", text: "still here", ref: "s", extra: { ignored: true } });
    assert.equal((await alice.json()).type, "ack");
    assert.equal((await bob.json()).text, "still here");
    await alice.close();
    await bob.close();
  });
});

Deno.test("hello with since replays only what came after", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    for (let i = 1; i <= 5; i++) await alice.sendJson({ type: "say", text: `m${i}` });
    for (let i = 1; i <= 5; i++) await alice.event("ack");
    const { client: bob, welcome } = await joinJson(port, "bob", { since: 3 });
    assert.deepEqual((welcome.history as { seq: number }[]).map((m) => m.seq), [4, 5]);
    const { client: carol, welcome: w2 } = await joinJson(port, "carol", { since: 5 });
    assert.deepEqual(w2.history, []);
    for (const c of [alice, bob, carol]) await c.close();
  });
});

Deno.test("every member sees messages in one total order, and acks match it", async () => {
  await withServer(["--rate-limit", "0"], async ({ port }) => {
    const n = 4, per = 200;
    const clients = [];
    for (let i = 0; i < n; i++) clients.push((await joinJson(port, `c${i}`)).client);
    for (const c of clients) await c.until(() => false, 100).catch(() => {}); // drain joins
    await Promise.all(clients.map(async (c, i) => {
      let batch = "";
      for (let k = 0; k < per; k++) {
        batch += JSON.stringify({ type: "say", text: `${i}:${k}`, ref: String(k) }) + "\n";
      }
      await c.sendRaw(batch);
    }));
    const views = await Promise.all(clients.map(async (c, i) => {
      const seen: [number, string][] = [];
      for (let k = 0; k < n * per; k++) {
        const e = await c.json(10000);
        if (e.type === "ack") seen.push([e.seq as number, `${i}:${e.ref}`]);
        else if (e.type === "message") seen.push([e.seq as number, String(e.text)]);
        else k--;
      }
      return seen;
    }));
    const order = views[0].map(([, t]) => t);
    for (const v of views) {
      assert.deepEqual(v.map(([, t]) => t), order);
      assert.deepEqual(v.map(([s]) => s), Array.from({ length: n * per }, (_, k) => k + 1));
    }
    // Each sender's own lines keep their order.
    for (let i = 0; i < n; i++) {
      const mine = order.filter((t) => t.startsWith(`${i}:`)).map((t) => Number(t.split(":")[1]));
      assert.deepEqual(mine, Array.from({ length: per }, (_, k) => k));
    }
    for (const c of clients) await c.close();
  });
});

Deno.test("a first line that is not a hello is a plain-mode name", async () => {
  await withServer([], async ({ port }) => {
    const c = await LineClient.connect(port);
    await c.line();
    await c.send('{"type":"say","text":"x"}');
    assert.match(await c.line(), /^! bad_name: /);
    await c.send("plainname");
    assert.match(await c.line(), /^\* Welcome, plainname!/);
    await c.close();
  });
});
