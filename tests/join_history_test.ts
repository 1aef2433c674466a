// Older history, search, edits and deletions from `chat join` in a real
// terminal (tmux), against a real server over real sockets: /history and
// /older list messages with their #seq; /search finds words whatever their
// case and accents, never parts of words; /edit and /delete reach everyone,
// and the server's refusals show like other errors. A pipe is unchanged.
import assert from "node:assert/strict";
import { joinJson, type LineClient, withServer } from "./helpers.ts";
import { HAS_TMUX, runJoinPiped, Terminal } from "./join_helpers.ts";

const ignore = !HAS_TMUX;
if (ignore) {
  console.warn("tmux is not installed: the terminal tests of /history, /edit are skipped");
}

async function withTerminal(args: string[], fn: (t: Terminal) => Promise<void>): Promise<void> {
  const t = await Terminal.start(args, 100, 40);
  try {
    await fn(t);
  } finally {
    await t.kill();
  }
}

/**
 * Waits until bob has joined and his key is kept, so that what the test
 * types next is not mixed up with the joining notices on the screen.
 */
async function joined(t: Terminal): Promise<void> {
  await t.waitForText("is yours while you use it");
  await t.waitForInput("bob #lobby>");
}

/** Types a line and presses Enter. */
async function enter(t: Terminal, line: string): Promise<void> {
  await t.type(line);
  await t.keys("Enter");
}

/** Says `text` as `c` (in `room`); returns its seq. */
async function say(c: LineClient, text: string, room = "lobby"): Promise<number> {
  await c.sendJson({ type: "say", room, text, ref: text });
  const ack = JSON.parse(await c.until((l) => l.includes(`"ref":${JSON.stringify(text)}`)));
  assert.equal(ack.type, "ack", JSON.stringify(ack));
  return ack.seq;
}

/** The rows from the one containing `from` up to the one containing `to`. */
function between(rows: string[], from: string, to: string): string[] {
  const start = rows.findLastIndex((r) => r.includes(from));
  const end = rows.findIndex((r, i) => i > start && r.includes(to));
  assert.ok(start >= 0 && end > start, `${from} … ${to} in:\n${rows.join("\n")}`);
  return rows.slice(start, end + 1);
}

const time = String.raw`\d\d:\d\d`;

Deno.test({
  name: "/history lists the room's messages oldest first with their #seq; /older pages back",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      for (const text of ["one", "two", "three", "four"]) await say(alice, text);
      await alice.sendJson({ type: "edit", seq: 2, text: "two, fixed" });
      await alice.event("edit");
      await alice.sendJson({ type: "delete", seq: 3 });
      await alice.event("delete");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        // The welcome's history shows them as they are now.
        let rows = await t.waitForText("Welcome, bob!");
        assert.ok(rows.some((r) => new RegExp(`^${time} alice: two, fixed \\(edited\\)$`).test(r)));
        assert.ok(rows.some((r) => new RegExp(`^${time} alice: \\(deleted\\)$`).test(r)));
        await joined(t);
        await enter(t, "/history");
        rows = await t.waitForText("End of history: nothing older.");
        const listed = between(rows, "Last 4 messages in #lobby:", "End of history");
        assert.deepEqual(
          listed.slice(1, -1).map((r) => r.replace(/^\d\d:\d\d /, "")),
          [
            "#1 alice: one",
            "#2 alice: two, fixed (edited)",
            "#3 alice: (deleted)",
            "#4 alice: four",
          ],
        );
        await enter(t, "/history 2");
        rows = await t.waitForText("End of history; /older shows earlier ones.");
        assert.deepEqual(
          between(rows, "Last 2 messages in #lobby:", "End of history").slice(1, -1)
            .map((r) => r.replace(/^\d\d:\d\d /, "")),
          ["#3 alice: (deleted)", "#4 alice: four"],
        );
        await enter(t, "/older 5");
        rows = await t.waitForText("2 earlier messages in #lobby:");
        const older = between(
          rows,
          "2 earlier messages in #lobby:",
          "End of history: nothing older.",
        );
        assert.deepEqual(
          older.slice(1, -1).map((r) => r.replace(/^\d\d:\d\d /, "")),
          ["#1 alice: one", "#2 alice: two, fixed (edited)"],
        );
        await enter(t, "/older");
        await t.waitForText(
          "nothing in #lobby is older than #1: that was the start of its history",
        );
        await enter(t, "/history 500");
        await t.waitForText("! usage: /history [N], N from 1 to 200, like /history 50");
      });
      await alice.close();
    }),
});

Deno.test({
  name: "/search finds a word in any case and accent across your rooms, never a part of a word",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice", { rooms: ["lobby", "dev"] });
      await alice.event("room");
      await say(alice, "Café opens at nine", "dev");
      await say(alice, "the cafeteria is closed");
      await say(alice, "CAFE au lait for everyone");
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
        await joined(t);
        await enter(t, "/search café");
        let rows = await t.waitForText("End of search.");
        const found = between(rows, `2 messages match "café", newest first:`, "End of search.");
        assert.equal(found.length, 4, found.join("\n"));
        assert.match(
          found[1],
          new RegExp(`^\\[#lobby\\] ${time} #2 alice: CAFE au lait for everyone$`),
        );
        assert.match(found[2], new RegExp(`^\\[#dev\\] ${time} #1 alice: Café opens at nine$`));
        assert.ok(!rows.some((r) => r.includes("#1 alice: the cafeteria")), "not a substring");
        await enter(t, "/search #dev CAFE");
        rows = await t.waitForText(`1 message matches "CAFE", newest first:`);
        await enter(t, "/search caf");
        await t.waitForText(`nothing matches "caf" (search finds whole words)`);
        await enter(t, "/search ...");
        await t.waitForText(
          "search for words: letters or digits, like /search deploy friday (bad_request)",
        );
      });
      await alice.close();
    }),
});

