import assert from "node:assert/strict";
import { LineSplitter, TOO_LONG } from "../protocol/line_splitter.ts";
import { startCluster } from "./cluster_helpers.ts";
import { joinJson, type LineClient, startServer, waitFor, withServer } from "./helpers.ts";
import { freePort, HAS_TMUX, runJoinPiped, Terminal } from "./join_helpers.ts";

// `chat join --host a,b`: the servers tried in turn, failover when one dies;
// message ids on every say/me, and the same id again after server_error or a
// reconnect.

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const lines = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join("");
const encoder = new TextEncoder();
const HAS_REDIS = (() => {
  try {
    return new Deno.Command("redis-server", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
if (!HAS_REDIS) console.warn("redis-server is not installed: the cluster failover test is skipped");

/** Reads `n` messages from a JSON client; their texts. */
async function texts(c: LineClient, n: number, timeoutMs = 15000): Promise<string[]> {
  const got: string[] = [];
  while (got.length < n) got.push(String((await c.event("message", timeoutMs)).text));
  return got;
}

Deno.test("--host DEAD,LIVE: the dead one is noted, the lines arrive through the live one", async () => {
  await withServer([], async ({ port }) => {
    const dead = freePort();
    const { client: watch } = await joinJson(port, "watch");
    const list = await runJoinPiped(
      ["--name", "ci", "--host", `127.0.0.1:${dead},127.0.0.1:${port}`],
      "one\ntwo\n",
    );
    assert.equal(list.code, 0, list.stderr);
    assert.equal(
      list.stderr,
      `chat join: cannot connect to 127.0.0.1:${dead}: connection refused; trying 127.0.0.1:${port}\n`,
    );
    assert.deepEqual(await texts(watch, 2), ["one", "two"]);
    // The same as --host given twice, a port from --port for the entry without one.
    const repeated = await runJoinPiped(
      ["--name", "ci", "--host", `127.0.0.1:${dead}`, "--host", "127.0.0.1", "--port", `${port}`],
      "three\n",
    );
    assert.equal(repeated.code, 0, repeated.stderr);
    assert.deepEqual(await texts(watch, 1), ["three"]);
    // And from CHAT_HOST.
    const env = await runJoinPiped(["--name", "ci"], "four\n", 20000, {
      CHAT_HOST: `127.0.0.1:${dead}, 127.0.0.1:${port}`,
    });
    assert.equal(env.code, 0, env.stderr);
    assert.deepEqual(await texts(watch, 1), ["four"]);
    await watch.close();
  });
});

Deno.test("every server in the list unreachable: a note for each, the last line as with one, exit 1", async () => {
  const [a, b] = [freePort(), freePort()];
  const result = await runJoinPiped(["--name", "ci", "--host", `127.0.0.1:${a},127.0.0.1:${b}`]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `chat join: cannot connect to 127.0.0.1:${a}: connection refused; trying 127.0.0.1:${b}\n` +
      `chat join: cannot connect to 127.0.0.1:${b}: connection refused. Is chat serve running there?\n`,
  );
});

Deno.test("a bad --host entry is a usage error that names it, exit 2", async () => {
  for (const [host, named] of [[":x", '":x"'], ["a,,b", '"a,,b"'], ["ok,b:99999", '"b:99999"']]) {
    const result = await runJoinPiped(["--name", "ci", "--host", host]);
    assert.equal(result.code, 2, host);
    assert.match(result.stderr, /^chat join: --host .+\nRun chat join --help for every flag\.\n$/);
    assert.ok(result.stderr.includes(named), result.stderr);
  }
  const help = await runJoinPiped(["--help"]);
  assert.match(help.stdout, /--host HOST\[:PORT\]\s+server address; several \(a,b:9000/);
});

Deno.test("pipe: a server killed mid-session, the client goes on with the next one in the list", async () => {
  // Slow flood control on the first, so that the kill lands with lines unacked.
  const a = await startServer(["--rate-limit", "4:1"]);
  const b = await startServer([]);
  try {
    const { client: watchA } = await joinJson(a.port, "watch");
    const { client: watchB } = await joinJson(b.port, "watch");
    const running = runJoinPiped(
      ["--name", "ci", "--host", `127.0.0.1:${a.port},127.0.0.1:${b.port}`],
      lines(12),
    );
    const onA = await texts(watchA, 2);
    await a.stop("SIGKILL");
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `^chat join: lost the connection to 127\\.0\\.0\\.1:${a.port}; trying 127\\.0\\.0\\.1:${b.port}\\n$`,
      ),
    );
    // B shares nothing with A: it gets what A never acked, in order, and all after.
    await watchB.sendJson({ type: "who" });
    const onB: string[] = [];
    while (true) {
      const e = await watchB.json(15000);
      if (e.type === "members") break;
      if (e.type === "message") onB.push(String(e.text));
    }
    // A stored 1 and 2 (the watcher saw them) and, at 4 lines/s, hardly a third
    // before the kill: B starts right after the last line A acked.
    assert.deepEqual(onA, ["1", "2"]);
    const first = Number(onB[0]);
    assert.ok(first >= 2 && first <= 4, `B starts at ${first}`);
    assert.deepEqual(onB, Array.from({ length: 13 - first }, (_, i) => String(first + i)));
    await watchA.close();
    await watchB.close();
  } finally {
    await a.stop("SIGKILL");
    await b.stop("SIGKILL");
  }
});

Deno.test({
  name: "terminal: the dead one skipped with a note; a server killed mid-session, on to the next",
  ignore: !HAS_TMUX,
  fn: async () => {
    const dead = freePort();
    const a = await startServer([]);
    const b = await startServer([]);
    const t = await Terminal.start([
      "--name",
      "bob",
      "--host",
      `127.0.0.1:${dead},127.0.0.1:${a.port},127.0.0.1:${b.port}`,
    ]);
    try {
      await t.waitForText(
        `cannot connect to 127.0.0.1:${dead}: connection refused; trying 127.0.0.1:${a.port}`,
      );
      await t.waitForText("Welcome, bob!");
      await t.type("on a");
      await t.keys("Enter");
      await t.waitForText("bob: on a");
      await a.stop("SIGKILL");
      await t.waitForText(
        `the connection to 127.0.0.1:${a.port} was lost; reconnecting to 127.0.0.1:${b.port} in`,
      );
      await t.waitForText(`reconnected to 127.0.0.1:${b.port} as bob`, 15000);
      // Another server, another epoch: the client says the history started over.
      await t.waitForText("the server's history started over");
      const { client: alice } = await joinJson(b.port, "alice");
      await alice.sendJson({ type: "say", text: "hello from b" });
      await t.waitForText("alice: hello from b");
      await t.type("on b");
      await t.keys("Enter");
      const m = await alice.event("message");
      assert.equal(m.text, "on b");
      assert.equal(m.seq, 2);
      await t.waitForText("bob: on b");
      await alice.close();
      await t.keys("C-d");
      await t.waitForText("EXITED=0");
    } finally {
      await t.kill();
      await a.stop("SIGKILL");
      await b.stop("SIGKILL");
    }
  },
});

Deno.test({
  name: "cluster: a node killed mid-pipe, the other takes over; every line stored once, in order",
  ignore: !HAS_REDIS,
  fn: async () => {
    await using cluster = await startCluster(0);
    // Slow flood control on the first, so that the kill lands with lines in flight.
    const a = await cluster.add(["--rate-limit", "5:1"]);
    const b = await cluster.add();
    const { client: watch } = await joinJson(b.port, "watch");
    const running = runJoinPiped(
      ["--name", "ci", "--host", `127.0.0.1:${a.port},127.0.0.1:${b.port}`],
      lines(15),
      60000,
    );
    await texts(watch, 3);
    await a.stop("SIGKILL");
    // The dead node's lease on the name "ci" holds it for up to 10 s: the
    // client keeps trying, round robin with backoff, until b lets it in.
    const result = await running;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`lost the connection to 127\\.0\\.0\\.1:${a.port}`));
    const { client: reader, welcome } = await joinJson(b.port, "reader", { since: 0 });
    const h = welcome.history as { seq: number; text: string }[];
    // What a stored before the kill and the client sent again (same id) is there once.
    assert.deepEqual(h.map((m) => m.text), Array.from({ length: 15 }, (_, i) => String(i + 1)));
    assert.deepEqual(h.map((m) => m.seq), Array.from({ length: 15 }, (_, i) => i + 1));
    await reader.close();
    await watch.close();
  },
});

// ---------------------------------------------------------------------------
// A fake server, only for what a real one cannot be made to do on demand: its
// storage failing (server_error) for a given message, or a connection that
// drops right after a line was read and before its ack. It speaks just enough
// JSON mode (banner, welcome, acks, pongs) and records every frame it reads.

interface Frame {
  type: string;
  [k: string]: unknown;
}

/** What the fake answers to a say/me: an ack, a server_error, or closing the connection. */
type Answer = "ack" | "server_error" | "drop";

class FakeServer {
  readonly #listener: Deno.Listener;
  readonly frames: Frame[] = [];
  /** When each say/me arrived (ms), in order. */
  readonly times: number[] = [];
  #seq = 0;
  readonly #conns = new Set<Deno.Conn>();
  readonly #serving: Promise<void>;

  constructor(readonly answer: (f: Frame, n: number) => Answer) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#serving = this.#serve();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  /** The say/me frames received, in order. */
  get messages(): Frame[] {
    return this.frames.filter((f) => f.type === "say" || f.type === "me");
  }

  async #serve(): Promise<void> {
    for await (const conn of this.#listener) {
      this.#conns.add(conn);
      this.#session(conn).finally(() => this.#conns.delete(conn));
    }
  }

  async #session(conn: Deno.Conn): Promise<void> {
    const write = async (o: unknown) => {
      const b = encoder.encode(typeof o === "string" ? o : JSON.stringify(o) + "\n");
      await conn.write(b).catch(() => 0);
    };
    await write("* Welcome to chat! Enter your name:\n");
    const splitter = new LineSplitter(1 << 20);
    const buf = new Uint8Array(65536);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) return;
        for (const line of splitter.push(buf.subarray(0, n))) {
          if (line === TOO_LONG) continue;
          const f = JSON.parse(line) as Frame;
          this.frames.push(f);
          if (f.type === "hello") {
            await write({
              type: "welcome",
              name: f.name,
              members: [f.name],
              history: [],
              server: { name: "fake", version: "0" },
              room: "lobby",
              rooms: ["lobby"],
              epoch: "fake",
            });
          } else if (f.type === "ping") await write({ type: "pong" });
          else if (f.type === "bye") return conn.close();
          else if (f.type === "say" || f.type === "me") {
            this.times.push(Date.now());
            const answer = this.answer(f, this.messages.length);
            if (answer === "drop") return conn.close();
            if (answer === "server_error") {
              await write({
                type: "error",
                code: "server_error",
                message: "your message could not be stored and was not sent, try again",
                ref: f.ref,
              });
            } else await write({ type: "ack", room: "lobby", ref: f.ref, seq: ++this.#seq });
          }
        }
      }
    } catch {
      // the client went away
    }
  }

  async close(): Promise<void> {
    this.#listener.close();
    for (const c of this.#conns) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
    await this.#serving.catch(() => {});
  }
}

