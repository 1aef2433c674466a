// What `chat serve` and `chat join` download on a fresh machine: their own
// packages and nothing the tests use (playwright-core, fast-check). Deno
// installs every package named in deno.lock, so the tests lock theirs in
// dev.lock (deno task test uses it) and scope them to tests/ in deno.json.
import assert from "node:assert/strict";
import { REPO_ROOT } from "./helpers.ts";

const TEST_ONLY = ["playwright-core", "fast-check"];

Deno.test("deno.lock names none of the tests' packages", async () => {
  const lock = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.lock`));
  const named = Object.keys(lock.npm ?? {}).map((k) => k.replace(/@[^@]+$/, ""));
  for (const p of TEST_ONLY) {
    assert.ok(
      !named.includes(p),
      `deno.lock locks ${p}: something ran the tests without --lock=dev.lock; ` +
        "restore it (git checkout deno.lock) and run them with deno task test",
    );
  }
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`));
  for (const p of TEST_ONLY) assert.ok(!(p in config.imports), `${p} in deno.json's imports`);
});

Deno.test("with a fresh DENO_DIR, deno task serve and join download none of the tests' packages", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-deno-dir-" });
  try {
    for (
      const args of [["task", "serve", "--help"], ["task", "join", "--help"], [
        "run",
        "-A",
        "main.ts",
        "serve",
        "--help",
      ]]
    ) {
      const out = await new Deno.Command(Deno.execPath(), {
        args,
        cwd: REPO_ROOT,
        env: { DENO_DIR: dir, NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.match(new TextDecoder().decode(out.stdout), /^Usage: chat (serve|join)/);
    }
    const got = [...Deno.readDirSync(`${dir}/npm/registry.npmjs.org`)].map((e) => e.name);
    assert.ok(got.includes("ioredis") && got.includes("smol-toml"), got.join(" "));
    for (const p of TEST_ONLY) assert.ok(!got.includes(p), `downloaded ${p}: ${got.join(" ")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