Deno.test({
  name: "/edit SEQ and /edit alone change your message for everyone; someone else's is not_allowed",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice", { rooms: ["lobby", "dev"] });
      await alice.event("room");
      const hers = await say(alice, "alice was here");
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
        await joined(t);
        await enter(t, "helo wrld");
        const first = await alice.event("message");
        assert.equal(first.text, "helo wrld");
        await enter(t, `/edit #${first.seq} hello world`);
        const e1 = await alice.event("edit");
        assert.deepEqual([e1.room, e1.seq, e1.from, e1.text], [
          "lobby",
          first.seq,
          "bob",
          "hello world",
        ]);
        await t.waitForText(`* bob edited #${first.seq}: hello world`);
        // Alone: the last message of ours, known from its ack; Tab fills in its text.
        await enter(t, "secnod try");
        const second = await alice.event("message");
        await t.waitForText("bob: secnod try");
        await t.type("/edit ");
        await t.keys("Tab");
        await t.waitForInput(`bob #lobby> /edit ${second.seq} secnod try`);
        await t.keys("C-u");
        await enter(t, "/edit second try");
        const e2 = await alice.event("edit");
        assert.deepEqual([e2.seq, e2.text], [second.seq, "second try"]);
        await t.waitForText(`* bob edited #${second.seq}: second try`);
        // Someone else's: the server says no.
        await enter(t, `/edit ${hers} mine now`);
        await t.waitForText(
          `! #${hers} is alice's: you can only edit your own messages (not_allowed)`,
        );
        await enter(t, "/edit 999 nothing there");
        await t.waitForText("there is no message #999 in #lobby");
        // Theirs, as they happen: here, and prefixed in another room.
        await alice.sendJson({ type: "edit", room: "lobby", seq: hers, text: "alice was HERE" });
        await t.waitForText(`* alice edited #${hers}: alice was HERE`);
        const inDev = await say(alice, "dev news", "dev");
        await alice.sendJson({ type: "edit", room: "dev", seq: inDev, text: "dev news, edited" });
        const rows = await t.waitForText("dev news, edited");
        assert.ok(
          rows.some((r) =>
            new RegExp(`^\\[#dev\\] ${time} \\* alice edited #${inDev}: dev news, edited$`).test(r)
          ),
          rows.join("\n"),
        );
        // /seqs: every line shows its number, ours too once acked.
        await enter(t, "/seqs");
        await t.waitForText("every message shows its #number now");
        await enter(t, "numbered");
        const third = await alice.event("message");
        await t.waitFor(
          (rows) => rows.some((r) => new RegExp(`^${time} #${third.seq} bob: numbered$`).test(r)),
          "bob's line with its #seq",
        );
      });
      await alice.close();
    }),
});

Deno.test({
  name:
    "/delete SEQ removes it for everyone; someone else's is not_allowed, a bad SEQ gets the usage",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      const hers = await say(alice, "keep this");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await joined(t);
        await enter(t, "oops, wrong room");
        const mine = await alice.event("message");
        await enter(t, `/delete ${mine.seq}`);
        const d = await alice.event("delete");
        assert.deepEqual([d.room, d.seq, d.by], ["lobby", mine.seq, "bob"]);
        await t.waitForText(`* bob deleted #${mine.seq}`);
        await enter(t, `/delete #${hers}`);
        await t.waitForText(`! #${hers} is alice's: you can only delete your own messages`);
        await enter(t, "/delete last");
        await t.waitForText("! usage: /delete SEQ, SEQ a message's number: /delete 34");
        // Nothing of ours is left to edit alone.
        await enter(t, "/edit again");
        await t.waitForText("no message of yours in #lobby that this client saw");
        await alice.sendJson({ type: "delete", seq: hers });
        await t.waitForText(`* alice deleted #${hers}`);
        await enter(t, "/history");
        const rows = await t.waitForText("End of history: nothing older.");
        const listed = between(rows, "Last 2 messages in #lobby:", "End of history");
        assert.deepEqual(
          listed.slice(1, -1).map((r) => r.replace(/^\d\d:\d\d /, "")),
          [`#${hers} alice: (deleted)`, `#${mine.seq} bob: (deleted)`],
        );
      });
      await alice.close();
    }),
});

Deno.test({
  name: "an edit past --edit-window is not_allowed, and /delete still works",
  ignore,
  fn: () =>
    withServer(["--edit-window", "1s"], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      await withTerminal(["--name", "bob", "--port", String(port)], async (t) => {
        await joined(t);
        await enter(t, "soon too old");
        const m = await alice.event("message");
        await t.waitForText("bob: soon too old");
        await new Promise((r) => setTimeout(r, 1500));
        await enter(t, "/edit too late");
        await t.waitForText(
          `! #${m.seq} is older than the edit window (1s): you can still /delete ${m.seq} (not_allowed)`,
        );
        await enter(t, `/delete ${m.seq}`);
        assert.equal((await alice.event("delete")).seq, m.seq);
      });
      await alice.close();
    }),
});

Deno.test("pipe: lines that look like /edit or /history are sent as they are, as before", async () => {
  await withServer([], async ({ port }) => {
    const { client: watch } = await joinJson(port, "watch");
    const r = await runJoinPiped(
      ["--name", "ci", "--port", String(port)],
      "deploy done\n/edit 1 x\n/history\n",
    );
    assert.equal(r.code, 0, r.stderr);
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push((await watch.event("message")).text);
    assert.deepEqual(texts, ["deploy done", "/edit 1 x", "/history"]);
    await watch.close();
  });
});
