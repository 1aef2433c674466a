import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import {
  joinJson,
  joinPlain,
  LineClient,
  REPO_ROOT,
  startServer,
  waitFor,
  withServer,
} from "./helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";

// Reserved names (PROTOCOL.md "Reserved names"): a name that joined in JSON
// mode is kept for whoever holds its key. Real servers, real sockets.

/** Sends a JSON hello on a fresh connection and returns the first event after the banner. */
async function hello(port: number, fields: Record<string, unknown>): Promise<{
  client: LineClient;
  reply: Record<string, unknown>;
}> {
  const client = await LineClient.connect(port);
  await client.line(); // banner
  await client.sendJson({ type: "hello", ...fields });
  return { client, reply: await client.json() };
}

/** Joins as `name` in JSON mode, takes the key from the welcome, and leaves. */
async function reserve(port: number, name: string): Promise<string> {
  const { client, welcome } = await joinJson(port, name, { reserve: true });
  const key = welcome.key;
  assert.equal(typeof key, "string", `welcome.key for ${name}: ${JSON.stringify(welcome)}`);
  await client.sendJson({ type: "bye" });
  await client.closed();
  return key as string;
}

Deno.test("a name that joined in JSON mode needs its key: none or a wrong one is name_taken, the right one joins", async () => {
  await withServer([], async ({ port }) => {
    const key = await reserve(port, "bob");
    assert.match(key, /^[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url");

    const none = await hello(port, { name: "bob" });
    assert.equal(none.reply.type, "error");
    assert.equal(none.reply.code, "name_taken");
    assert.match(String(none.reply.message), /bob is reserved/);
    assert.match(String(none.reply.message), /key/);

    // The same connection may try again: a wrong key, then the right one.
    await none.client.sendJson({ type: "hello", name: "bob", key: "x".repeat(43) });
    const wrong = await none.client.json();
    assert.equal(wrong.code, "name_taken");
    assert.match(String(wrong.message), /reserved and that is not its key/);

    await none.client.sendJson({ type: "hello", name: "BOB", key });
    const welcome = await none.client.json();
    assert.equal(welcome.type, "welcome");
    assert.equal(welcome.key, undefined, "the key is sent once, when the name is first reserved");
    await none.client.close();
  });
});

Deno.test("a name in use is taken whatever the key; other names are not held up", async () => {
  await withServer([], async ({ port }) => {
    const { client: bob, welcome } = await joinJson(port, "bob", { reserve: true });
    const second = await hello(port, { name: "bob", key: welcome.key });
    assert.equal(second.reply.code, "name_taken");
    assert.match(String(second.reply.message), /the name bob is taken/);
    const { welcome: carol } = await joinJson(port, "carol", { reserve: true });
    assert.equal(typeof carol.key, "string", "each new name gets its own key");
    assert.notEqual(carol.key, welcome.key);
    await bob.close();
    await second.client.close();
  });
});

Deno.test("hello.reserve:false gets no key and leaves a free name free, but needs the key of a reserved one", async () => {
  await withServer([], async ({ port }) => {
    const { client: ci, welcome } = await joinJson(port, "ci", { reserve: false });
    assert.equal(welcome.key, undefined);
    await ci.sendJson({ type: "bye" });
    await ci.closed();
    const { client: again, welcome: w2 } = await joinJson(port, "ci", { reserve: false });
    assert.equal(w2.key, undefined);
    await again.close();

    const key = await reserve(port, "alice");
    const refused = await hello(port, { name: "alice", reserve: false });
    assert.equal(refused.reply.code, "name_taken");
    assert.match(String(refused.reply.message), /reserved/);
    await refused.client.sendJson({ type: "hello", name: "alice", reserve: false, key });
    assert.equal((await refused.client.json()).type, "welcome");
    await refused.client.close();
  });
});

Deno.test("a reservation lapses --reserve-names after the name was last used", async () => {
  await withServer(["--reserve-names", "2s"], async ({ port }) => {
    const key = await reserve(port, "dora");
    const soon = await hello(port, { name: "dora" });
    assert.equal(soon.reply.code, "name_taken", "still reserved just after leaving");
    await soon.client.close();
    // Joining with the key uses it again: the two seconds start over when it leaves.
    const { client } = await joinJson(port, "dora", { key, reserve: true });
    await new Promise((r) => setTimeout(r, 1200));
    await client.sendJson({ type: "bye" });
    await client.closed();
    await new Promise((r) => setTimeout(r, 1200));
    const still = await hello(port, { name: "dora" });
    assert.equal(still.reply.code, "name_taken", "last used at the leave, 1.2 s ago");
    await still.client.close();
    await new Promise((r) => setTimeout(r, 1200));
    const { client: later, welcome } = await joinJson(port, "dora", { reserve: true });
    assert.equal(typeof welcome.key, "string", "free again: reserved anew, with a new key");
    assert.notEqual(welcome.key, key);
    await later.close();
  });
});

Deno.test("--reserve-names off reserves nothing", async () => {
  await withServer(["--reserve-names", "off"], async ({ port }) => {
    const { client, welcome } = await joinJson(port, "erin", { reserve: true });
    assert.equal(welcome.key, undefined);
    await client.sendJson({ type: "bye" });
    await client.closed();
    const { client: again } = await joinJson(port, "erin", { reserve: true });
    await again.close();
  });
});

Deno.test("plain mode: a reserved name asks for its key on the next line; wrong is name_taken and the name may be tried again", async () => {
  await withServer([], async ({ port }) => {
    const key = await reserve(port, "bob");
    const c = await LineClient.connect(port);
    await c.line(); // banner
    await c.send("bob");
    assert.equal(await c.line(), "* The name bob is reserved. Key:");
    await c.send("not-the-key");
    assert.match(await c.line(), /^! name_taken: the name bob is reserved and that is not its key/);
    await c.send("bob");
    assert.equal(await c.line(), "* The name bob is reserved. Key:");
    await c.send(key);
    assert.match(await c.until((l) => l.startsWith("* Welcome")), /^\* Welcome, bob!/);
    await c.send("/key");
    assert.equal(
      await c.line(),
      `* Your key for the name bob: ${key} — give it when you join as bob again; the name stays yours until 30d after you last use it.`,
    );
    await c.close();
  });
});

Deno.test("plain mode does not reserve: /key says so, and the name stays free", async () => {
  await withServer([], async ({ port }) => {
    const c = await joinPlain(port, "frank");
    await c.send("/key");
    assert.match(
      await c.line(),
      /^\* The name frank is not reserved: a name joined in plain mode never is/,
    );
    await c.send("/quit");
    await c.closed();
    const { client, welcome } = await joinJson(port, "frank", { reserve: true });
    assert.equal(typeof welcome.key, "string");
    await client.close();
  });
});

Deno.test("look-alike names are one name: Cyrillic а cannot pose as alice, nor hold her reservation", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice", { reserve: true });
    const fake = await hello(port, { name: "\u0430lice" }); // Cyrillic а
    assert.equal(fake.reply.code, "name_taken");
    assert.equal(
      fake.reply.message,
      "the name \u0430lice looks like alice, who is here: choose another",
    );
    const plain = await LineClient.connect(port);
    await plain.line();
    await plain.send("ALIC\u0415"); // Cyrillic Е
    assert.match(await plain.line(), /^! name_taken: /);
    await alice.sendJson({ type: "bye" });
    await alice.closed();
    // Gone, alice's reservation covers her look-alikes too.
    await fake.client.sendJson({ type: "hello", name: "\u0430lice" });
    const reserved = await fake.client.json();
    assert.equal(reserved.code, "name_taken");
    assert.equal(
      reserved.message,
      "the name \u0430lice looks like alice, a reserved name: choose another",
    );
    // Fullwidth and mathematical letters are the same name as well; ASCII names stay apart.
    const { client: bob } = await joinJson(port, "bob", { reserve: false });
    const wide = await hello(port, { name: "\uff42ob" });
    assert.equal(wide.reply.code, "name_taken");
    const { client: b0b } = await joinJson(port, "b0b", { reserve: false });
    await Promise.all([fake.client, plain, bob, wide.client, b0b].map((c) => c.close()));
  });
});

