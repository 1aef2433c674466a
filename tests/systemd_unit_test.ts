// contrib/chat.service: the hardening a distribution would ship, a command
// line chat accepts, and (where systemd-analyze exists) a unit that verifies
// and scores as a well-confined service.
import assert from "node:assert/strict";
import { have } from "./line_process.ts";
import { REPO_ROOT } from "./helpers.ts";

const UNIT = `${REPO_ROOT}contrib/chat.service`;
const HAVE_ANALYZE = have("systemd-analyze", ["--version"]);
const dec = new TextDecoder();

function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

/** The unit with its binary replaced by a stand-in, and chat.1 on a MANPATH, in a temp dir. */
async function withStandIn(fn: (unit: string, env: Record<string, string>) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "chat-unit-test-" });
  try {
    await Deno.writeTextFile(`${dir}/chat`, "#!/bin/sh\nexit 0\n");
    await Deno.chmod(`${dir}/chat`, 0o755);
    await Deno.mkdir(`${dir}/man/man1`, { recursive: true });
    await Deno.copyFile(`${REPO_ROOT}docs/chat.1`, `${dir}/man/man1/chat.1`);
    const text = (await Deno.readTextFile(UNIT)).replaceAll("/usr/local/bin/chat", `${dir}/chat`);
    await Deno.writeTextFile(`${dir}/chat.service`, text);
    await fn(`${dir}/chat.service`, { MANPATH: `${dir}/man`, PATH: Deno.env.get("PATH") ?? "" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("contrib/chat.service runs chat with the hardening a distribution would use", async () => {
  const d = directives(await Deno.readTextFile(UNIT));
  const one = (k: string) => d.get(k)?.[0];
  assert.equal(one("DynamicUser"), "yes");
  assert.equal(one("StateDirectory"), "chat");
  assert.equal(one("ProtectSystem"), "strict");
  assert.equal(one("NoNewPrivileges"), "yes");
  assert.equal(one("ProtectHome"), "yes");
  assert.equal(one("PrivateTmp"), "yes");
  assert.equal(one("CapabilityBoundingSet"), "");
  assert.equal(one("ExecReload"), "/bin/kill -HUP $MAINPID");
  assert.equal(one("RestartPreventExitStatus"), "2");
  assert.equal(one("ExecStart"), "/usr/local/bin/chat serve --config /etc/chat/chat.toml");
  assert.ok(!d.has("MemoryDenyWriteExecute"), "V8's JIT needs W+X pages");
});

Deno.test("the unit's command line is one chat accepts", async () => {
  const d = directives(await Deno.readTextFile(UNIT));
  const args = d.get("ExecStart")![0].split(" ").slice(1);
  const dir = await Deno.makeTempDir({ prefix: "chat-unit-test-" });
  try {
    const example = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO_ROOT}main.ts`, "serve", "--example-config"],
    }).output();
    await Deno.writeTextFile(`${dir}/chat.toml`, dec.decode(example.stdout));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${REPO_ROOT}main.ts`,
        ...args.map((a) => a === "/etc/chat/chat.toml" ? `${dir}/chat.toml` : a),
        "--print-config",
      ],
      cwd: dir,
    }).output();
    assert.equal(out.code, 0, dec.decode(out.stderr));
    assert.match(dec.decode(out.stdout), new RegExp(`^# config file: ${dir}/chat\\.toml$`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "systemd-analyze verify accepts contrib/chat.service",
  ignore: !HAVE_ANALYZE &&
    (console.log("skipped: no systemd-analyze on this machine (the systemd package)"), true),
  async fn() {
    await withStandIn(async (unit, env) => {
      const out = await new Deno.Command("systemd-analyze", { args: ["verify", unit], env })
        .output();
      assert.equal(out.code, 0, dec.decode(out.stderr));
      assert.equal(dec.decode(out.stderr).trim(), "");
    });
  },
});

Deno.test({
  name: "systemd-analyze security rates contrib/chat.service's exposure OK (under 2.0 of 10)",
  ignore: !HAVE_ANALYZE &&
    (console.log("skipped: no systemd-analyze on this machine (the systemd package)"), true),
  async fn() {
    await withStandIn(async (unit, env) => {
      const out = await new Deno.Command("systemd-analyze", {
        args: ["security", "--offline=true", "--no-pager", unit],
        env,
      }).output();
      const text = dec.decode(out.stdout);
      const m = /Overall exposure level for chat\.service: (\d+\.\d+) (\w+)/.exec(text);
      assert.ok(m, text + dec.decode(out.stderr));
      assert.ok(Number(m[1]) < 2, `exposure ${m[1]} ${m[2]}`);
    });
  },
});
