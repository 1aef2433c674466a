// `chat serve --config FILE`: keys named like the flags, flag > env > file >
// default, --print-config with secrets hidden, --example-config from the flag
// table, and every kind of bad file refused before the server listens (exit 2,
// naming the file, the line and the key).
import assert from "node:assert/strict";
import { parseConfigFile } from "../server/config_file.ts";
import { parseServeConfig, SERVE_FLAGS } from "../server/config.ts";
import { exampleConfig, FILE_KEYS } from "../server/config_print.ts";
import { joinJson, REPO_ROOT, startServer } from "./helpers.ts";

async function chat(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}main.ts`, ...args],
    env,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function withFile(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-config-test-" });
  try {
    await Deno.writeTextFile(`${dir}/chat.toml`, text);
    await fn(`${dir}/chat.toml`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const file = (text: string) => parseConfigFile("chat.toml", text, SERVE_FLAGS);

Deno.test("every flag but --config, --print-config and --example-config is a key of the file", () => {
  const cliOnly = SERVE_FLAGS.filter((f) => f.cliOnly).map((f) => f.name);
  assert.deepEqual(cliOnly, ["config", "print-config", "example-config"]);
  assert.equal(FILE_KEYS.length, SERVE_FLAGS.length - 3);
  const keys = [...exampleConfig().matchAll(/^# ([a-z-]+) = /gm)].map((m) => m[1]);
  assert.deepEqual(keys, FILE_KEYS.map((f) => f.name));
});

Deno.test("a file's values are what the same flags would give; a flag and env win over it", () => {
  const f = file(
    'port = 9000\nweb-port = 9001\nrate-limit = "5:20"\nmax-line = "8k"\nno-web = true\n' +
      'trust-proxy = ["10.0.0.0/8", "::1/128"]\nhandshake-timeout = 2.5\nlog-level = "warn"\n',
  );
  const c = parseServeConfig([], {}, f);
  assert.equal(c.port, 9000);
  assert.equal(c.webPort, 9001);
  assert.deepEqual(c.rateLimit, { perSecond: 5, burst: 20 });
  assert.equal(c.maxLine, 8192);
  assert.equal(c.web, false);
  assert.ok(c.trustProxy.contains("10.1.2.3"));
  assert.equal(c.handshakeTimeoutMs, 2500);
  assert.equal(c.logLevel, "warn");
  // flag > env > file > default
  assert.equal(parseServeConfig([], { CHAT_PORT: "9100" }, f).port, 9100);
  assert.equal(parseServeConfig(["--port", "9200"], { CHAT_PORT: "9100" }, f).port, 9200);
  assert.equal(parseServeConfig([], {}, file("")).port, 8080);
  // the password: the flag's file, then CHAT_PASSWORD, then the file's file
  const p = file('password-file = "/etc/chat/password"\n');
  assert.deepEqual(parseServeConfig([], {}, p).password, { file: "/etc/chat/password" });
  assert.deepEqual(parseServeConfig([], { CHAT_PASSWORD: "pw" }, p).password, { value: "pw" });
  assert.deepEqual(
    parseServeConfig(["--password-file", "/x"], { CHAT_PASSWORD: "pw" }, p).password,
    { file: "/x" },
  );
  // --redis refuses a --db from the file as it refuses one from a flag
  assert.throws(
    () => parseServeConfig([], {}, file('redis = "redis://r:6379"\ndb = "x.db"\n')),
    { message: /^chat\.toml:1: redis keeps the history in Redis/ },
  );
});

Deno.test("unknown keys, wrong types, bad values and bad TOML name the file, the line and the key", () => {
  assert.throws(() => file("port = 1\n\nprot = 2\n"), {
    name: "ConfigFileError",
    message: 'chat.toml:3: unknown key "prot"; did you mean "port"?',
  });
  assert.throws(() => file("[server]\nport = 1\n"), {
    message: 'chat.toml:1: unknown key "server"; chat serve --example-config lists every key',
  });
  assert.throws(() => file('config = "other.toml"\n'), {
    message: 'chat.toml:1: unknown key "config"; --config is only a command-line flag',
  });
  assert.throws(() => file('# a comment\nport = "8080"\n'), {
    message: "chat.toml:2: port must be a whole number, got a string",
  });
  assert.throws(() => file("no-web = 1\n"), {
    message: "chat.toml:1: no-web must be true or false, got a whole number",
  });
  assert.throws(() => file("trust-proxy = [1, 2]\n"), {
    message: /^chat\.toml:1: trust-proxy must be/,
  });
  assert.throws(() => file("db = 1979-05-27\n"), {
    message: 'chat.toml:1: db must be a quoted string ("…"), got a date',
  });
  assert.throws(() => file('port = 1\nhost = "a\n'), { message: /^chat\.toml:2:\d+: / });
  assert.throws(() => parseServeConfig([], {}, file("\n\nport = 70000\n")), {
    name: "ConfigFileError",
    message: 'chat.toml:3: port must be a whole number from 0 to 65535, got "70000"',
  });
  assert.throws(() => parseServeConfig([], {}, file('tls-cert = "c.pem"\n')), {
    message: "chat.toml:1: tls-cert needs --tls-key too: give both files, or neither for plain TCP",
  });
  // from the environment, the variable is named
  assert.throws(() => parseServeConfig([], { CHAT_PORT: "x" }), {
    message: '--port must be a whole number from 0 to 65535, got "x" (set by env CHAT_PORT)',
  });
});

Deno.test("every line of the example config, uncommented alone, is a valid config", () => {
  const lines = exampleConfig().split("\n").filter((l) => /^# [a-z-]+ = /.test(l));
  for (const line of lines) {
    const key = line.slice(2, line.indexOf(" = "));
    const pair = key === "tls-cert"
      ? '\ntls-key = "k.pem"'
      : key === "tls-key"
      ? '\ntls-cert = "c.pem"'
      : "";
    parseServeConfig([], {}, file(line.slice(2) + pair + "\n"));
  }
  // and as it is, it changes nothing
  assert.deepEqual(
    JSON.stringify(parseServeConfig([], {}, file(exampleConfig()))),
    JSON.stringify(parseServeConfig([], {})),
  );
});

Deno.test("chat serve --config with a bad file exits 2 before listening, naming file, line and key", async () => {
  await withFile('port = 0\nmax-line = "huge"\n', async (path) => {
    const r = await chat(["serve", "--config", path, "--db", ":memory:", "--no-web"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^chat serve: ${path}:2: max-line must be a size in bytes`));
    assert.equal(r.stdout, "");
    const env = await chat(["serve", "--db", ":memory:"], { CHAT_CONFIG: path });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /:2: max-line must be/);
  });
  const missing = await chat(["serve", "--config", "/nonexistent/chat.toml"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read --config \/nonexistent\/chat\.toml: no such file/);
});

