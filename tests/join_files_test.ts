import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { complete, helpLines, parseInput } from "../client/commands.ts";
import { FileList, fileOf } from "../client/file_list.ts";
import { expandHome, numberedName } from "../client/transfer.ts";
import { joinJson, type LineClient } from "./helpers.ts";
import { HAS_TMUX, runJoinPiped, Terminal } from "./join_helpers.ts";
import { have } from "./line_process.ts";
import { makeCerts } from "./tls_helpers.ts";
import { startWebServer, type WebServerProcess } from "./web_helpers.ts";

// `chat join` sharing files: /send and /get in a real terminal (tmux),
// `chat join --send FILE` in a pipe, against a real server with its web side on.

const ignore = !HAS_TMUX;
if (ignore) console.warn("tmux is not installed: the terminal tests of /send and /get are skipped");

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Bytes that are not all alike, so that a wrong offset shows. */
function bytesOf(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A temporary directory, removed after `fn`. */
async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-join-files-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** A server with its web side on; stopped with SIGTERM (it removes its temporary files dir), SIGKILL if slow. */
async function withWebServer(
  args: string[],
  fn: (server: WebServerProcess) => Promise<void>,
): Promise<void> {
  const server = await startWebServer(args);
  try {
    await fn(server);
  } finally {
    const killer = setTimeout(() => server.stop("SIGKILL"), 5000);
    await server.stop("SIGTERM");
    clearTimeout(killer);
  }
}

/** Runs `fn` with `chat join ARGS` in a terminal; always ends the session. */
async function withTerminal(
  args: string[],
  fn: (t: Terminal) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const t = await Terminal.start(args, 110, 30, env);
  try {
    await fn(t);
  } catch (err) {
    // The whole screen helps when a wait fails.
    throw new Error(
      `${err instanceof Error ? err.message : err}\n--- screen:\n${(await t.screen()).join("\n")}`,
    );
  } finally {
    await t.kill();
  }
}

/** Types a line and presses Enter. */
async function enter(t: Terminal, line: string): Promise<void> {
  await t.type(line);
  await t.keys("Enter");
}

/** Shares `bytes` as `name` the way a JSON client does: upload, PUT, ack. Returns the file. */
async function share(
  client: LineClient,
  name: string,
  bytes: Uint8Array<ArrayBuffer>,
  room?: string,
): Promise<Record<string, string>> {
  await client.sendJson({ type: "upload", name, size: bytes.length, ref: "up", room });
  const grant = await client.event("upload");
  const res = await fetch(String(grant.url), { method: "PUT", body: bytes });
  assert.equal(res.status, 201, await res.clone().text());
  const { file } = await res.json();
  const ack = await client.event("ack");
  assert.equal(ack.ref, "up");
  return file;
}

/** The rows of the screen, for messages. */
const shown = (rows: string[]) => rows.join("\n");
/** The screen as one line: wrapped text reads whole. */
const flat = (rows: string[]) => rows.map((r) => r.trim()).join(" ");

// ---------------------------------------------------------------------------
// Without a server

Deno.test("/send and /get parse; /help lists them; Tab completes /send's path", async () => {
  assert.deepEqual(parseInput("/send ~/My Report.pdf", "dev"), {
    kind: "sendFile",
    path: "~/My Report.pdf",
    room: "dev",
  });
  assert.deepEqual(parseInput(`/send "a b.txt"`, "dev"), {
    kind: "sendFile",
    path: "a b.txt",
    room: "dev",
  });
  assert.equal(parseInput("/send x", undefined).kind, "usage");
  assert.equal(parseInput("/send", "dev").kind, "usage");
  assert.deepEqual(parseInput("/get 3", "dev"), { kind: "getFile", n: 3, dir: undefined });
  assert.deepEqual(parseInput("/get 3 /tmp/my dir", "dev"), {
    kind: "getFile",
    n: 3,
    dir: "/tmp/my dir",
  });
  assert.equal(parseInput("/get three", "dev").kind, "usage");
  const help = helpLines().join("\n");
  assert.match(help, /\/send PATH +share a file/);
  assert.match(help, /\/get N \[DIR\] +download/);
  await withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "report.pdf"), "x");
    await Deno.mkdir(join(dir, "reports"));
    const [hits, word] = complete(
      `/send ${dir}/rep`,
      [],
      [],
      (typed) =>
        [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith(typed.slice(dir.length + 1)))
          .map((e) => `${dir}/${e.name}${e.isDirectory ? "/" : " "}`).sort(),
    );
    assert.equal(word, `${dir}/rep`);
    assert.deepEqual(hits, [`${dir}/report.pdf `, `${dir}/reports/`]);
  });
});

