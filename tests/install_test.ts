// install.sh against a local HTTP server holding stand-in release files
// (its --base-url): the right file for this machine, checked against
// SHA256SUMS, installed to ~/.local/bin or --dir; a checksum mismatch is
// refused and installs nothing; an unknown platform gets a clear error.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TARGETS } from "../scripts/compile.ts";
import { have } from "./line_process.ts";
import { REPO_ROOT } from "./helpers.ts";

const INSTALL = `${REPO_ROOT}install.sh`;
const STAND_IN = '#!/bin/sh\necho "chat 9.9.9 (stand-in)"\n';

/** A release directory served over HTTP on 127.0.0.1, port 0; `sums` may lie. */
async function withRelease(
  files: Record<string, string>,
  fn: (baseUrl: string, requests: string[]) => Promise<void>,
): Promise<void> {
  const requests: string[] = [];
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
    (req) => {
      const name = new URL(req.url).pathname.replace(/^\/releases\/v9\.9\.9\//, "");
      requests.push(name);
      return name in files ? new Response(files[name]) : new Response("not found", { status: 404 });
    },
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/releases/v9.9.9`, requests);
  } finally {
    controller.abort();
    await server.finished;
  }
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** This machine's release file, as install.sh should pick it. */
function assetHere(): string {
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  return `chat-${Deno.build.os === "darwin" ? "macos" : Deno.build.os}-${arch}`;
}

function release(sums?: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of Object.values(TARGETS)) files[name] = STAND_IN.replace("9.9.9", name);
  files.SHA256SUMS = sums ??
    Object.entries(files).map(([n, body]) => `${sha256(body)}  ${n}`).join("\n") + "\n";
  return files;
}

async function sh(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command("sh", {
    args: [INSTALL, ...args],
    env: { PATH: "/usr/local/bin:/usr/bin:/bin", ...env },
    clearEnv: true,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "chat-install-test-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

const CAN = have("curl") && have("sh", ["-c", "true"]) && Deno.build.os === "linux";

Deno.test({
  name: "install.sh knows every file name scripts/compile.ts builds",
  async fn() {
    const script = await Deno.readTextFile(INSTALL);
    for (const name of Object.values(TARGETS)) {
      const [, os, arch] = /^chat-(\w+)-(\w+)/.exec(name)!;
      assert.ok(script.includes(`${os}-${arch}`), `${name} missing from install.sh`);
    }
    const workflow = await Deno.readTextFile(`${REPO_ROOT}.github/workflows/release.yml`);
    assert.match(workflow, /sha256sum chat-\* > SHA256SUMS/);
    assert.match(workflow, /install\.sh/);
  },
});

Deno.test({
  name: "install.sh installs this machine's file to ~/.local/bin after checking its checksum",
  ignore: !CAN,
  async fn() {
    await withRelease(release(), async (baseUrl, requests) => {
      await withHome(async (home) => {
        const r = await sh(["--base-url", baseUrl], { HOME: home });
        assert.equal(r.code, 0, r.stderr);
        const installed = `${home}/.local/bin/chat`;
        assert.equal(
          await Deno.readTextFile(installed),
          STAND_IN.replace("9.9.9", assetHere()),
        );
        assert.ok(((await Deno.stat(installed)).mode! & 0o111) !== 0, "executable");
        assert.match(r.stdout, new RegExp(`^installed ${assetHere()} \\(chat ${assetHere()}`));
        assert.match(r.stdout, /is not on your PATH/);
        assert.deepEqual(requests.sort(), ["SHA256SUMS", assetHere()].sort());
        // and it runs
        const run = await new Deno.Command(installed).output();
        assert.equal(new TextDecoder().decode(run.stdout).trim(), `chat ${assetHere()} (stand-in)`);
        assert.deepEqual([...Deno.readDirSync(`${home}/.local/bin`)].map((e) => e.name), ["chat"]);
      });
    });
  },
});

Deno.test({
  name: "install.sh --dir puts it in the given directory, replacing an older one",
  ignore: !CAN,
  async fn() {
    await withRelease(release(), async (baseUrl) => {
      await withHome(async (home) => {
        const dir = `${home}/opt/bin`;
        await Deno.mkdir(dir, { recursive: true });
        await Deno.writeTextFile(`${dir}/chat`, "old");
        const r = await sh(["--dir", dir, "--base-url", baseUrl + "/"], {
          HOME: home,
          PATH: `${dir}:/usr/bin:/bin`,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          await Deno.readTextFile(`${dir}/chat`),
          STAND_IN.replace("9.9.9", assetHere()),
        );
        assert.doesNotMatch(r.stdout, /not on your PATH/);
        assert.throws(() => Deno.statSync(`${home}/.local`), Deno.errors.NotFound);
      });
    });
  },
});

Deno.test({
  name: "install.sh refuses a file whose checksum does not match, and installs nothing",
  ignore: !CAN,
  async fn() {
    const lying = Object.values(TARGETS).map((n) => `${sha256("something else")}  ${n}`)
      .join("\n") + "\n";
    await withRelease(release(lying), async (baseUrl) => {
      await withHome(async (home) => {
        const dir = `${home}/bin`;
        await Deno.mkdir(dir);
        await Deno.writeTextFile(`${dir}/chat`, "the one that works");
        const r = await sh(["--dir", dir, "--base-url", baseUrl], { HOME: home });
        assert.equal(r.code, 1);
        assert.match(
          r.stderr,
          new RegExp(
            `^install\\.sh: checksum mismatch for ${assetHere()}: SHA256SUMS says [0-9a-f]{64}, the download is [0-9a-f]{64}; not installed`,
          ),
        );
        assert.equal(await Deno.readTextFile(`${dir}/chat`), "the one that works");
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["chat"]);
      });
    });
    // a SHA256SUMS without the file is refused too; so is a release without SHA256SUMS
    const files = release();
    files.SHA256SUMS = `${sha256("x")}  chat-other\n`;
    await withRelease(files, async (baseUrl) => {
      await withHome(async (home) => {
        const r = await sh(["--base-url", baseUrl], { HOME: home });
        assert.equal(r.code, 1);
        assert.equal(r.stderr, `install.sh: SHA256SUMS lists no ${assetHere()}: not installed\n`);
      });
    });
    await withRelease({}, async (baseUrl) => {
      await withHome(async (home) => {
        const r = await sh(["--base-url", baseUrl], { HOME: home });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /cannot download .*\/SHA256SUMS \(is the release there\?\)/);
      });
    });
  },
});

Deno.test({
  name: "install.sh on an unknown platform says which releases there are, and downloads nothing",
  ignore: !CAN,
  async fn() {
    await withRelease(release(), async (baseUrl, requests) => {
      await withHome(async (home) => {
        // a uname that reports another system, first on PATH
        await Deno.mkdir(`${home}/fake`);
        await Deno.writeTextFile(
          `${home}/fake/uname`,
          '#!/bin/sh\ncase "$1" in -s) echo Plan9 ;; -m) echo mips ;; esac\n',
        );
        await Deno.chmod(`${home}/fake/uname`, 0o755);
        const r = await sh(["--base-url", baseUrl], {
          HOME: home,
          PATH: `${home}/fake:/usr/bin:/bin`,
        });
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          "install.sh: there is no chat release for this system (Plan9 mips); releases are built for Linux x64 and arm64, macOS x64 and arm64 and Windows x64. Build one from the source instead: deno task compile\n",
        );
        assert.deepEqual(requests, []);
        // Linux on an arm64 machine is known, and gets its own file
        await Deno.writeTextFile(
          `${home}/fake/uname`,
          '#!/bin/sh\ncase "$1" in -s) echo Linux ;; -m) echo aarch64 ;; esac\n',
        );
        const arm = await sh(["--dir", `${home}/bin`, "--base-url", baseUrl], {
          HOME: home,
          PATH: `${home}/fake:/usr/bin:/bin`,
        });
        assert.equal(arm.code, 0, arm.stderr);
        assert.equal(
          await Deno.readTextFile(`${home}/bin/chat`),
          STAND_IN.replace("9.9.9", "chat-linux-arm64"),
        );
      });
    });
  },
});

Deno.test({
  name: "install.sh explains a missing repository and an unknown option",
  ignore: !CAN,
  async fn() {
    await withHome(async (home) => {
      const none = await sh([], { HOME: home });
      assert.equal(none.code, 1);
      assert.match(none.stderr, /which repository\? give --repo OWNER\/REPO \(or --base-url URL\)/);
      const bad = await sh(["--frobnicate"], { HOME: home });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /unknown option "--frobnicate"/);
      const help = await sh(["--help"], { HOME: home });
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: install\.sh/);
    });
  },
});

Deno.test({
  name: "install.sh passes shellcheck as POSIX sh",
  ignore: !have("shellcheck"),
  async fn() {
    const out = await new Deno.Command("shellcheck", { args: ["-s", "sh", INSTALL] }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stdout));
  },
});

Deno.test({
  name: "the release workflow's copy of install.sh has the repository written in",
  ignore: !CAN,
  async fn() {
    const workflow = await Deno.readTextFile(`${REPO_ROOT}.github/workflows/release.yml`);
    const line = workflow.split("\n").find((l) => l.includes("> dist/install.sh"))!;
    const command = line.replace(/^\s*run: /, "").replace("> dist/install.sh", "");
    const out = await new Deno.Command("sh", {
      args: ["-c", command],
      cwd: REPO_ROOT,
      env: { GITHUB_REPOSITORY: "someone/chat" },
    }).output();
    assert.equal(out.code, 0);
    const script = new TextDecoder().decode(out.stdout);
    assert.match(script, /^REPO="\$\{CHAT_REPO:-someone\/chat\}"/m);
    assert.equal(script.split("\n").length, (await Deno.readTextFile(INSTALL)).split("\n").length);
  },
});
