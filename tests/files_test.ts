// File sharing against a real server: the upload grant, PUT, the room's
// message in every mode, GET with ranges and safe headers, and every bad
// input the issue names, each with its clear error and nothing else lost.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { joinJson, joinPlain, type LineClient, waitFor } from "./helpers.ts";
import { startWebServer, type WebServerProcess } from "./web_helpers.ts";
import { ircJoin } from "./irc_helpers.ts";

const encoder = new TextEncoder();

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Asks for an upload over a JSON client; returns the grant (or the error event). */
async function grant(
  c: LineClient,
  name: string,
  size: number,
  room?: string,
): Promise<Record<string, unknown>> {
  await c.sendJson({ type: "upload", name, size, ref: "u", ...(room ? { room } : {}) });
  return await c.until((l) => {
    const e = JSON.parse(l);
    return e.type === "upload" || e.type === "error";
  }).then((l) => JSON.parse(l));
}

async function put(url: string, body: BodyInit, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "PUT", body, headers });
  return { status: res.status, text: await res.text() };
}

/** Files (not metadata, not parts) in a directory. */
async function listDir(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

async function withFiles(
  args: string[],
  fn: (s: WebServerProcess, dir: string) => Promise<void>,
  env?: Record<string, string>,
) {
  const dir = await Deno.makeTempDir({ prefix: "chat-files-test-" });
  const s = await startWebServer(["--files-dir", dir, ...args], env ? { env } : {});
  try {
    await fn(s, dir);
    assert.deepEqual(s.stderr.filter((l) => /BUG|ERROR/.test(l)), []);
  } finally {
    await s.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a file shared over JSON and PUT reaches JSON, plain and IRC users, and downloads whole", async () => {
  await withFiles(["--irc-port", "0"], async (s) => {
    // the IRC line is the third: startWebServer waits for two
    await waitFor(() => s.stdout.some((l) => l.startsWith("chat irc on")), "the IRC port");
    const irc = Number(s.stdout.find((l) => l.startsWith("chat irc on"))!.split(":").pop());
    const { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
    const { client: carol } = await joinJson(s.port, "carol", { rooms: ["lobby"] });
    const alice = await joinPlain(s.port, "alice");
    const eve = await ircJoin(irc, "eve", { rooms: ["lobby"] });
    const bytes = crypto.getRandomValues(new Uint8Array(48213));
    const g = await grant(bob, "report.pdf", bytes.length);
    assert.equal(g.type, "upload", JSON.stringify(g));
    assert.match(String(g.url), /^http:\/\/127\.0\.0\.1:\d+\/files\/upload\/[A-Za-z0-9_-]{22}$/);
    assert.equal(g.ref, "u");
    const r = await put(String(g.url), bytes);
    assert.equal(r.status, 201, r.text);
    const ack = await bob.event("ack");
    assert.equal(ack.ref, "u");
    const m = await carol.event("message");
    const file = m.file as Record<string, unknown>;
    assert.deepEqual(
      [m.from, m.text, file.name, file.size, file.sha256, file.type],
      ["bob", "report.pdf", "report.pdf", 48213, sha256(bytes), "application/pdf"],
    );
    const line = await alice.until((l) => l.includes(" shared "));
    assert.equal(line, `* bob shared report.pdf (47.1 kB): ${file.url}`);
    await eve.expect(
      `:bob!bob@chat PRIVMSG #lobby :\x01ACTION shared report.pdf (47.1 kB): ${file.url}\x01`,
    );
    const res = await fetch(String(file.url));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), "48213");
    assert.equal(res.headers.get("content-type"), "application/pdf");
    assert.match(res.headers.get("content-disposition")!, /^attachment; filename="report\.pdf"/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.match(res.headers.get("content-security-policy")!, /sandbox/);
    assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), sha256(bytes));
    // Ranges: a middle, a suffix, one past the end.
    const part = await fetch(String(file.url), { headers: { range: "bytes=100-199" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 100-199/48213");
    assert.deepEqual(new Uint8Array(await part.arrayBuffer()), bytes.slice(100, 200));
    const tail = await fetch(String(file.url), { headers: { range: "bytes=-10" } });
    assert.deepEqual(new Uint8Array(await tail.arrayBuffer()), bytes.slice(-10));
    const bad = await fetch(String(file.url), { headers: { range: "bytes=50000-" } });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get("content-range"), "bytes */48213");
    await bad.body?.cancel();
    const head = await fetch(String(file.url), { method: "HEAD" });
    assert.equal(head.headers.get("content-length"), "48213");
    for (const c of [bob, carol, alice]) await c.close();
    await eve.close();
  });
});

Deno.test("plain /upload gives a one-time URL for curl -T; a used URL is refused", async () => {
  await withFiles([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const dave = await joinPlain(s.port, "dave");
    const { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
    await alice.send("/upload notes.txt 5");
    const line = await alice.until((l) => l.startsWith("* Upload notes.txt with: curl -T FILE "));
    const url = /curl -T FILE (\S+)/.exec(line)![1];
    const file = await Deno.makeTempFile();
    await Deno.writeTextFile(file, "hi!\n\n");
    const curl = await new Deno.Command("curl", { args: ["-sS", "-f", "-T", file, url] }).output();
    assert.ok(curl.success, new TextDecoder().decode(curl.stderr));
    const m = await bob.event("message");
    assert.equal((m.file as Record<string, unknown>).size, 5);
    assert.match(
      await dave.until((l) => l.includes("shared")),
      /^\* alice shared notes\.txt \(5 B\): /,
    );
    const again = await put(url, "hi!\n\n");
    assert.equal(again.status, 404);
    assert.match(again.text, /unknown, used or expired/);
    await alice.send("/upload notes.txt many");
    assert.match(
      await alice.until((l) => l.startsWith("!")),
      /^! bad_request: many is not a size in bytes/,
    );
    await Deno.remove(file);
    await alice.close();
    await dave.close();
    await bob.close();
  });
});

Deno.test("too large: refused at the request, and when the PUT lies about its size; nothing stored", async () => {
  await withFiles(["--max-file-size", "1k"], async (s, dir) => {
    const { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
    const big = await grant(bob, "big.bin", 2000);
    assert.deepEqual([big.type, big.code, big.ref], ["error", "too_large", "u"]);
    assert.match(String(big.message), /big\.bin is 2\.0 kB: this server takes files up to 1\.0 kB/);
    // Announced 10, sends more: with a Content-Length, and without one (chunked).
    let g = await grant(bob, "liar.bin", 10);
    let r = await put(String(g.url), new Uint8Array(500));
    assert.equal(r.status, 413, r.text);
    assert.match(r.text, /exactly 10 bytes, not 500/);
    g = await grant(bob, "liar2.bin", 10);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(8));
        c.enqueue(new Uint8Array(8));
        c.close();
      },
    });
    r = await put(String(g.url), stream);
    assert.equal(r.status, 413, r.text);
    assert.match(r.text, /more than the 10 bytes announced/);
    // Fewer bytes than announced.
    g = await grant(bob, "short.bin", 100);
    const short = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(40));
        c.close();
      },
    });
    r = await put(String(g.url), short);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, /40 of the 100 bytes announced arrived/);
    assert.deepEqual(await listDir(dir), []);
    // The room carries on: a good one still works.
    g = await grant(bob, "ok.bin", 3);
    r = await put(String(g.url), "abc");
    assert.equal(r.status, 201);
    await bob.event("ack");
    await bob.close();
  });
});