Deno.test("files are numbered once each, and a bad file field is no file", () => {
  const f = (n: number) => ({
    name: `f${n}.txt`,
    size: n,
    sha256: "ab".repeat(32),
    type: "text/plain",
    url: `http://127.0.0.1:1/files/id${n}/f${n}.txt`,
  });
  const list = new FileList();
  assert.equal(list.number(f(1)), 1);
  assert.equal(list.number(f(2)), 2);
  assert.equal(list.number(f(1)), 1, "seen again (history after a reconnect): same number");
  assert.equal(list.get(2)?.name, "f2.txt");
  assert.equal(list.get(3), undefined);
  assert.equal(list.get(0), undefined);
  assert.equal(fileOf({ ...f(1), url: "file:///etc/passwd" }), null, "never a file: URL");
  assert.equal(fileOf({ ...f(1), sha256: "nope" }), null);
  assert.equal(fileOf({ ...f(1), size: -1 }), null);
  assert.equal(fileOf({ ...f(1), name: "../../.bashrc" })?.name, "bashrc");
  assert.equal(fileOf({ ...f(1), name: "gpj.\u202eexe" })?.name, "gpj.exe");
  assert.equal(numberedName("report.pdf", 0), "report.pdf");
  assert.equal(numberedName("report.pdf", 1), "report (1).pdf");
  assert.equal(numberedName("backup.tar.gz", 2), "backup (2).tar.gz");
  assert.equal(numberedName("README", 1), "README (1)");
  assert.equal(expandHome("~/Downloads", "/home/bob"), "/home/bob/Downloads");
  assert.equal(expandHome("~", "/home/bob"), "/home/bob");
  assert.equal(expandHome("a/~/b", "/home/bob"), "a/~/b");
});

// ---------------------------------------------------------------------------
// Pipe mode: chat join --send FILE

Deno.test("chat join --send FILE --room dev shares it, prints its URL, exit 0; the bytes download intact", async () => {
  await withDir(async (dir) => {
    const bytes = bytesOf(300_000);
    const path = join(dir, "build log.bin");
    await Deno.writeFile(path, bytes);
    await withWebServer([], async ({ port }) => {
      const { client: watch } = await joinJson(port, "watch", { rooms: ["dev"] });
      const result = await runJoinPiped(
        ["--name", "ci", "--port", String(port), "--room", "dev", "--send", path],
      );
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
      const m = await watch.event("message");
      assert.equal(m.room, "dev");
      assert.equal(m.from, "ci");
      const file = m.file as Record<string, unknown>;
      assert.equal(file.name, "build log.bin");
      assert.equal(file.size, bytes.length);
      assert.equal(file.sha256, sha256(bytes));
      assert.equal(result.stdout, `${file.url}\n`, "the file's URL, alone on stdout");
      const res = await fetch(String(file.url));
      assert.equal(res.status, 200);
      assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), sha256(bytes));
      assert.equal((await watch.event("leave")).reason, "quit", "it said bye");
      await watch.close();
    });
  });
});

Deno.test("chat join --send: a file over --max-file-size gets the server's reason, exit 1", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "big.bin");
    await Deno.writeFile(path, bytesOf(5000));
    await withWebServer(["--max-file-size", "1000"], async ({ port }) => {
      const result = await runJoinPiped(["--name", "ci", "--port", String(port), "--send", path]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      const lines = result.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(
        lines[0],
        /^chat join: cannot send .*big\.bin: big\.bin is 4\.9 kB: this server takes files up to 1000 B .*\(too_large\)$/,
      );
    });
  });
});

