// Malformed and hostile input on the IRC port: every bad input gets a clear
// answer (or is dropped), and nothing else is lost; limits, TLS and pings.
import assert from "node:assert/strict";
import { joinPlain } from "./helpers.ts";
import { ircJoin, IrcTestClient, startIrcServer, withIrcServer } from "./irc_helpers.ts";
import { makeCerts } from "./tls_helpers.ts";

const encoder = new TextEncoder();

/** The stderr lines that mean a bug: none may appear. */
function bugs(stderr: string[]): string[] {
  return stderr.filter((l) => /BUG|ERROR/.test(l));
}

Deno.test("a 600-byte line gets 417 and is not relayed; the connection goes on", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    await bob.send(`PRIVMSG #lobby :${"x".repeat(600)}`);
    await bob.expect(/^:irc\.test 417 bob :Input line was too long/);
    // Far past any limit: the splitter's own cut, the same answer.
    await bob.send(`PRIVMSG #lobby :${"y".repeat(10_000)}`);
    await bob.expect(/ 417 bob /);
    await bob.send("PRIVMSG #lobby :short one");
    assert.equal(await alice.until((l) => l.startsWith("bob: ")), "bob: short one");
    // Tags do not count against the 512 bytes.
    await bob.send(`@label=${"t".repeat(600)} PRIVMSG #lobby :tagged`);
    assert.equal(await alice.until((l) => l.startsWith("bob: ")), "bob: tagged");
    await bob.close();
    await alice.close();
    assert.deepEqual(bugs(s.stderr), []);
  });
});

Deno.test("invalid UTF-8 becomes U+FFFD; NUL, colours and escapes are removed; a lone CR ends a line", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    await bob.sendRaw(
      new Uint8Array([
        ...encoder.encode("PRIVMSG #lobby :caf"),
        0xe9, // Latin-1 é: not UTF-8
        ...encoder.encode(" ok\r\n"),
      ]),
    );
    assert.equal(await alice.until((l) => l.startsWith("bob: ")), "bob: caf\ufffd ok");
    await bob.sendRaw("PRIVMSG #lobby :a\x00b \x02bold\x02 \x0304,01red\x03 \x1b[31mesc\r\n");
    assert.equal(await alice.until((l) => l.startsWith("bob: ")), "bob: ab bold red esc");
    await bob.sendRaw("PRIVMSG #lobby :one\rPRIVMSG #lobby :two\r\n");
    assert.equal(await alice.until((l) => l.startsWith("bob: ")), "bob: one");
    assert.equal(await alice.until((l) => l.startsWith("bob: ")), "bob: two");
    // Only formatting: nothing to send.
    await bob.sendRaw("PRIVMSG #lobby :\x02\x02\r\n");
    await bob.send("PING :after");
    await bob.expect(/PONG/);
    await bob.close();
    await alice.close();
    assert.deepEqual(bugs(s.stderr), []);
  });
});

Deno.test("every command without its parameters gets 461; garbage gets 421; the link stays", async () => {
  await withIrcServer([], async (s) => {
    const bob = await ircJoin(s.ircPort, "bob");
    const needs = [
      "JOIN",
      "PART",
      "TOPIC",
      "KICK",
      "KICK #lobby",
      "MODE",
      "OPER",
      "OPER bob",
      "WHOIS",
      "USERHOST",
      "ISON",
      "CAP",
      "AUTHENTICATE",
    ];
    for (const cmd of needs) {
      await bob.send(cmd);
      const name = cmd.split(" ")[0];
      await bob.expect(new RegExp(` 461 bob ${name} :Not enough parameters`));
    }
    for (const junk of [":prefixonly", "   ", "@tag=1", "\u00e9\u00e9", "123", ":x 001"]) {
      await bob.send(junk);
    }
    await bob.send("PING :still");
    const after = await bob.collect(/PONG/);
    for (const l of after.slice(0, -1)) assert.match(l, / 421 bob /);
    await bob.close();
    assert.deepEqual(bugs(s.stderr), []);
  });
});

Deno.test("a flood of PINGs is answered, each with its PONG, in order; flood control paces it", async () => {
  await withIrcServer(["--rate-limit", "50:100"], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    let flood = "";
    for (let i = 0; i < 200; i++) flood += `PING :p${i}\r\n`;
    await bob.sendRaw(flood + "PRIVMSG #lobby :after the flood\r\n");
    for (let i = 0; i < 200; i++) {
      const l = await bob.expect(/ PONG | NOTICE /, 10_000);
      if (/ NOTICE /.test(l)) {
        assert.match(l, /you are sending too fast/);
        i--;
        continue;
      }
      assert.equal(l, `:irc.test PONG irc.test :p${i}`);
    }
    assert.equal(await alice.until((l) => l.startsWith("bob: "), 10_000), "bob: after the flood");
    await bob.close();
    await alice.close();
  });
});

