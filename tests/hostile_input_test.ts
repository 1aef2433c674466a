import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, withServer } from "./helpers.ts";

// Bad input: each gets its clear error, and everyone else still gets everything else.

Deno.test("a 200 KB line is refused with line_too_long; the lines around it go through", async () => {
  await withServer([], async ({ port }) => {
    const watcher = await joinPlain(port, "watcher");
    const bob = await joinPlain(port, "bob");
    await watcher.line(); // bob joined
    await bob.sendRaw("before\n" + "x".repeat(200 * 1024) + "\nafter\n");
    assert.equal(
      await bob.line(),
      "! line_too_long: the line was longer than 4096 bytes and was not sent, split it up",
    );
    assert.equal(await watcher.line(), "bob: before");
    assert.equal(await watcher.line(), "bob: after");
    // JSON mode: the same limit, the same error as an event.
    const { client: j } = await joinJson(port, "j");
    await j.send(JSON.stringify({ type: "say", text: "y".repeat(5000) }));
    const e = await j.event("error");
    assert.equal(e.code, "line_too_long");
    await j.sendJson({ type: "say", text: "fine", ref: "f" });
    assert.equal((await j.event("ack")).ref, "f");
    assert.equal(await watcher.until((l) => l.startsWith("j:")), "j: fine");
    for (const c of [watcher, bob, j]) await c.close();
  });
});

Deno.test("--max-line sets the limit; a line exactly at it passes", async () => {
  await withServer(["--max-line", "100"], async ({ port }) => {
    const watcher = await joinPlain(port, "watcher");
    const bob = await joinPlain(port, "bob");
    await watcher.line();
    await bob.send("a".repeat(100));
    await bob.send("b".repeat(101));
    assert.match(await bob.line(), /^! line_too_long: .*100 bytes/);
    assert.equal(await watcher.line(), "bob: " + "a".repeat(100));
    for (const c of [watcher, bob]) await c.close();
  });
});

Deno.test("invalid UTF-8 becomes U+FFFD, never passed through", async () => {
  await withServer([], async ({ port }) => {
    const watcher = await joinPlain(port, "watcher");
    const bob = await joinPlain(port, "bob");
    await watcher.line();
    await bob.sendRaw(new Uint8Array([0x61, 0xff, 0x62, 0xc3, 0x28, 0xe2, 0x82, 0x0a]));
    await bob.send("ok é");
    assert.equal(await watcher.line(), "bob: a\uFFFDb\uFFFD(\uFFFD");
    assert.equal(await watcher.line(), "bob: ok é");
    for (const c of [watcher, bob]) await c.close();
  });
});

Deno.test("ANSI/OSC escapes and C0/C1 controls are removed from texts; names with them are refused", async () => {
  await withServer([], async ({ port }) => {
    const watcher = await joinPlain(port, "watcher");
    const { client: json } = await joinJson(port, "j");
    const bob = await joinPlain(port, "bob");
    const texts: [string, string][] = [
      ["\x1b[31mred\x1b[0m text", "red text"],
      ["\x1b]0;pwned title\x07after", "after"],
      ["\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"],
      ["bell\x07 back\x08space del\x7f", "bell backspace del"],
      ["c1\u009b2J csi \u0085nel \u009dosc\u009c end", "c1 csi nel  end"],
      ["tab\tkept", "tab\tkept"],
      ["\x1b[2J\x1b[H", ""], // nothing left: not relayed at all
      ["cursor\x1b[10;10Hmove", "cursormove"],
    ];
    for (const [raw] of texts) await bob.send(raw);
    await bob.send("the end");
    for (const [, clean] of texts) {
      if (clean !== "") {
        assert.equal(await watcher.until((l) => !l.startsWith("* ")), `bob: ${clean}`);
      }
    }
    assert.equal(await watcher.until((l) => !l.startsWith("* ")), "bob: the end");
    // JSON text: escapes inside JSON strings are removed as well.
    await json.sendJson({ type: "say", text: "\u001b[1mbold\u001b[0m\u0000", ref: "x" });
    assert.equal(await watcher.until((l) => l.startsWith("j:")), "j: bold");
    // Names: refused with bad_name, and the retry works.
    const c = await LineClient.connect(port);
    await c.line();
    for (const name of ["\x1b[31mevil", "ev\u009bil", "e\x07vil"]) {
      await c.send(name);
      assert.match(await c.line(), /^! bad_name: /);
    }
    await c.send("good");
    await c.until((l) => l.startsWith("* Welcome, good!"));
    assert.equal(await watcher.until((l) => l.includes("joined")), "* good joined the chat");
    for (const x of [watcher, json, bob, c]) await x.close();
  });
});

