import assert from "node:assert/strict";
import { joinJson, type LineClient, startServer, withServer } from "./helpers.ts";
import { freePort, HAS_TMUX, Terminal } from "./join_helpers.ts";

// `chat join` in a real terminal: tmux runs it, send-keys types, capture-pane reads the screen.

const ignore = !HAS_TMUX;
if (ignore) console.warn("tmux is not installed: the terminal tests of chat join are skipped");

const count = (rows: string[], text: string) => rows.filter((r) => r.includes(text)).length;

/** Runs `fn` with `chat join ARGS` in a terminal; always ends the session. */
async function withTerminal(
  args: string[],
  fn: (t: Terminal) => Promise<void>,
  size: [number, number] = [100, 30],
): Promise<void> {
  const t = await Terminal.start(args, ...size);
  try {
    await fn(t);
  } finally {
    await t.kill();
  }
}

Deno.test({
  name: "messages appear above a half-typed line, which stays intact; yours shows once, when acked",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, bob! 2 online: alice, bob.");
        await t.type("half a line 日本語 👍");
        await t.waitFor(
          (rows) => rows.some((r) => r === "bob #lobby> half a line 日本語 👍"),
          "typing",
        );
        for (let i = 1; i <= 3; i++) await alice.sendJson({ type: "say", text: `ping ${i}` });
        const half = "bob #lobby> half a line 日本語 👍";
        const rows = await t.waitFor(
          (rows) => rows.some((r) => r.includes("alice: ping 3")) && rows.includes(half),
          "the messages above the input line",
        );
        const input = rows.indexOf(half);
        assert.ok(rows.findIndex((r) => r.includes("alice: ping 1")) < input, rows.join("\n"));
        assert.equal(rows[input], "bob #lobby> half a line 日本語 👍");
        await t.waitForInput(half);
        await t.keys("Enter");
        const m = await alice.event("message");
        assert.equal(m.text, "half a line 日本語 👍");
        const after = await t.waitForText("bob: half a line");
        assert.equal(count(after, "half a line"), 1, after.join("\n"));
        assert.match(after.find((r) => r.includes("bob: half a line"))!, /^\d\d:\d\d bob: /);
        await t.waitForInput("bob #lobby>");
      });
      await alice.close();
    }),
});

Deno.test({
  name: "long lines with wide characters wrap under the text column, never by the terminal",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, bob!");
        const text = "漢字かな交じり文と絵文字👍🏽を含む長い行です。".repeat(4);
        await alice.sendJson({ type: "say", text });
        const rows = await t.waitForText("alice: 漢字");
        const first = rows.findIndex((r) => r.includes("alice: 漢字"));
        const indent = "00:00 alice: ".length;
        const body = [rows[first].slice(indent)];
        for (let i = first + 1; rows[i] && !rows[i].startsWith("bob #lobby>"); i++) {
          assert.match(rows[i], new RegExp(`^ {${indent}}\\S`), `row ${i} is aligned`);
          body.push(rows[i].slice(indent));
        }
        assert.ok(body.length >= 3, "the text was wrapped");
        assert.equal(body.join(""), text);
      }, [60, 30]);
      await alice.close();
    }),
});

Deno.test({
  name: "Tab completes commands and names; Up recalls what you sent; mentions are highlighted",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, bob!");
        await t.type("/ni");
        await t.keys("Tab");
        await t.waitForInput("bob #lobby> /nick");
        await t.keys("C-u");
        await t.type("hi al");
        await t.keys("Tab");
        await t.waitForInput("bob #lobby> hi alice");
        await t.keys("Enter");
        await alice.event("message");
        await t.waitForText("bob: hi alice");
        await t.keys("Up");
        await t.waitForInput("bob #lobby> hi alice");
        await t.keys("C-u");
        await alice.sendJson({ type: "say", text: "hey Bob, look" });
        await t.waitForText("alice: hey Bob, look");
        // Bold and reverse video on the text that mentions you.
        const styled = await t.screenWithStyles();
        assert.ok(
          styled.includes("\x1b[1m\x1b[7mhey Bob") || styled.includes("\x1b[1;7mhey Bob"),
          JSON.stringify(styled.split("\n").find((l) => l.includes("hey Bob"))),
        );
      });
      await alice.close();
    }),
});

Deno.test({
  name: "/help, /me, /msg, /who, //text, then /quit leaves cleanly with exit 0",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, bob!");
        await t.type("/help");
        await t.keys("Enter");
        await t.waitForText("/msg NAME TEXT, /dm");
        await t.type("/me waves");
        await t.keys("Enter");
        assert.equal((await alice.event("message")).action, true);
        await t.waitForText("* bob waves");
        await t.type("/msg alice psst");
        await t.keys("Enter");
        assert.equal((await alice.event("dm")).text, "psst");
        await t.waitForText("(private) to alice: psst");
        await t.type("//slash");
        await t.keys("Enter");
        assert.equal((await alice.event("message")).text, "/slash");
        await t.type("/who");
        await t.keys("Enter");
        await t.waitForText("2 online: alice, bob");
        await t.type("/quit");
        await t.keys("Enter");
        await t.waitForText("EXITED=0");
        const leave = await alice.event("leave");
        assert.deepEqual([leave.name, leave.reason], ["bob", "quit"]);
      });
      await alice.close();
    }),
});

