// The room password over real sockets, in every client: netcat (plain),
// JSON, WebSocket, chat join in a pipe and in a terminal; and the backoff
// that slows one guessing address without slowing anyone else.
import assert from "node:assert/strict";
import { LineClient, type ServerProcess, startServer, waitFor } from "./helpers.ts";
import { HAS_TMUX, runJoinPiped, Terminal } from "./join_helpers.ts";
import { startWebServer, WsClient } from "./web_helpers.ts";

const PASSWORD = "open sesame";

async function withPassword(
  fn: (server: ServerProcess, file: string) => Promise<void>,
  args: string[] = [],
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-password-test-" });
  const file = `${dir}/password`;
  await Deno.writeTextFile(file, PASSWORD + "\n");
  const server = await startServer(["--password-file", file, ...args]);
  try {
    await fn(server, file);
    assert.ok(!server.stderr.some((l) => /BUG|Uncaught/.test(l)), server.stderr.join("\n"));
  } finally {
    await server.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
}

/** Plain mode: the name, then the answer to "* Password:"; returns the reply line. */
async function plainAttempt(port: number, name: string, password: string, from?: string) {
  const c = await LineClient.connect(port, from);
  await c.line(); // banner
  await c.send(name);
  assert.equal(await c.line(), "* Password:");
  await c.send(password);
  const reply = await c.line(40000);
  return { c, reply };
}

Deno.test("netcat: the password is asked after the name; right joins, wrong closes with auth_failed", async () => {
  await withPassword(async (server) => {
    const { c: alice, reply } = await plainAttempt(server.port, "alice", PASSWORD);
    assert.match(reply, /^\* Welcome, alice! 1 online: alice\./);
    const { c: eve, reply: refused } = await plainAttempt(server.port, "eve", "guess");
    assert.equal(refused, "! auth_failed: wrong password, check it and reconnect to try again");
    await eve.closed();
    // a blank line at the prompt is ignored; a bad name is refused before the password
    const bob = await LineClient.connect(server.port);
    await bob.line();
    await bob.send("no spaces allowed");
    assert.match(await bob.line(), /^! bad_name: /);
    await bob.send("bob");
    assert.equal(await bob.line(), "* Password:");
    await bob.send("");
    await bob.send(PASSWORD);
    assert.match(await bob.line(), /^\* Welcome, bob! 2 online/);
    // nothing of the failed attempt reached the room
    await alice.send("/who");
    assert.equal(await alice.until((l) => l.includes("online")), "* 2 online: alice, bob");
    assert.ok(!alice.buffered.some((l) => l.includes("eve")));
    await waitFor(
      () =>
        server.stderr.some((l) =>
          /WARN .*wrong password from 127\.0\.0\.1 \(tcp 127\.0\.0\.1:\d+\): 1 failure/.test(l)
        ),
      "the failure logged with the address",
    );
    await alice.close();
    await bob.close();
  });
});

Deno.test("JSON mode: hello.password right, wrong and missing", async () => {
  await withPassword(async (server) => {
    const attempt = async (extra: Record<string, unknown>) => {
      const c = await LineClient.connect(server.port);
      await c.line();
      await c.sendJson({ type: "hello", name: "bot", ...extra });
      const e = await c.json();
      return { c, e };
    };
    const missing = await attempt({});
    assert.deepEqual(missing.e, {
      type: "error",
      code: "auth_failed",
      message: "this room needs a password: send it in hello.password",
    });
    await missing.c.closed();
    const wrong = await attempt({ password: "nope" });
    assert.equal(wrong.e.code, "auth_failed");
    await wrong.c.closed();
    const right = await attempt({ password: PASSWORD });
    assert.equal(right.e.type, "welcome");
    // a refused name after the password may be retried without it
    const again = await attempt({ password: PASSWORD });
    assert.equal(again.e.code, "name_taken");
    await again.c.sendJson({ type: "hello", name: "bot2" });
    assert.equal((await again.c.json()).type, "welcome");
    await right.c.close();
    await again.c.close();
  });
});

Deno.test("WebSocket: hello.password right, wrong and missing", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/pw`, PASSWORD);
  const server = await startWebServer(["--password-file", `${dir}/pw`]);
  try {
    for (
      const [extra, want] of [[{}, "auth_failed"], [{ password: "x" }, "auth_failed"]] as const
    ) {
      const c = await WsClient.connect(server.http);
      await c.next(); // banner
      c.send({ type: "hello", name: "web", ...extra });
      const e = await c.next();
      assert.equal(e.code, want);
      await c.closedPromise;
    }
    const { client, welcome } = await WsClient.join(server.http, "web", { password: PASSWORD });
    assert.equal(welcome.name, "web");
    await client.close();
  } finally {
    await server.stop("SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat join in a pipe: --password-file, CHAT_PASSWORD, wrong and missing", async () => {
  await withPassword(async (server, file) => {
    const port = String(server.port);
    let r = await runJoinPiped(["--name", "ci", "--port", port, "--password-file", file], "one\n");
    assert.equal(r.code, 0, r.stderr);
    r = await runJoinPiped(["--name", "ci", "--port", port], "two\n", 20000, {
      CHAT_PASSWORD: PASSWORD,
    });
    assert.equal(r.code, 0, r.stderr);
    r = await runJoinPiped(["--name", "ci", "--port", port], "three\n", 20000, {
      CHAT_PASSWORD: "bad",
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the server refused the password \(wrong password/);
    r = await runJoinPiped(["--name", "ci", "--port", port], "four\n");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /the room needs a password: pass --password-file FILE or set CHAT_PASSWORD/,
    );
    r = await runJoinPiped(
      ["--name", "ci", "--port", port, "--password-file", `${file}.missing`],
      "",
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot read --password-file .*\.missing: no such file/);
  });
});

Deno.test({
  name: "chat join in a terminal asks for the password without echoing it, and again when wrong",
  ignore: !HAS_TMUX,
  async fn() {
    await withPassword(async (server) => {
      const t = await Terminal.start(["--name", "tty", "--port", String(server.port)]);
      try {
        await t.waitForText("This room needs a password.");
        await t.waitForText("Password:");
        await t.type("wrong guess");
        const typed = await t.screen();
        assert.ok(!typed.some((r) => r.includes("wrong guess")), typed.join("\n"));
        await t.keys("Enter");
        await t.waitForText("Wrong password.");
        await t.type(PASSWORD);
        await t.keys("Enter");
        const rows = await t.waitForText("Welcome, tty!");
        assert.ok(!rows.some((r) => r.includes(PASSWORD)), rows.join("\n"));
      } finally {
        await t.kill();
      }
    });
  },
});

Deno.test("after 3 failures an address waits before each answer; another address is not slowed", async () => {
  await withPassword(async (server) => {
    const timed = async (from?: string) => {
      const t0 = Date.now();
      const { c, reply } = await plainAttempt(server.port, "guesser", "wrong", from);
      await c.close();
      assert.match(reply, /^! auth_failed/);
      return Date.now() - t0;
    };
    for (let i = 0; i < 3; i++) {
      assert.ok((await timed()) < 800, "the first three are answered at once");
    }
    const fourth = await timed();
    assert.ok(fourth >= 900, `the fourth failure was answered after ${fourth} ms`);
    // 127.0.0.2 is another machine: answered at once, also while 127.0.0.1 is slowed
    assert.ok((await timed("127.0.0.2")) < 800);
    const { c, reply } = await plainAttempt(server.port, "friend", PASSWORD, "127.0.0.2");
    assert.match(reply, /^\* Welcome, friend!/);
    await c.close();
    // the right password from the slowed address is answered after the wait, and let in
    const t0 = Date.now();
    const ok = await plainAttempt(server.port, "alice", PASSWORD);
    assert.match(ok.reply, /^\* Welcome, alice!/);
    assert.ok(Date.now() - t0 >= 1800, "the fifth attempt waited twice as long");
    await ok.c.close();
  });
});

Deno.test("wrong guesses sent at once from one address wait as long as the same guesses one after another", async () => {
  await withPassword(async (server) => {
    // A fresh address; each guess on its own connection, all at once.
    const guess = async () => {
      const c = await LineClient.connect(server.port, "127.0.0.5");
      await c.line(); // banner
      await c.send("guesser");
      assert.equal(await c.line(), "* Password:");
      return c;
    };
    const clients = await Promise.all(Array.from({ length: 6 }, guess));
    const t0 = Date.now();
    const times = await Promise.all(clients.map(async (c) => {
      await c.send("wrong");
      assert.match(await c.line(20000), /^! auth_failed/);
      await c.close();
      return Date.now() - t0;
    }));
    times.sort((a, b) => a - b);
    // One after another: 3 at once, then 1 s, 2 s, 4 s apart (at 1, 3 and 7 s).
    assert.ok(times[2] < 800, `the free three took ${times.slice(0, 3)} ms`);
    const want = [0, 0, 0, 1000, 3000, 7000];
    for (let i = 3; i < 6; i++) {
      assert.ok(times[i] >= want[i] - 100, `answers at ${times.join(", ")} ms; expected ${want}`);
      assert.ok(times[i] < want[i] + 1500, `answers at ${times.join(", ")} ms; expected ${want}`);
    }
    // Another address is not slowed meanwhile.
    const t1 = Date.now();
    const { c } = await plainAttempt(server.port, "friend", PASSWORD, "127.0.0.6");
    await c.close();
    assert.ok(Date.now() - t1 < 800);
  });
});

Deno.test("SIGHUP re-reads the password file; a broken one is logged and the old kept", async () => {
  await withPassword(async (server, file) => {
    await Deno.writeTextFile(file, "new secret\n");
    server.child.kill("SIGHUP");
    await waitFor(
      () => server.stderr.some((l) => l.includes("reloaded the room password")),
      "reload",
    );
    const a = await plainAttempt(server.port, "a", "new secret");
    assert.match(a.reply, /^\* Welcome, a!/);
    await a.c.close();
    await Deno.remove(file);
    server.child.kill("SIGHUP");
    await waitFor(
      () =>
        server.stderr.some((l) =>
          /ERROR cannot read --password-file .*keeping the password/.test(l)
        ),
      "the failed reload",
    );
    const b = await plainAttempt(server.port, "b", "new secret");
    assert.match(b.reply, /^\* Welcome, b!/);
    await b.c.close();
  });
});
