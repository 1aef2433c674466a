// Rooms in `chat join`, in a real terminal (tmux) and in a pipe: the
// prompt shows the current room and what is unread elsewhere; other rooms'
// lines are prefixed; /join /part /switch, Alt-N and Tab; every room is
// resumed after a restart with nothing missed and nothing twice.
import assert from "node:assert/strict";
import { joinJson, type LineClient, startServer, withServer } from "./helpers.ts";
import { HAS_TMUX, runJoinPiped, Terminal } from "./join_helpers.ts";

const ignore = !HAS_TMUX;
const count = (rows: string[], text: string) => rows.filter((r) => r.includes(text)).length;

async function withTerminal(args: string[], fn: (t: Terminal) => Promise<void>): Promise<void> {
  const t = await Terminal.start(args, 100, 30);
  try {
    await fn(t);
  } finally {
    await t.kill();
  }
}

async function say(c: LineClient, room: string, text: string): Promise<void> {
  await c.sendJson({ type: "say", room, text, ref: text });
  await c.until((l) => l.includes(`"ref":"${text}"`));
}

Deno.test({
  name: "terminal: the prompt shows the room and unread counts; /switch, Alt-N, /join, /part, Tab",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice", {
        rooms: ["dev", "ops", "design"],
      });
      await alice.event("room");
      await alice.event("room");
      await withTerminal([
        "--name",
        "bob",
        "--port",
        String(port),
        "--room",
        "dev",
        "--room",
        "ops",
      ], async (t) => {
        await t.waitForInput("bob #dev>");
        await say(alice, "ops", "disk full");
        const rows = await t.waitForText("[#ops]");
        assert.ok(
          rows.some((r) => /^\[#ops\] \d\d:\d\d alice: disk full$/.test(r)),
          rows.join("\n"),
        );
        await t.waitForInput("bob #dev [ops 1]>");
        await say(alice, "ops", "bob, can you look?");
        await t.waitForInput("bob #dev [ops 2!]>");
        await say(alice, "dev", "in dev");
        await t.waitForText("alice: in dev");
        await t.type("/switch o");
        await t.keys("Tab");
        await t.waitForInput("bob #dev [ops 2!]> /switch ops");
        await t.keys("Enter");
        await t.waitForInput("bob #ops>");
        await t.type("on it");
        await t.keys("Enter");
        const m = await alice.event("message");
        assert.deepEqual([m.room, m.text], ["ops", "on it"]);
        await t.keys("M-1"); // Alt-1: the first room
        await t.waitForInput("bob #dev>");
        await t.type("/join qa");
        await t.keys("Enter");
        await t.waitForText("Now in #qa: 1 online: bob.");
        await t.waitForInput("bob #qa>");
        await t.type("/topic testing starts at 3");
        await t.keys("Enter");
        await t.waitForText("bob set the topic: testing starts at 3");
        await t.type("/part");
        await t.keys("Enter");
        await t.waitForText("you left #qa; now talking in #dev");
        await t.waitForInput("bob #dev>");
        await t.type("/rooms");
        await t.keys("Enter");
        await t.waitForText("Rooms: #dev (2), #ops (2), #design (1), #lobby (0), #qa (0)");
        // Tab after /join offers the server's rooms, not only bob's
        await t.type("/join des");
        await t.keys("Tab");
        await t.waitForInput("bob #dev> /join design");
        await t.keys("Enter");
        await t.waitForText("Now in #design: 2 online: alice, bob.");
      });
      await alice.close();
    }),
});

Deno.test({
  name: "terminal: after a restart with --db, every room resumes: nothing missed, nothing twice",
  ignore,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-rooms-test-" });
    const db = `${dir}/chat.db`;
    let server = await startServer(["--db", db]);
    const port = server.port;
    try {
      const { client: a1 } = await joinJson(port, "alice", { rooms: ["lobby", "dev"] });
      await say(a1, "lobby", "lobby 1");
      await say(a1, "dev", "dev 1");
      await withTerminal([
        "--name",
        "bob",
        "--port",
        String(port),
        "--room",
        "lobby",
        "--room",
        "dev",
      ], async (t) => {
        await t.waitForText("[#dev]");
        await server.stop("SIGTERM");
        await t.waitForText("reconnecting in");
        server = await startServer(["--db", db, "--port", String(port)]);
        const { client: a2 } = await joinJson(port, "alice", { rooms: ["lobby", "dev"] });
        await say(a2, "lobby", "lobby away");
        await say(a2, "dev", "dev away");
        await t.waitForText("reconnected as bob", 15000);
        await say(a2, "lobby", "lobby after");
        await say(a2, "dev", "dev after");
        const rows = await t.waitForText("dev after");
        for (
          const text of ["lobby 1", "dev 1", "lobby away", "dev away", "lobby after", "dev after"]
        ) {
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
  name:
    "terminal: a :memory: server restarted is a new epoch, and the client says history started over",
  ignore,
  fn: async () => {
    let server = await startServer([]);
    const port = server.port;
    try {
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, bob!");
        await server.stop("SIGTERM");
        await t.waitForText("reconnecting in");
        server = await startServer(["--port", String(port)]);
        await t.waitForText("the server's history started over", 15000);
      });
    } finally {
      await server.stop("SIGKILL");
    }
  },
});

Deno.test("pipe: --room posts every line to that room", async () => {
  await withServer([], async ({ port }) => {
    const { client: watcher } = await joinJson(port, "w", { rooms: ["ops"] });
    await watcher.event("room");
    const r = await runJoinPiped(
      ["--name", "ci", "--port", String(port), "--room", "#ops"],
      "deployed\n",
    );
    assert.equal(r.code, 0, r.stderr);
    const m = await watcher.event("message");
    assert.deepEqual([m.room, m.from, m.text], ["ops", "ci", "deployed"]);
    await watcher.close();
  });
});