Deno.test({
  name:
    "no --name: it asks; a taken name gets the server's reason and is asked again; Ctrl-C exits 0",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      await withTerminal(["--port", String(port)], async (t) => {
        await t.waitForText("Your name:");
        await t.type("ALICE");
        await t.keys("Enter");
        await t.waitForText("the name ALICE is taken, choose another");
        await t.waitForText("Choose another name:");
        await t.type("bad name");
        await t.keys("Enter");
        await t.waitForText("a name may only contain letters");
        await t.type("bob");
        await t.keys("Enter");
        await t.waitForText("Welcome, bob!");
        await t.keys("C-c");
        await t.waitForText("EXITED=0");
        assert.equal((await alice.event("leave")).reason, "quit");
      });
      await alice.close();
    }),
});

Deno.test({
  name: "lines typed while it joins are sent once joined, in order, none lost",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      await withTerminal(["--port", String(port)], async (t) => {
        await t.waitForText("Your name:");
        // One keystroke burst: readline reads all of it before the
        // connection is even opened, so both lines come while it joins.
        await t.type("bob\ntyped ahead 1\ntyped ahead 2\n");
        assert.equal((await alice.event("message")).text, "typed ahead 1");
        assert.equal((await alice.event("message")).text, "typed ahead 2");
        await t.waitForText("bob: typed ahead 2");
        await t.waitForInput("bob #lobby>");
      });
      await alice.close();
    }),
});

async function say(c: LineClient, text: string): Promise<void> {
  await c.sendJson({ type: "say", text, ref: text });
  await c.until((l) => l.includes(`"ref":"${text}"`));
}

Deno.test({
  name: "server restarts (history in memory): it says so, reconnects, and shows what comes next",
  ignore,
  fn: async () => {
    let server = await startServer([]);
    const port = server.port;
    try {
      const { client: a1 } = await joinJson(port, "alice");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, bob!");
        for (const text of ["one", "two", "three"]) await say(a1, text);
        await t.waitForText("alice: three");
        await server.stop("SIGTERM");
        await t.waitForText("server: server is shutting down");
        await t.waitForText(`the connection to 127.0.0.1:${port} was lost; reconnecting in`);
        server = await startServer(["--port", String(port)]);
        await t.waitForText("reconnected as bob", 15000);
        // The new server counts from seq 1 again: that must not look like old news.
        const { client: a2 } = await joinJson(port, "alice");
        await say(a2, "after the restart");
        const rows = await t.waitForText("alice: after the restart");
        for (const text of ["one", "two", "three", "after the restart"]) {
          assert.equal(count(rows, `alice: ${text}`), 1, text);
        }
        await a2.close();
      });
      await a1.close();
    } finally {
      await server.stop("SIGKILL");
    }
  },
});

Deno.test({
  name: "server restarts with --db: resumes from the last seq, no message missed, none twice",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-join-test-" });
    const db = `${dir}/chat.db`;
    let server = await startServer(["--db", db]);
    const port = server.port;
    try {
      const { client: a1 } = await joinJson(port, "alice");
      await say(a1, "before 1");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("alice: before 1"); // history
        await say(a1, "before 2");
        await t.waitForText("alice: before 2");
        await server.stop("SIGTERM");
        await t.waitForText("reconnecting in");
        server = await startServer(["--db", db, "--port", String(port)]);
        // Usually posted while bob waits to retry (then it comes in the resumed
        // history); if bob is back first, it comes live. Either way: once.
        const { client: a2 } = await joinJson(port, "alice");
        await say(a2, "while away");
        await t.waitForText("reconnected as bob", 15000);
        await say(a2, "after");
        const rows = await t.waitForText("alice: after");
        for (const text of ["before 1", "before 2", "while away", "after"]) {
          assert.equal(count(rows, `alice: ${text}`), 1, `${text}:\n${rows.join("\n")}`);
        }
        await a2.close();
      });
      await a1.close();
    } finally {
      await server.stop("SIGKILL");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "in a terminal too, nothing listening: one line naming host:port, exit 1",
  ignore,
  fn: async () => {
    const port = freePort();
    await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
      const rows = await t.waitForText("EXITED=1");
      assert.ok(
        rows.includes(
          `chat join: cannot connect to 127.0.0.1:${port}: connection refused. Is chat serve running there?`,
        ),
        rows.join("\n"),
      );
    });
  },
});
