// The manual page and the shell completions, written from the command and
// flag tables: docs/chat.1 is current, man(1) renders it without a warning,
// and each shell's script loads and completes flags, commands and values.
import assert from "node:assert/strict";
import { COMMANDS } from "../cli/commands.ts";
import { have } from "./line_process.ts";
import { REPO_ROOT } from "./helpers.ts";

const dec = new TextDecoder();

async function run(cmd: string, args: string[], stdin?: string) {
  const child = new Deno.Command(cmd, {
    args,
    cwd: REPO_ROOT,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { MANWIDTH: "100", LC_ALL: "C.UTF-8" },
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const chat = (args: string[]) => run(Deno.execPath(), ["run", "-A", "main.ts", ...args]);

Deno.test("docs/chat.1 is up to date with the flag tables (deno task man)", async () => {
  const r = await run(Deno.execPath(), ["run", "-A", "scripts/man.ts", "--check"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    await Deno.readTextFile(`${REPO_ROOT}docs/chat.1`),
    (await chat(["help", "--man"])).stdout,
  );
});

Deno.test({
  name: "man -l renders chat help --man without a warning, with every command and flag",
  ignore: !have("man", ["--version"]) &&
    (console.log("skipped: no man (apt-get install man-db)"), true),
  async fn() {
    const page = (await chat(["help", "--man"])).stdout;
    const r = await run("man", ["--warnings", "-l", "-"], page);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    for (
      const heading of [
        "NAME",
        "SYNOPSIS",
        "COMMANDS",
        "CONFIGURATION FILE",
        "SIGNALS",
        "ENVIRONMENT",
      ]
    ) {
      assert.match(r.stdout, new RegExp(`^${heading}$`, "m"), heading);
    }
    for (const c of COMMANDS) {
      assert.match(r.stdout, new RegExp(`^ {3}chat ${c.name}\\b`, "m"), c.name);
      for (const f of c.flags) {
        assert.match(r.stdout, new RegExp(`^ {7}--${f.name}\\b`, "m"), f.name);
      }
    }
    assert.match(r.stdout, /^ {7}CHAT_CONFIG\n {14}as --config\.$/m);
  },
});

/** What bash's completion function offers for the words typed so far (the last is being typed). */
async function bashComplete(script: string, words: string[]): Promise<string[]> {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  const r = await run("bash", [
    "--norc",
    "-c",
    `source /dev/stdin; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; ` +
    `_chat; printf '%s\\n' "\${COMPREPLY[@]}"`,
  ], script);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split("\n").filter((l) => l !== "");
}

Deno.test({
  name: "bash completion completes commands, flags and flag values",
  ignore: !have("bash") && (console.log("skipped: no bash"), true),
  async fn() {
    const script = (await chat(["completions", "bash"])).stdout;
    assert.deepEqual(await bashComplete(script, ["chat", "se"]), ["serve"]);
    assert.deepEqual(await bashComplete(script, ["chat", "serve", "--conf"]), ["--config"]);
    assert.deepEqual(await bashComplete(script, ["chat", "serve", "--print"]), ["--print-config"]);
    assert.deepEqual(await bashComplete(script, ["chat", "serve", "--log-level", "w"]), ["warn"]);
    assert.deepEqual(await bashComplete(script, ["chat", "serve", "--port", ""]), []);
    assert.deepEqual(await bashComplete(script, ["chat", "join", "--na"]), ["--name"]);
    assert.deepEqual(await bashComplete(script, ["chat", "history", "--mod"]), ["--moderation"]);
    assert.deepEqual(await bashComplete(script, ["chat", "completions", "z"]), ["zsh"]);
    assert.deepEqual(await bashComplete(script, ["chat", "serve", "--config", "deno.js"]), [
      "deno.json",
    ]);
    const all = await bashComplete(script, ["chat", "serve", "--"]);
    assert.equal(all.length, COMMANDS[0].flags.length + 1);
  },
});

Deno.test({
  name: "the zsh and fish scripts load in their shells, and fish completes a flag",
  ignore: !(have("zsh") && have("fish")) &&
    (console.log("skipped: zsh or fish missing (apt-get install zsh fish)"), true),
  async fn() {
    const zsh = (await chat(["completions", "zsh"])).stdout;
    const z = await run("zsh", ["-n", "/dev/stdin"], zsh);
    assert.equal(z.code, 0, z.stderr);
    // loaded for real, with compinit, defining _chat and registering it for chat
    const loaded = await run("zsh", [
      "-f",
      "-c",
      "autoload -U compinit && compinit -u -D && source /dev/stdin && print -r -- $_comps[chat]",
    ], zsh);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(loaded.stdout.trim(), "_chat");
    const file = await Deno.makeTempFile({ suffix: ".fish" });
    try {
      await Deno.writeTextFile(file, (await chat(["completions", "fish"])).stdout);
      const f = await run("fish", [
        "--no-config",
        "-c",
        `source ${file}; complete -C 'chat serve --print-c'; complete -C 'chat serve --log-level '`,
      ]);
      assert.equal(f.code, 0, f.stderr);
      assert.match(f.stdout, /^--print-config\tprint the effective configuration/m);
      assert.match(f.stdout, /^warn\t/m);
    } finally {
      await Deno.remove(file);
    }
  },
});

Deno.test("chat completions without a known shell exits 2 and names the shells", async () => {
  const r = await chat(["completions", "tcsh"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /name one shell: bash, zsh, fish/);
});