Deno.test("chat join --send: a missing file, a directory, a server without files: one line, exit 1", async () => {
  await withDir(async (dir) => {
    const missing = await runJoinPiped(["--name", "ci", "--port", "1", "--send", `${dir}/nope`]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `chat join: cannot send ${dir}/nope: no such file\n`);
    const directory = await runJoinPiped(["--name", "ci", "--port", "1", "--send", dir]);
    assert.equal(directory.code, 1);
    assert.match(directory.stderr, /^chat join: cannot send .*: it is a directory; .*\n$/);
    const noName = await runJoinPiped(["--port", "1", "--send", dir]);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /--send needs --name/);
    const path = join(dir, "a.txt");
    await Deno.writeTextFile(path, "hello\n");
    // Files need the web side: a --no-web server says so.
    const { startServer } = await import("./helpers.ts");
    const server = await startServer([]);
    try {
      const off = await runJoinPiped(
        ["--name", "ci", "--port", String(server.port), "--send", path],
      );
      assert.equal(off.code, 1);
      assert.match(
        off.stderr,
        /^chat join: cannot send .*a\.txt: file sharing is off on this server/,
      );
      assert.equal(off.stderr.trimEnd().split("\n").length, 1);
    } finally {
      await server.stop("SIGKILL");
    }
  });
});

Deno.test("chat join --help lists --send", async () => {
  const result = await runJoinPiped(["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /--send FILE +share FILE with the room/);
});

// ---------------------------------------------------------------------------
// In a terminal: /send and /get

Deno.test({
  name:
    "/send PATH in a terminal: the room gets the file, whose bytes download with the right sha256",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const bytes = bytesOf(200_000, 7);
      const path = join(dir, "report.pdf");
      await Deno.writeFile(path, bytes);
      await withWebServer([], async ({ port }) => {
        const { client: alice } = await joinJson(port, "alice");
        await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
          await t.waitForText("Welcome, bob!");
          await enter(t, `/send ${path}`);
          const m = await alice.event("message", 10000);
          assert.equal(m.from, "bob");
          assert.equal(m.text, "report.pdf");
          const file = m.file as Record<string, unknown>;
          assert.equal(file.sha256, sha256(bytes));
          assert.equal(file.type, "application/pdf");
          const res = await fetch(String(file.url));
          assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), sha256(bytes));
          // Our own shows once acked, numbered like anyone's; the status line is gone.
          const rows = await t.waitForText("bob shared report.pdf (195.3 kB) — /get 1");
          await t.waitFor((r) => !r.some((l) => l.startsWith("sending ")), "the status line gone");
          assert.equal(rows.filter((r) => r.includes("shared report.pdf")).length, 1, shown(rows));
          // Missing files and directories: clear errors, nothing asked of the server.
          await enter(t, `/send ${dir}/nope.txt`);
          await t.waitForText(`! cannot send ${dir}/nope.txt: no such file`);
          await enter(t, `/send ${dir}`);
          await t.waitForText(`! cannot send ${dir}: it is a directory`);
          await t.waitForInput("bob #lobby>");
        });
        await alice.close();
      });
    }),
});

Deno.test({
  name: "/send of a file over --max-file-size shows the server's reason",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const path = join(dir, "big.bin");
      await Deno.writeFile(path, bytesOf(5000));
      await withWebServer(["--max-file-size", "1000"], async ({ port }) => {
        await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
          await t.waitForText("Welcome, bob!");
          await enter(t, `/send ${path}`);
          const rows = await t.waitForText(
            "! big.bin is 4.9 kB: this server takes files up to 1000 B",
          );
          assert.match(flat(rows), /share a link instead \(too_large\)/);
          await t.waitFor((r) => !r.some((l) => l.startsWith("sending ")), "the status line gone");
        });
      });
    }),
});

