import assert from "node:assert/strict";
import { LineClient, withServer } from "./helpers.ts";
import { HAS_TMUX, Terminal } from "./join_helpers.ts";

// Moderation in `chat join` in a real terminal (tmux), against a real server. The JSON
// clients connect from 127.0.0.2, so that banning the terminal's address (127.0.0.1)
// leaves them in.

const ignore = !HAS_TMUX;
const OPS = { env: { CHAT_OP_PASSWORD: "sesame" } };
// Names are not reserved: a kicked terminal joins again with no key to keep.
const NO_RESERVE = ["--reserve-names", "off"];

/** Runs `fn` with `chat join ARGS` in a terminal; always ends the session. */
async function withTerminal(args: string[], fn: (t: Terminal) => Promise<void>): Promise<void> {
  const t = await Terminal.start(args, 100, 30);
  try {
    await fn(t);
  } finally {
    await t.kill();
  }
}

/** A JSON client from 127.0.0.2 that knows rooms (it gets moderation events). */
async function member(port: number, name: string): Promise<LineClient> {
  const c = await LineClient.connect(port, "127.0.0.2");
  await c.line(); // banner
  await c.sendJson({ type: "hello", name, rooms: ["lobby"], reserve: false });
  const w = await c.json();
  assert.equal(w.type, "welcome", JSON.stringify(w));
  return c;
}

Deno.test({
  name: "/op PASSWORD shows stars and is kept nowhere; /who marks operators; /kick tells the room",
  ignore,
  fn: () =>
    withServer(NO_RESERVE, async ({ port }) => {
      const bob = await member(port, "bob");
      await withTerminal(["--name", "alice", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, alice!");
        await t.type("/op sesame");
        await t.waitForInput("alice #lobby> /op ******");
        await t.keys("Enter");
        await t.waitForText("You are now an operator.");
        await t.keys("Up");
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(await t.cursorRow(), "alice #lobby>", "Up does not recall the password");
        assert.ok(!(await t.screen()).some((r) => r.includes("sesame")), "never on the screen");
        await t.type("/who");
        await t.keys("Enter");
        await t.waitForText("2 online: alice (op), bob");
        await t.type("/kick bob flooding");
        await t.keys("Enter");
        const rows = await t.waitForText("bob was kicked by alice: flooding");
        await bob.closed();
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(!(await t.screen()).some((r) => r.includes("bob left")), rows.join("\n"));
        await t.type("/bans");
        await t.keys("Enter");
        await t.waitForText("* No bans.");
        await t.type("/ban bob 2w spam");
        await t.keys("Enter");
        await t.waitForText("! DURATION is a number and s, m, h or d");
      });
    }, OPS),
});

Deno.test({
  name: "a kicked terminal says who and why and waits for Enter; banned, it exits 1",
  ignore,
  fn: () =>
    withServer(NO_RESERVE, async ({ port }) => {
      const alice = await member(port, "alice");
      await alice.sendJson({ type: "op", password: "sesame" });
      assert.equal((await alice.event("notice")).text, "You are now an operator.");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await t.waitForText("Welcome, bob!");
        await t.type("hi");
        await t.keys("Enter");
        assert.equal((await alice.event("message")).text, "hi");
        await alice.sendJson({ type: "kick", name: "bob", reason: "calm down" });
        await t.waitForText("! You were kicked by alice: calm down");
        await t.waitForText("press Enter to join again, Ctrl-C to leave");
        // No reconnecting by itself.
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(
          !alice.buffered.some((l) => l.includes('"type":"join"')),
          alice.buffered.join("\n"),
        );
        await t.type("hello?");
        await t.keys("Enter");
        await t.waitForText("you were kicked: press Enter to join again");
        await t.keys("Enter");
        assert.equal((await alice.event("join")).name, "bob");
        await t.waitForText("reconnected as bob");
        await alice.sendJson({ type: "ban", target: "bob", duration: "1h", reason: "spam" });
        const rows = await t.waitForText("EXITED=1");
        assert.ok(
          rows.some((r) => /^chat join: You were banned by alice until .* UTC: spam$/.test(r)),
          rows.join("\n"),
        );
      });
      // Banned, a new chat join is refused at once, with the reason.
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        const rows = await t.waitForText("EXITED=1");
        assert.match(
          rows.join(""),
          /chat join: cannot join 127\.0\.0\.1:\d+: you are banned from this chat .*: spam/,
        );
      });
      await alice.close();
    }, OPS),
});
