import assert from "node:assert/strict";
import { KeysFile, SingleKeyFile } from "../client/keys.ts";
import { parseJoinConfig } from "../client/args.ts";
import { joinJson, LineClient, startServer, withServer } from "./helpers.ts";
import { HAS_TMUX, runJoinPiped, Terminal } from "./join_helpers.ts";

// `chat join` keeps the keys of reserved names: keys.json by server and
// name (or --key-file), sent in hello.key without the user doing anything.

const DENO_DIR: string = Deno.env.get("DENO_DIR") ??
  JSON.parse(
    new TextDecoder().decode(
      new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stderr: "null" }).outputSync()
        .stdout,
    ),
  ).denoDir;

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "chat-keys-test-" });
}

Deno.test("keys.json keeps a key per server and name, mode 0600 in a 0700 folder", async () => {
  const dir = await tempDir();
  try {
    const path = `${dir}/config/chat/keys.json`;
    const a = { host: "127.0.0.1", port: 8080 };
    const b = { host: "chat.example.org", port: 9000 };
    const { keys, note } = await KeysFile.open(path, [a, b]);
    assert.equal(note, null, "a missing file is no keys yet");
    assert.equal(keys.get(a, "bob"), undefined);
    assert.equal(await keys.put(a, "Bob", "k-bob"), null);
    assert.equal(await keys.put(b, "alice", "k-alice"), null);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/config/chat`)).mode! & 0o777, 0o700);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
      "127.0.0.1:8080": { bob: "k-bob" },
      "chat.example.org:9000": { alice: "k-alice" },
    });
    // Read back by a later run; any case of the name; another --host of the list.
    const { keys: again } = await KeysFile.open(path, [a, b]);
    assert.equal(again.get(a, "BOB"), "k-bob");
    assert.equal(again.get(a, "alice"), "k-alice", "the other server of the same --host list");
    const { keys: alone } = await KeysFile.open(path, [a]);
    assert.equal(alone.get(a, "alice"), undefined, "not a server of this run");
    // Two clients at once: a write keeps what the other wrote meanwhile.
    assert.equal(await keys.put(a, "carol", "k-carol"), null);
    assert.equal(await again.put(a, "dave", "k-dave"), null);
    const { keys: last } = await KeysFile.open(path, [a]);
    assert.equal(last.get(a, "carol"), "k-carol");
    assert.equal(last.get(a, "dave"), "k-dave");
    // A file that is not JSON is reported, not overwritten.
    await Deno.writeTextFile(path, "not json");
    const { note: bad } = await KeysFile.open(path, [a]);
    assert.match(bad!, /cannot read the name keys in .*keys\.json/);
    assert.match((await keys.put(a, "erin", "k"))!, /cannot read/);
    assert.equal(await Deno.readTextFile(path), "not json");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--key-file holds one key: read at the start, replaced by a new one, mode 0600", async () => {
  const dir = await tempDir();
  try {
    const path = `${dir}/ci.key`;
    const empty = await SingleKeyFile.open(path);
    assert.equal(empty.get(), undefined);
    assert.equal(await empty.put({ host: "h", port: 1 }, "ci", "k1"), null);
    assert.equal(await Deno.readTextFile(path), "k1\n");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await SingleKeyFile.open(path)).get(), "k1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keys.json is under $XDG_CONFIG_HOME/chat, else ~/.config/chat", () => {
  assert.equal(parseJoinConfig([], { XDG_CONFIG_HOME: "/x/" }).keysPath, "/x/chat/keys.json");
  assert.equal(
    parseJoinConfig([], { HOME: "/home/bob" }).keysPath,
    "/home/bob/.config/chat/keys.json",
  );
  assert.equal(parseJoinConfig([], {}).keysPath, null);
  assert.equal(parseJoinConfig(["--key-file", "k"], {}).keyFile, "k");
  assert.throws(() => parseJoinConfig(["--key-file", " "], {}), /--key-file cannot be empty/);
});

Deno.test('echo "deploy done" | chat join --name ci, twice from fresh machines: both succeed', async () => {
  await withServer([], async ({ port }) => {
    for (const run of [1, 2]) {
      const home = await tempDir();
      try {
        const r = await runJoinPiped(
          ["--name", "ci", "--port", String(port)],
          "deploy done\n",
          20000,
          {
            HOME: home,
            XDG_CONFIG_HOME: `${home}/.config`,
            // Deno's own cache stays where it is (it lives under HOME by default).
            DENO_DIR: DENO_DIR,
          },
        );
        assert.equal(r.code, 0, `run ${run}: ${r.stderr}`);
        assert.equal(r.stderr, "");
        const left = [...Deno.readDirSync(home)];
        assert.deepEqual(left, [], "a pipe keeps no key");
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }
  });
});

Deno.test("a pipe with --key-file reserves its name and joins again with the key; without it the name is refused", async () => {
  const dir = await tempDir();
  const keyFile = `${dir}/ci.key`;
  try {
    await withServer([], async ({ port }) => {
      const args = ["--name", "ci", "--port", String(port)];
      const first = await runJoinPiped([...args, "--key-file", keyFile], "one\n");
      assert.equal(first.code, 0, first.stderr);
      const key = (await Deno.readTextFile(keyFile)).trim();
      assert.match(key, /^[A-Za-z0-9_-]{43}$/);
      assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);

      const without = await runJoinPiped(args, "two\n");
      assert.equal(without.code, 1);
      assert.match(without.stderr, /cannot join as ci: the name ci is reserved/);

      const again = await runJoinPiped([...args, "--key-file", keyFile], "three\n");
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await Deno.readTextFile(keyFile)).trim(), key, "the same key: no new one");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "the terminal keeps its name's key in keys.json and rejoins with it after a server restart, asking nothing",
  ignore: !HAS_TMUX,
  fn: async () => {
    const dir = await tempDir();
    const db = `${dir}/chat.db`;
    const config = `${dir}/config`;
    let server = await startServer(["--db", db]);
    const port = server.port;
    const t = await Terminal.start(["--name", "bob", "--port", String(port)], 100, 30, {
      XDG_CONFIG_HOME: config,
    });
    try {
      await t.waitForText("its key is kept in");
      const path = `${config}/chat/keys.json`;
      const kept = JSON.parse(await Deno.readTextFile(path));
      const key = kept[`127.0.0.1:${port}`]?.bob;
      assert.match(key, /^[A-Za-z0-9_-]{43}$/, JSON.stringify(kept));
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);

      await server.stop("SIGTERM");
      await t.waitForText("reconnecting in");
      server = await startServer(["--db", db, "--port", String(port)]);
      // Somebody else trying bob meanwhile is refused: the name is bob's.
      const c = await LineClient.connect(port);
      await c.line();
      await c.sendJson({ type: "hello", name: "bob" });
      const refused = await c.json();
      assert.equal(refused.code, "name_taken");
      assert.match(String(refused.message), /reserved/);
      await c.close();
      await t.waitForText("reconnected as bob", 15000);
      const rows = await t.screen();
      assert.ok(!rows.some((r) => r.includes("Choose another name")), rows.join("\n"));
      const { client: alice } = await joinJson(port, "alice");
      await alice.sendJson({ type: "who" });
      assert.deepEqual((await alice.event("members")).names, ["alice", "bob"]);
      await alice.close();
    } finally {
      await t.kill();
      await server.stop("SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});