Deno.test("pipe: server_error gets the same message, same id, after a backoff; a later ack ends it with exit 0", async () => {
  const fake = new FakeServer((_f, n) => n <= 2 ? "server_error" : "ack");
  try {
    const result = await runJoinPiped(["--name", "ci", "--port", String(fake.port)], "one\ntwo\n");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "", "a retry that succeeds says nothing");
    const m = fake.messages;
    // one, two (both refused), then both again, together, in order.
    assert.deepEqual(m.map((f) => f.text), ["one", "two", "one", "two"]);
    for (const f of m) assert.match(String(f.id), ID);
    assert.equal(m[2].id, m[0].id, "the resend carries the same id");
    assert.equal(m[3].id, m[1].id);
    assert.notEqual(m[0].id, m[1].id);
    const waited = fake.times[2] - fake.times[1];
    assert.ok(waited >= 350 && waited < 2000, `resent after ${waited} ms`);
  } finally {
    await fake.close();
  }
});

Deno.test("pipe: a drop before the acks; the next server gets the unacked lines, in order, same ids", async () => {
  // A acks the first line and drops the connection on reading the second.
  const a = new FakeServer((_f, n) => n === 1 ? "ack" : "drop");
  const b = new FakeServer(() => "ack");
  try {
    const result = await runJoinPiped(
      ["--name", "ci", "--host", `127.0.0.1:${a.port},127.0.0.1:${b.port}`, "--json"],
      "1\n2\n3\n",
    );
    assert.equal(result.code, 0, result.stderr);
    const onA = a.messages;
    assert.deepEqual(onA.slice(0, 2).map((f) => f.text), ["1", "2"]);
    const byText = new Map(onA.map((f) => [f.text, f.id]));
    const onB = b.messages;
    assert.deepEqual(onB.map((f) => f.text), ["2", "3"], "only what A never acked");
    assert.equal(onB[0].id, byText.get("2"), "same id as sent to A");
    if (byText.has("3")) assert.equal(onB[1].id, byText.get("3"));
    for (const f of [...onA, ...onB]) assert.match(String(f.id), ID);
    const welcomes = result.stdout.trimEnd().split("\n").map((l) => JSON.parse(l))
      .filter((e) => e.type === "welcome");
    assert.equal(welcomes.length, 2, "--json prints the welcome of each connection");
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test({
  name: "terminal: say and /me carry ids; server_error is retried quietly, shown once when acked",
  ignore: !HAS_TMUX,
  fn: async () => {
    // Refused twice: 0.5 s, then 1 s of "(retrying 1)" in the prompt.
    const fake = new FakeServer((_f, n) => n <= 2 ? "server_error" : "ack");
    const t = await Terminal.start(["--name", "bob", "--port", String(fake.port)]);
    try {
      await t.waitForText("Welcome, bob!");
      await t.type("hello");
      await t.keys("Enter");
      await t.waitForInput("bob #lobby (retrying 1)>", 3000);
      await waitFor(() => fake.messages.length >= 3, "the resends", 8000);
      await t.type("/me waves");
      await t.keys("Enter");
      const rows = await t.waitForText("* bob waves");
      await t.waitForText("bob: hello");
      assert.equal(rows.filter((r) => r.includes("hello")).length, 1, rows.join("\n"));
      assert.ok(!rows.some((r) => r.includes("server_error")), rows.join("\n"));
      const m = fake.messages;
      assert.deepEqual(m.map((f) => [f.type, f.text]), [
        ["say", "hello"],
        ["say", "hello"],
        ["say", "hello"],
        ["me", "waves"],
      ]);
      for (const f of m) assert.match(String(f.id), ID);
      assert.equal(m[1].id, m[0].id);
      assert.equal(m[2].id, m[0].id);
      assert.notEqual(m[3].id, m[0].id);
      await t.waitForInput("bob #lobby>");
      await t.keys("C-d");
      await t.waitForText("EXITED=0");
    } finally {
      await t.kill();
      await fake.close();
    }
  },
});

Deno.test({
  name: "terminal: a drop before the ack; after the reconnect the line goes again with its id",
  ignore: !HAS_TMUX,
  fn: async () => {
    const a = new FakeServer(() => "drop");
    const b = new FakeServer(() => "ack");
    const t = await Terminal.start([
      "--name",
      "bob",
      "--host",
      `127.0.0.1:${a.port},127.0.0.1:${b.port}`,
    ]);
    try {
      await t.waitForText("Welcome, bob!");
      await t.type("hello");
      await t.keys("Enter");
      await t.waitForText(`reconnected to 127.0.0.1:${b.port} as bob`, 15000);
      const rows = await t.waitForText("bob: hello");
      assert.equal(rows.filter((r) => r.includes("hello")).length, 1, rows.join("\n"));
      assert.equal(a.messages.length, 1);
      assert.equal(b.messages.length, 1);
      assert.equal(b.messages[0].text, "hello");
      assert.match(String(b.messages[0].id), ID);
      assert.equal(b.messages[0].id, a.messages[0].id);
      await t.keys("C-d");
      await t.waitForText("EXITED=0");
    } finally {
      await t.kill();
      await a.close();
      await b.close();
    }
  },
});
