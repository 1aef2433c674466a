import assert from "node:assert/strict";
import { REPO_ROOT, startServer } from "./helpers.ts";

async function chat(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}main.ts`, ...args],
    env: { CHAT_DB: ":memory:", ...env },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("chat --help and --version", async () => {
  const help = await chat(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /chat serve/);
  assert.match(help.stdout, /chat join/);
  const version = await chat(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^chat \d+\.\d+\.\d+\n$/);
  const unknown = await chat(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

Deno.test("chat serve --help lists every flag with its default, and examples", async () => {
  const { code, stdout } = await chat(["serve", "--help"]);
  assert.equal(code, 0);
  for (
    const flag of [
      "--host HOST",
      "--port PORT",
      "--history N",
      "--max-line BYTES",
      "--max-clients N",
      "--handshake-timeout SECONDS",
      "--rate-limit RATE[:BURST]",
      "--log-level LEVEL",
    ]
  ) {
    assert.match(stdout, new RegExp(`${flag.replace(/[[\]]/g, "\\$&")} .*\\(default `), flag);
  }
  assert.match(stdout, /Examples:/);
});

Deno.test("bad flag values: one line naming the flag, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--port", "99999"], /--port must be a whole number from 0 to 65535, got "99999"/],
    [["--port", "abc"], /--port must be/],
    // A negative number is the flag's value (refused by its range), not a flag.
    [["--history", "-1"], /--history must be a whole number from 0 to \d+, got "-1"/],
    [["--max-per-ip", "-3"], /--max-per-ip must be a whole number from 0 to \d+, got "-3"/],
    [
      ["--port", "--tls-cert", "x"],
      /^chat serve: --port needs a value: --port PORT \(one that starts with "-" as --port=VALUE\)\n/,
    ],
    [["--port"], /^chat serve: --port needs a value: --port PORT\n/],
    [["--max-line", "ten"], /--max-line must be a size/],
    [["--handshake-timeout", "0"], /--handshake-timeout must be a positive number/],
    [["--rate-limit", "fast"], /--rate-limit must be RATE or RATE:BURST/],
    [["--log-level", "loud"], /--log-level must be one of debug, info, warn, error/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--irc-port", "70000"], /--irc-port must be a whole number from 0 to 65535, got "70000"/],
    [["--server-name", "two words"], /--server-name must be one word of letters, digits/],
  ];
  for (const [args, re] of cases) {
    const r = await chat(["serve", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, re);
  }
  const env = await chat(["serve"], { CHAT_PORT: "nope" });
  assert.equal(env.code, 2);
  assert.match(env.stderr, /--port must be/);
});

Deno.test("a port in use: one clear line, exit 1", async () => {
  const server = await startServer();
  try {
    const r = await chat([
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      String(server.port),
      "--no-web",
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `cannot listen on 127.0.0.1:${server.port}: the address is already in use, pick another --port`,
      ),
    );
  } finally {
    await server.stop();
  }
});

Deno.test("an IRC port in use: one clear line naming --irc-port, exit 1", async () => {
  const server = await startServer();
  try {
    const r = await chat([
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--no-web",
      "--irc-port",
      String(server.port),
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(
        `cannot listen for IRC on 127.0.0.1:${server.port}: the address is already in use, pick another --irc-port`,
      ),
    );
  } finally {
    await server.stop();
  }
});

Deno.test("CHAT_HOST and CHAT_PORT set the address; the first line names the real port", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}main.ts`, "serve"],
    env: { CHAT_HOST: "127.0.0.1", CHAT_PORT: "0", CHAT_DB: ":memory:", CHAT_WEB_PORT: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  child.kill("SIGTERM");
  reader.releaseLock();
  await child.stdout.cancel();
  assert.equal((await child.status).code, 0);
  assert.match(out.split("\n")[0], /^chat listening on tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
});
