// SIGHUP reloads `chat serve --config FILE` in a running server: limits,
// passwords and the log level change for what comes next and nobody is
// dropped; what needs a restart is logged and kept; a file that fails to load
// is logged and the configuration before it stays live (/healthz says which).
import assert from "node:assert/strict";
import { buildServeConfig, resolveServeSettings, SERVE_FLAGS } from "../server/config.ts";
import { parseConfigFile } from "../server/config_file.ts";
import { type LoadedConfig, reconcile } from "../server/reload.ts";
import { joinPlain, LineClient, waitFor } from "./helpers.ts";
import { healthz, startWebServer, type WebServerProcess } from "./web_helpers.ts";

async function withConfigServer(
  text: string,
  fn: (server: WebServerProcess, dir: string, write: (t: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-reload-test-" });
  const path = `${dir}/chat.toml`;
  await Deno.writeTextFile(path, text);
  const server = await startWebServer(["--config", path]);
  let reloads = 0;
  const write = async (t: string) => {
    if (t === "") await Deno.remove(path);
    else await Deno.writeTextFile(path, t);
    const seen = server.stderr.filter((l) => /config (generation \d+ live|not reloaded)/.test(l));
    reloads = seen.length;
    server.child.kill("SIGHUP");
    await waitFor(
      () =>
        server.stderr.filter((l) => /config (generation \d+ live|not reloaded)/.test(l)).length >
          reloads,
      "the reload to be logged",
    );
  };
  try {
    await fn(server, dir, write);
    assert.ok(!server.stderr.some((l) => /BUG|Uncaught/.test(l)), server.stderr.join("\n"));
  } finally {
    await server.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
}

const generation = async (server: WebServerProcess) =>
  ((await healthz(server.http)).config as { generation: number }).generation;

Deno.test("SIGHUP applies a new max-line, max-per-ip, room password and log level; nobody is dropped", async () => {
  await withConfigServer(
    // 3 per address: the web connection this test's fetch keeps alive counts too.
    'max-line = 64\nmax-per-ip = 3\nrate-limit = 0\nlog-level = "info"\n',
    async (server, dir, write) => {
      assert.deepEqual((await healthz(server.http)).config, {
        generation: 1,
        file: `${dir}/chat.toml`,
        since: ((await healthz(server.http)).config as { since: string }).since,
      });
      const alice = await joinPlain(server.port, "alice");
      const bob = await joinPlain(server.port, "bob");
      const third = await LineClient.connect(server.port);
      assert.match(await third.line(), /^! server_full: too many connections from 127\.0\.0\.1/);
      await third.closed();
      await alice.send("x".repeat(100));
      assert.match(await alice.until((l) => l.startsWith("! ")), /^! line_too_long: .* 64 bytes/);

      await Deno.writeTextFile(`${dir}/password`, "sesame\n");
      await write(
        `max-line = 8192\nmax-per-ip = 5\nrate-limit = 0\nlog-level = "warn"\n` +
          `password-file = "${dir}/password"\n`,
      );
      assert.ok(
        server.stderr.some((l) =>
          /INFO +config generation 2 live \(.*chat\.toml\): changed password-file, max-line, max-per-ip, log-level$/
            .test(l)
        ),
        server.stderr.join("\n"),
      );
      assert.equal(await generation(server), 2);
      // Those who were in stay in and can talk.
      await alice.send("still here");
      assert.equal(await bob.until((l) => l.includes("still here")), "alice: still here");
      // A newcomer meets the new rules: a password, a third connection, long lines.
      const carol = await LineClient.connect(server.port);
      await carol.line(); // banner
      await carol.send("carol");
      assert.equal(await carol.line(), "* Password:");
      await carol.send("sesame");
      assert.match(
        await carol.until((l) => l.startsWith("* Welcome")),
        /^\* Welcome, carol! 3 online/,
      );
      await carol.send("y".repeat(100));
      assert.equal(await alice.until((l) => l.startsWith("carol: ")), `carol: ${"y".repeat(100)}`);
      // at log level warn, joins are no longer logged
      assert.ok(server.stderr.some((l) => / INFO +alice joined/.test(l)));
      assert.ok(!server.stderr.some((l) => /carol joined/.test(l)), server.stderr.join("\n"));
      assert.ok(!alice.eof && !bob.eof);
      for (const c of [alice, bob, carol]) await c.close();
    },
  );
});

Deno.test("SIGHUP: a change that needs a restart is logged and kept; a bad or missing file keeps the old one", async () => {
  await withConfigServer('default-room = "ops"\nhistory = 5\n', async (server, dir, write) => {
    await write('default-room = "dev"\nhistory = 1\n');
    assert.ok(
      server.stderr.some((l) =>
        l.includes(
          `WARN  default-room changed in ${dir}/chat.toml but needs a restart: keeping default-room = ops until then`,
        )
      ),
      server.stderr.join("\n"),
    );
    assert.ok(server.stderr.some((l) => /config generation 2 live .*: changed history$/.test(l)));
    const alice = await joinPlain(server.port, "alice");
    await alice.send("/rooms");
    assert.match(await alice.until((l) => l.includes("#ops")), /#ops/);

    await write('history = "many"\n');
    assert.ok(
      server.stderr.some((l) =>
        l.includes(
          `ERROR config not reloaded: ${dir}/chat.toml:1: history must be a whole number, got a string; generation 2 stays live`,
        )
      ),
      server.stderr.join("\n"),
    );
    await write("");
    assert.ok(
      server.stderr.some((l) =>
        l.includes(`config not reloaded: cannot read --config ${dir}/chat.toml: no such file`)
      ),
    );
    assert.equal(await generation(server), 2);
    // still serving, with generation 2's settings
    const bob = await joinPlain(server.port, "bob");
    await bob.send("hello");
    assert.equal(await alice.until((l) => l.includes("hello")), "bob: hello");
    await alice.close();
    await bob.close();
  });
});

Deno.test("reconcile: turning TLS or reserved names on or off needs a restart, new paths and times do not", () => {
  const load = (text: string): LoadedConfig => {
    const settings = resolveServeSettings([], {}, parseConfigFile("c.toml", text, SERVE_FLAGS));
    return { settings, config: buildServeConfig(settings) };
  };
  const tls = 'tls-cert = "a.pem"\ntls-key = "a.key"\n';
  const one = (a: string, b: string, retain = true) => reconcile(load(a), load(b), { retain });
  assert.deepEqual(one(tls, 'tls-cert = "b.pem"\ntls-key = "b.key"\n').applied, [
    "tls-cert",
    "tls-key",
  ]);
  const off = one(tls, "");
  assert.deepEqual(off.restart, ["tls-cert", "tls-key"]);
  assert.deepEqual(off.config.tls, { certFile: "a.pem", keyFile: "a.key" });
  assert.deepEqual(one("", 'reserve-names = "12h"\n').applied, ["reserve-names"]);
  assert.deepEqual(one("", 'reserve-names = "off"\n').restart, ["reserve-names"]);
  assert.deepEqual(one("", 'retain = "30d"\n').applied, ["retain"]);
  assert.deepEqual(one("", 'retain = "30d"\n', false).restart, ["retain"]);
  const mixed = one("port = 1\nhistory = 2\n", "port = 3\nhistory = 4\n");
  assert.deepEqual([mixed.applied, mixed.restart], [["history"], ["port"]]);
  assert.deepEqual([mixed.config.port, mixed.config.history], [1, 4]);
});

Deno.test("SIGHUP: a new retain trims the history at once, a new reserve-names time is taken", async () => {
  await withConfigServer("history = 50\n", async (server, _dir, write) => {
    const alice = await joinPlain(server.port, "alice");
    const kept = async () => {
      const text = await (await fetch(`${server.http}/metrics`)).text();
      return Number(/^chat_history_messages (\d+)$/m.exec(text)![1]);
    };
    const until = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (await kept() !== n && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await kept(), n);
    };
    for (let i = 1; i <= 5; i++) await alice.send(`message ${i}`);
    await until(5);
    await write('history = 50\nretain = "2"\nreserve-names = "12h"\n');
    assert.ok(
      server.stderr.some((l) =>
        /config generation 2 live .*: changed retain, reserve-names$/.test(l)
      ),
      server.stderr.join("\n"),
    );
    await until(2);
    assert.ok(!server.stderr.some((l) => /keeps its old time/.test(l)));
    const bob = await joinPlain(server.port, "bob");
    await bob.close();
    await alice.close();
  });
});