Deno.test("an IRC client that stops reading is dropped as slow; the others carry on", async () => {
  await withIrcServer(["--rate-limit", "0", "--max-outbox", "1m"], async (s) => {
    const watcher = await ircJoin(s.ircPort, "watcher", { rooms: ["lobby"] });
    // The staller registers and joins, then never reads again.
    const staller = await Deno.connect({ hostname: "127.0.0.1", port: s.ircPort });
    await staller.write(encoder.encode("NICK staller\r\nUSER s 0 * :s\r\nJOIN #lobby\r\n"));
    await watcher.expect(":staller!staller@chat JOIN #lobby");
    const flooder = await joinPlain(s.port, "flooder");
    await watcher.expect(":flooder!flooder@chat JOIN #lobby");
    const lines = 40_000;
    const perChunk = 500;
    const body = "z".repeat(400);
    let got = 0;
    let quit = "";
    // Closed loop: the flooder stays at most two chunks ahead of the
    // watcher, so the watcher is never the slow one.
    const sending = (async () => {
      for (let i = 0; i < lines; i += perChunk) {
        let chunk = "";
        for (let k = i; k < i + perChunk; k++) chunk += `${k} ${body}\n`;
        while (got < i - perChunk) await new Promise((r) => setTimeout(r, 1));
        await flooder.sendRaw(chunk);
      }
    })();
    while (got < lines) {
      const l = await watcher.expect(/ PRIVMSG | QUIT /, 20_000);
      if (l.includes(" QUIT ")) quit = l;
      else {
        assert.equal(l, `:flooder!flooder@chat PRIVMSG #lobby :${got} ${body}`);
        got++;
      }
    }
    await sending;
    assert.equal(quit, ":staller!staller@chat QUIT :Dropped: too slow to read");
    assert.ok(s.stderr.some((l) => /staller left \(slow\)/.test(l)), "the drop is logged");
    staller.close();
    await watcher.close();
    await flooder.close();
  });
});

Deno.test("per-address limits hold on the IRC port: refused in IRC's words", async () => {
  await withIrcServer(["--max-per-ip", "2"], async (s) => {
    const a = await ircJoin(s.ircPort, "a");
    const b = await ircJoin(s.ircPort, "b");
    const c = await IrcTestClient.connect(s.ircPort);
    await c.expect(/^ERROR :Closing Link: .*127\.0\.0\.1/);
    await c.closed();
    // Another address still gets in.
    const d = await IrcTestClient.connect(s.ircPort, "127.0.0.2");
    await d.register("d");
    for (const x of [a, b, d]) await x.close();
  });
});

Deno.test("the server PINGs a quiet client and drops it when no answer comes", async () => {
  await withIrcServer(["--ping-timeout", "15"], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const quiet = await ircJoin(s.ircPort, "quiet", { rooms: ["lobby"] });
    const lively = await ircJoin(s.ircPort, "lively", { rooms: ["lobby"] });
    // The hub sweeps every 5 s: a PING after two quiet sweeps, a drop after the third.
    const ping = await lively.expect(/^PING :irc\.test$/, 20_000);
    assert.equal(ping, "PING :irc.test");
    await lively.send("PONG :irc.test");
    await quiet.expect(/^PING /, 20_000);
    await quiet.expect(/^ERROR :Closing Link: Ping timeout/, 20_000);
    await quiet.closed();
    await lively.expect(":quiet!quiet@chat QUIT :Ping timeout", 5000);
    await alice.until((l) => l === "* quiet left the chat");
    await lively.close();
    await alice.close();
  });
});

Deno.test("with TLS the IRC port is TLS (ircs://); plain bytes sent to it are closed", async () => {
  const certs = await makeCerts();
  const s = await startIrcServer(["--tls-cert", certs.server.cert, "--tls-key", certs.server.key]);
  try {
    assert.ok(
      s.stdout.some((l) => /^chat irc on ircs:\/\/127\.0\.0\.1:\d+$/.test(l)),
      s.stdout.join("\n"),
    );
    const c = await IrcTestClient.connectTls(s.ircPort, certs.ca);
    await c.register("secure");
    await c.join("lobby");
    await c.send("PRIVMSG #lobby :over tls");
    const plain = await IrcTestClient.connect(s.ircPort);
    await plain.send("NICK nope");
    await plain.closed(10_000);
    await c.send("PING :ok");
    await c.expect(/PONG/);
    await c.close();
  } finally {
    await s.stop("SIGKILL");
    await certs.remove();
  }
});

Deno.test("a client that never registers is closed after --handshake-timeout", async () => {
  await withIrcServer(["--handshake-timeout", "1"], async (s) => {
    const c = await IrcTestClient.connect(s.ircPort);
    await c.send("NICK halfway");
    await c.expect(/NOTICE \* :No name given in time/, 5000);
    await c.closed();
  });
});