Deno.test("chat serve --config: the server listens where the file says and a flag overrides it", async () => {
  await withFile('default-room = "ops"\nhistory = 3\n', async (path) => {
    const server = await startServer(["--config", path]);
    try {
      const { client, welcome } = await joinJson(server.port, "alice");
      assert.equal(welcome.room, "ops");
      await client.close();
    } finally {
      await server.stop("SIGKILL");
    }
  });
});

Deno.test("chat serve --print-config shows each value and its source, and never a secret", async () => {
  await withFile(
    'web-port = 9001\nredis = "redis://user:hunter2@cache:6379"\n' +
      'op-password-file = "/etc/chat/op"\n',
    async (path) => {
      const r = await chat(["serve", "--config", path, "--print-config", "--port", "7000"], {
        CHAT_PASSWORD: "s3cret",
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^port = 7000 +# --port$/m);
      assert.match(r.stdout, new RegExp(`^web-port = 9001 +# ${path}:1$`, "m"));
      assert.match(r.stdout, /^# host = "0\.0\.0\.0" +# default$/m);
      assert.match(r.stdout, /^redis = "redis:\/\/\*\*\*@cache:6379"/m);
      assert.match(r.stdout, /^# room password = "\*\*\*" +\(from env CHAT_PASSWORD\)$/m);
      assert.match(r.stdout, /^# operator password = "\*\*\*" +\(read from \/etc\/chat\/op\)$/m);
      assert.ok(!r.stdout.includes("s3cret") && !r.stdout.includes("hunter2"), r.stdout);
      // what it prints is itself a config file that gives the same configuration
      await Deno.writeTextFile(path, r.stdout);
      const again = await chat(["serve", "--config", path, "--print-config"]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, new RegExp(`^port = 7000 +# ${path}:\\d+$`, "m"));
    },
  );
});

Deno.test("chat serve --example-config prints every key with its help, loadable as it is", async () => {
  const r = await chat(["serve", "--example-config"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, exampleConfig());
  assert.match(r.stdout, /^# port = 8080$/m);
  assert.match(r.stdout, /^# irc-port = 6667$/m);
  assert.match(r.stdout, /\[restart\]/);
  await withFile(r.stdout, async (path) => {
    const p = await chat(["serve", "--config", path, "--print-config"]);
    assert.equal(p.code, 0, p.stderr);
  });
});