Deno.test("a connection cut mid-upload leaves nothing on disk and the quota as it was", async () => {
  await withFiles(["--max-files-bytes", "3000"], async (s, dir) => {
    const { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
    const g = await grant(bob, "cut.bin", 2000);
    const url = new URL(String(g.url));
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(url.port) });
    await conn.write(
      encoder.encode(
        `PUT ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 2000\r\n\r\n`,
      ),
    );
    await conn.write(new Uint8Array(700));
    await new Promise((r) => setTimeout(r, 200));
    conn.close();
    // The space reserved for it comes back: a 2000-byte file still fits in 3000.
    let ok: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) {
      ok = await grant(bob, "after.bin", 2000);
      if (ok.type === "upload") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ok.type, "upload", JSON.stringify(ok));
    const names = await listDir(dir);
    assert.ok(!names.some((n) => n.endsWith(".part")), names.join(", "));
    assert.deepEqual(names, []);
    // While it is granted, the space is taken: another 2000 does not fit.
    const full = await grant(bob, "more.bin", 2000);
    assert.deepEqual([full.type, full.code], ["error", "too_large"]);
    assert.match(String(full.message), /space for files is full/);
    const r = await put(String(ok.url), new Uint8Array(2000));
    assert.equal(r.status, 201);
    await bob.close();
  });
});