Deno.test("a rename to a reserved name needs its key; a member may rename back to its own", async () => {
  await withServer([], async ({ port }) => {
    await reserve(port, "gina");
    const { client: hal } = await joinJson(port, "hal", { reserve: true });
    await hal.sendJson({ type: "nick", name: "gina" });
    const refused = await hal.json();
    assert.equal(refused.code, "name_taken");
    assert.match(String(refused.message), /gina is reserved/);
    await hal.sendJson({ type: "nick", name: "hank" });
    assert.equal((await hal.event("nick")).to, "hank");
    await hal.sendJson({ type: "nick", name: "hal" });
    assert.equal((await hal.event("nick")).to, "hal", "hal's own key is known to its connection");
    await hal.close();
  });
});

Deno.test("keys survive a restart with a --db file; a wrong key is still refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-reserve-" });
  const db = `${dir}/chat.db`;
  try {
    let server = await startServer(["--db", db]);
    const key = await reserve(server.port, "ivy");
    assert.equal(await server.stop(), 0);
    // Stored hashed: the file (and its WAL, if any) holds the key's SHA-256, never the key.
    for await (const f of Deno.readDir(dir)) {
      const bytes = new TextDecoder("latin1").decode(await Deno.readFile(`${dir}/${f.name}`));
      assert.ok(!bytes.includes(key), `${f.name} holds the plain key`);
    }
    const file = new DatabaseSync(db, { readOnly: true });
    const row = file.prepare("SELECT key_hash FROM reservations WHERE name = 'ivy'").get() as {
      key_hash: string;
    };
    file.close();
    assert.equal(row.key_hash, createHash("sha256").update(key).digest("hex"));
    server = await startServer(["--db", db]);
    try {
      const none = await hello(server.port, { name: "ivy" });
      assert.equal(none.reply.code, "name_taken");
      // Another last character: a key's last one is "A" one time in 16 (its low bits are zero).
      const wrong = key.slice(0, -1) + (key.endsWith("A") ? "E" : "A");
      await none.client.sendJson({ type: "hello", name: "ivy", key: wrong });
      assert.equal((await none.client.json()).code, "name_taken");
      await none.client.sendJson({ type: "hello", name: "ivy", key });
      assert.equal((await none.client.json()).type, "welcome");
      await none.client.close();
    } finally {
      await server.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an operator frees a reserved name with /unreserve or unreserve; others get not_operator", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-unreserve-" });
  const opFile = `${dir}/op`;
  await Deno.writeTextFile(opFile, "sesame\n");
  try {
    const db = `${dir}/chat.db`;
    await withServer(["--op-password-file", opFile, "--db", db], async ({ port, stderr }) => {
      const key = await reserve(port, "jack");
      await reserve(port, "kate");
      const { client: op } = await joinJson(port, "olga", { reserve: false });
      await op.sendJson({ type: "unreserve", name: "jack" });
      const not = await op.event("error");
      assert.equal(not.code, "not_operator");
      await op.sendJson({ type: "op", password: "sesame" });
      await op.until((l) => l.includes("You are now an operator"));
      await op.sendJson({ type: "unreserve", name: "jack", reason: "left the team" });
      const freed = await op.event("notice");
      assert.match(String(freed.text), /The name jack is no longer reserved/);
      await op.sendJson({ type: "unreserve", name: "jack" });
      assert.match(String((await op.event("notice")).text), /The name jack is not reserved/);

      const plainOp = await joinPlain(port, "pete");
      await plainOp.send("/unreserve kate");
      assert.match(await plainOp.line(), /^! not_operator: /);
      await plainOp.send("/op sesame");
      await plainOp.until((l) => l.includes("You are now an operator"));
      await plainOp.send("/unreserve kate lost her key");
      await plainOp.until((l) =>
        l ===
          "* The name kate is no longer reserved: its key does not work any more, and whoever joins as kate next gets a new one."
      );

      const { client: jack, welcome } = await joinJson(port, "jack", { reserve: true });
      assert.equal(typeof welcome.key, "string", "a freed name is reserved anew");
      assert.notEqual(welcome.key, key);
      await Promise.all([op, plainOp, jack].map((c) => c.close()));
      // Logged like any operator action: once each, not the refused nor the no-op one.
      await waitFor(
        () => stderr.some((l) => /moderation: pete unreserve kate: lost her key$/.test(l)),
        "log",
      );
      assert.deepEqual(stderr.filter((l) => / unreserve /.test(l)).length, 2, stderr.join("\n"));
      assert.ok(
        stderr.some((l) => /moderation: olga unreserve jack: left the team$/.test(l)),
        stderr.join("\n"),
      );
    });
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", "history", "--db", db, "--moderation"],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const log = new TextDecoder().decode(out.stdout);
    assert.match(log, /olga unreserve jack: left the team\n.*pete unreserve kate: lost her key\n/s);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "in a cluster a name reserved on node A needs its key on node B; a look-alike too; in use on one node, taken on the other; it lapses as on one node",
  fn: async () => {
    await using cluster = await startCluster(2, ["--reserve-names", "3s"]);
    const [a, b] = cluster.nodes;
    const key = await reserve(a.port, "mia");
    // A lets go of mia's lease just after the leave: until then B says it is taken.
    let none = await hello(b.port, { name: "mia" });
    for (let i = 0; i < 40 && /is taken/.test(String(none.reply.message)); i++) {
      await none.client.close();
      await new Promise((r) => setTimeout(r, 50));
      none = await hello(b.port, { name: "mia" });
    }
    assert.equal(none.reply.code, "name_taken");
    assert.match(String(none.reply.message), /mia is reserved/);
    await none.client.sendJson({ type: "hello", name: "m\u0456a" }); // Cyrillic і
    assert.equal(
      (await none.client.json()).message,
      "the name m\u0456a looks like mia, a reserved name: choose another",
    );
    await none.client.sendJson({ type: "hello", name: "mia", key: "wrong" });
    assert.match(String((await none.client.json()).message), /not its key/);
    await none.client.sendJson({ type: "hello", name: "mia", key });
    const welcome = await none.client.json();
    assert.equal(welcome.type, "welcome");
    assert.equal(welcome.key, undefined);
    // In use on B: taken on A, key or not.
    const onA = await hello(a.port, { name: "mia", key });
    assert.match(String(onA.reply.message), /taken/);
    await onA.client.close();
    // Leaving on B renews the reservation (in Redis) for 3 s from then.
    await none.client.sendJson({ type: "bye" });
    await none.client.closed();
    await new Promise((r) => setTimeout(r, 1500));
    const still = await hello(a.port, { name: "mia" });
    assert.equal(still.reply.code, "name_taken");
    await still.client.close();
    await new Promise((r) => setTimeout(r, 2000));
    const { client: later, welcome: fresh } = await joinJson(a.port, "mia", { reserve: true });
    assert.equal(typeof fresh.key, "string", "lapsed: free, and reserved anew");
    assert.notEqual(fresh.key, key);
    await later.close();
    assert.deepEqual(bugs(cluster.nodes), []);
  },
});