Deno.test({
  name:
    "/get N saves the file verified, never overwriting: a second /get makes name (1).ext; history counts",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const saveDir = join(dir, "downloads");
      await Deno.mkdir(saveDir);
      const first = bytesOf(70_000, 3);
      const second = bytesOf(1234, 4);
      await withWebServer([], async ({ port }) => {
        const { client: alice } = await joinJson(port, "alice");
        // Shared before bob joins: it comes with the history, and is /get 1.
        await share(alice, "notes.txt", first);
        await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
          await t.waitForText("alice shared notes.txt (68.4 kB) — /get 1");
          await t.waitForText("Welcome, bob!");
          await share(alice, "report.final.pdf", second);
          await t.waitForText("alice shared report.final.pdf (1.2 kB) — /get 2");
          await enter(t, `/get 2 ${saveDir}`);
          await t.waitForText("saved report.final.pdf (1.2 kB, sha256 verified) as");
          assert.deepEqual(await Deno.readFile(join(saveDir, "report.final.pdf")), second);
          await enter(t, `/get 2 ${saveDir}`);
          await t.waitForText("report.final (1).pdf");
          assert.deepEqual(await Deno.readFile(join(saveDir, "report.final (1).pdf")), second);
          await enter(t, `/get 1 ${dir}`);
          await t.waitForText("saved notes.txt (68.4 kB, sha256 verified) as");
          assert.deepEqual(await Deno.readFile(join(dir, "notes.txt")), first);
          await enter(t, "/get 7");
          await t.waitForText("! there is no file 7: the files shown are /get 1 to /get 2");
          await enter(t, `/get 1 ${dir}/nowhere`);
          await t.waitForText(`! cannot save into ${dir}/nowhere: no such directory`);
          const names = [...Deno.readDirSync(saveDir)].map((e) => e.name).sort();
          assert.deepEqual(names, ["report.final (1).pdf", "report.final.pdf"]);
        });
        await alice.close();
      });
    }),
});

Deno.test({
  name: "/get of a file tampered with on the server is refused and deleted; a deleted one says so",
  ignore,
  fn: () =>
    withDir(async (dir) => {
      const filesDir = join(dir, "server-files");
      const saveDir = join(dir, "downloads");
      await Deno.mkdir(saveDir);
      const bytes = bytesOf(50_000, 5);
      await withWebServer(["--files-dir", filesDir], async ({ port }) => {
        const { client: alice } = await joinJson(port, "alice");
        await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
          await t.waitForText("Welcome, bob!");
          const a = await share(alice, "data.bin", bytes);
          const b = await share(alice, "gone.bin", bytes.subarray(0, 100));
          await t.waitForText("alice shared gone.bin (100 B) — /get 2");
          // The same length, other bytes: only the sha256 can tell.
          const idOf = (url: string) => new URL(url).pathname.split("/")[2];
          const tampered = bytes.slice();
          tampered[25_000] ^= 0xff;
          await Deno.writeFile(join(filesDir, idOf(a.url)), tampered);
          await enter(t, `/get 1 ${saveDir}`);
          const rows = await t.waitForText(
            "! cannot get data.bin: it did not verify: its sha256 is",
          );
          assert.match(flat(rows), /the message says [0-9a-f]{12}… .*it was not saved/);
          await Deno.remove(join(filesDir, idOf(b.url)));
          await enter(t, `/get 2 ${saveDir}`);
          await t.waitForText("! cannot get gone.bin: the server said: no such file");
          await t.waitFor((r) => !r.some((l) => l.startsWith("getting ")), "the status line gone");
          // Nothing saved, no temporary file left.
          assert.deepEqual([...Deno.readDirSync(saveDir)], []);
        });
        await alice.close();
      });
    }),
});

const HAVE_OPENSSL = have("openssl", ["version"]);

Deno.test({
  name:
    "chat join --send over TLS with --ca: the https upload trusts the same CA; an empty file goes too",
  ignore: !HAVE_OPENSSL,
  fn: async () => {
    const certs = await makeCerts();
    try {
      await withDir(async (dir) => {
        const path = join(dir, "empty.txt");
        await Deno.writeFile(path, new Uint8Array(0));
        const args = ["--tls-cert", certs.server.cert, "--tls-key", certs.server.key];
        await withWebServer(args, async ({ port, http }) => {
          assert.match(http, /^https:/);
          const result = await runJoinPiped([
            "--name",
            "ci",
            "--host",
            "localhost",
            "--port",
            String(port),
            "--ca",
            certs.ca,
            "--send",
            path,
          ]);
          assert.equal(result.stderr, "");
          assert.equal(result.code, 0);
          assert.match(result.stdout, /^https:\/\/127\.0\.0\.1:\d+\/files\/\S+\/empty\.txt\n$/);
        });
      });
    } finally {
      await certs.remove();
    }
  },
});