Deno.test("names with path tricks, NUL, 10 000 characters or RTL overrides are cleaned", async () => {
  await withFiles(["--max-line", "64k"], async (s) => {
    const { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
    const { client: carol } = await joinJson(s.port, "carol", { rooms: ["lobby"] });
    const cases: [string, string | RegExp][] = [
      ["../../etc/passwd", "passwd"],
      ["..\\..\\boot.ini", "boot.ini"],
      ["a\u0000b.txt", "ab.txt"],
      ["photo\u202egpj.exe", "photogpj.exe"],
      [".hidden", "hidden"],
      ["x".repeat(10_000) + ".txt", /^x{196}\.txt$/],
      ["", "file"],
    ];
    // A member may ask for 5 uploads at once, then one every 12 s: two members share the cases.
    for (const [i, [raw, want]] of cases.entries()) {
      const who = i < 4 ? bob : carol;
      const g = await grant(who, raw, 1);
      assert.equal(g.type, "upload", JSON.stringify(g));
      if (typeof want === "string") assert.equal(g.name, want);
      else assert.match(String(g.name), want);
      assert.equal((await put(String(g.url), "x")).status, 201);
      const m = await who.event("ack");
      assert.ok(m.seq);
    }
    await grant(bob, "five.txt", 1);
    const slow = await grant(bob, "six.txt", 1);
    assert.deepEqual([slow.type, slow.code], ["error", "rate_limited"]);
    assert.match(String(slow.message), /sharing files too fast: wait \d+ s/);
    await bob.close();
    await carol.close();
  });
});

Deno.test("HTML and SVG with script download as attachments that cannot run in the page's origin", async () => {
  await withFiles([], async (s) => {
    const { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
    const { client: carol } = await joinJson(s.port, "carol", { rooms: ["lobby"] });
    for (
      const [name, body, type] of [
        ["evil.html", "<script>alert(document.cookie)</script>", "text/html"],
        [
          "evil.svg",
          '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
          "image/svg+xml",
        ],
        ["pic.png", "\x89PNG\r\n\x1a\n", "image/png"],
      ]
    ) {
      const g = await grant(bob, name, encoder.encode(body).length);
      assert.equal((await put(String(g.url), body)).status, 201);
      const m = await carol.event("message");
      const file = m.file as Record<string, string>;
      const res = await fetch(file.url);
      await res.body?.cancel();
      assert.equal(res.headers.get("content-type"), type);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.match(res.headers.get("content-security-policy")!, /default-src 'none'.*sandbox/);
      // Only raster images are shown inline, for the page's thumbnails.
      const inline = name.endsWith(".png");
      assert.match(res.headers.get("content-disposition")!, inline ? /^inline;/ : /^attachment;/);
    }
    await bob.close();
    await carol.close();
  });
});

Deno.test("bans hold for files: a banned address gets 403 for uploads and downloads", async () => {
  await withFiles([], async (s) => {
    const { client: op } = await joinJson(s.port, "op", { rooms: ["lobby"] });
    await op.sendJson({ type: "op", password: "hunter2" });
    await op.event("notice");
    const g = await grant(op, "a.txt", 1);
    assert.equal((await put(String(g.url), "a")).status, 201);
    const file = ((await op.event("message").catch(() => null)) ?? {}) as Record<string, unknown>;
    void file;
    await op.sendJson({ type: "ban", target: "127.0.0.1", reason: "test" });
    await op.closed();
    const res = await fetch(`${s.http}/files/AAAAAAAAAAAAAAAAAAAAAA/a.txt`);
    assert.equal(res.status, 403);
    assert.match(await res.text(), /banned/);
    const up = await fetch(`${s.http}/files/upload/AAAAAAAAAAAAAAAAAAAAAA`, {
      method: "PUT",
      body: "x",
    });
    assert.equal(up.status, 403);
    await up.body?.cancel();
  }, { CHAT_OP_PASSWORD: "hunter2" });
});

Deno.test("unknown files are 404, wrong methods 405; --no-web turns sharing off with a clear error", async () => {
  await withFiles([], async (s) => {
    for (
      const path of ["/files/nope/x", "/files/AAAAAAAAAAAAAAAAAAAAAA/x", "/files/../../etc/passwd"]
    ) {
      const r = await fetch(s.http + path);
      assert.equal(r.status, 404, path);
      await r.body?.cancel();
    }
    const post = await fetch(`${s.http}/files/upload/x`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  });
  const { startServer } = await import("./helpers.ts");
  const s = await startServer(["--no-web"]);
  try {
    const { client } = await joinJson(s.port, "bob");
    const g = await grant(client, "a.txt", 1);
    assert.deepEqual([g.type, g.code], ["error", "upload_failed"]);
    assert.match(String(g.message), /file sharing is off on this server \(it runs with --no-web\)/);
    await client.close();
  } finally {
    await s.stop();
  }
});

Deno.test("retention deletes the files of deleted messages; a restart keeps files and their messages", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-files-retain-" });
  const db = `${dir}/chat.db`;
  const files = `${dir}/chat-files`;
  try {
    // The same web port both times: file URLs name it (set --web-url where it may change).
    const { freePort } = await import("./join_helpers.ts");
    const web = String(freePort());
    let s = await startWebServer(["--db", db, "--retain", "3", "--web-port", web]);
    let { client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] });
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const g = await grant(bob, `f${i}.txt`, 2);
      assert.equal((await put(String(g.url), `f${i}`)).status, 201);
      await bob.event("ack");
    }
    await bob.sendJson({ type: "who" });
    await s.stop();
    // Default --files-dir: beside the database.
    assert.equal((await listDir(files)).filter((n) => !n.endsWith(".json")).length, 2);
    s = await startWebServer(["--db", db, "--retain", "3", "--web-port", web]);
    ({ client: bob } = await joinJson(s.port, "bob", { rooms: ["lobby"] }));
    const hist = (await joinJson(s.port, "viewer")).welcome.history as Record<string, unknown>[];
    for (const m of hist) urls.push(String((m.file as Record<string, string>).url));
    assert.equal(urls.length, 2);
    for (const u of urls) {
      assert.equal(await fetch(u).then((r) => r.text()), u.includes("f0") ? "f0" : "f1");
    }
    // Three more messages push both file messages out (keep 3): their files go too.
    for (let i = 0; i < 3; i++) await bob.sendJson({ type: "say", text: `m${i}` });
    for (let i = 0; i < 3; i++) await bob.event("ack");
    const deadline = Date.now() + 30_000;
    while ((await listDir(files)).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(await listDir(files), []);
    assert.equal((await fetch(urls[0])).status, 404);
    await bob.close();
    await s.stop();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