Deno.test("bytes arriving one at a time and many lines in one packet", async () => {
  await withServer(["--rate-limit", "0"], async ({ port }) => {
    const watcher = await joinPlain(port, "watcher");
    const c = await LineClient.connect(port);
    await c.line();
    const bytes = new TextEncoder().encode("slowpoke\r\nhé\u{1F600}llo\r\n");
    for (const b of bytes) {
      await c.sendRaw(new Uint8Array([b]));
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.match(await c.line(), /^\* Welcome, slowpoke!/);
    assert.equal(await watcher.until((l) => !l.startsWith("* ")), "slowpoke: hé\u{1F600}llo");
    let packet = "";
    for (let i = 0; i < 500; i++) packet += `line ${i}\n`;
    await c.sendRaw(packet);
    for (let i = 0; i < 500; i++) assert.equal(await watcher.line(), `slowpoke: line ${i}`);
    for (const x of [watcher, c]) await x.close();
  });
});

Deno.test("no name within the handshake timeout: the connection is closed; members stay", async () => {
  await withServer(["--handshake-timeout", "0.3"], async ({ port }) => {
    const member = await joinPlain(port, "member");
    const silent = await LineClient.connect(port);
    await silent.line();
    await silent.closed(3000);
    assert.ok(silent.eof);
    assert.match(silent.buffered.join("\n"), /No name given in time/);
    // The member who did give a name is still there, long after the timeout.
    await member.send("/who");
    assert.equal(await member.line(), "* 1 online: member");
    await member.close();
  });
});

Deno.test("an abrupt disconnect (RST) in the middle of a line loses only that line", async () => {
  await withServer([], async ({ port, stderr }) => {
    const watcher = await joinPlain(port, "watcher");
    const raw = await Deno.connect({ hostname: "127.0.0.1", port });
    await new Promise((r) => setTimeout(r, 100)); // the banner arrives and stays unread
    const enc = new TextEncoder();
    await raw.write(enc.encode("rude\nwhole line\nhalf a li"));
    assert.equal(await watcher.line(), "* rude joined the chat");
    assert.equal(await watcher.line(), "rude: whole line");
    raw.close(); // unread data in our receive buffer: the kernel sends RST
    assert.equal(await watcher.line(), "* rude left the chat");
    const next = await joinPlain(port, "next");
    assert.equal(await watcher.line(), "* next joined the chat");
    await next.send("server is fine");
    assert.equal(await watcher.line(), "next: server is fine");
    assert.ok(!stderr.some((l) => /ERROR|Uncaught/.test(l)), stderr.join("\n"));
    for (const x of [watcher, next]) await x.close();
  });
});

Deno.test("more than --max-clients: server_full, and the room carries on", async () => {
  await withServer(["--max-clients", "2"], async ({ port }) => {
    const a = await joinPlain(port, "a");
    const b = await joinPlain(port, "b");
    const third = await LineClient.connect(port);
    assert.equal(
      await third.line(),
      "! server_full: the server is full (2 clients), try again later",
    );
    await third.closed();
    await b.send("still works");
    assert.equal(await a.until((l) => !l.startsWith("* ")), "b: still works");
    await b.send("/quit");
    await b.closed();
    // A place is free again once the server has read b's close too (b saw
    // EOF first: the server half-closes, then waits for b's side).
    let c: LineClient | undefined;
    for (let tries = 0; !c; tries++) {
      c = await joinPlain(port, "c").catch((err) => {
        if (tries >= 20) throw err;
        return new Promise<undefined>((r) => setTimeout(() => r(undefined), 50));
      });
    }
    for (const x of [a, c]) await x.close();
  });
});
