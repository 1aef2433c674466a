// A big room (more than 500 members): welcomes list some members with the
// count, joins and leaves come in batches — above 500 members as `presence`
// summaries, except to IRC — and everyone's view of who is there stays
// right. Real server, 600 real sockets.
import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient } from "./helpers.ts";
import { ircJoin, withIrcServer } from "./irc_helpers.ts";

const N = 600;

/** Connects `n` plain members named p0…, without waiting for each welcome. */
async function crowd(port: number, n: number): Promise<LineClient[]> {
  const out: LineClient[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
        const c = await LineClient.connect(port);
        await c.line();
        await c.send(`p${i + j}`);
        return c;
      }),
    );
    out.push(...batch);
  }
  for (const c of out) await c.until((l) => l.startsWith("* Welcome"), 20_000);
  return out;
}

/** Reads JSON events until `done`; counts joins and leaves, single or summarized, and keeps the last count. */
async function follow(
  c: LineClient,
  done: (v: View) => boolean,
  timeoutMs = 20_000,
): Promise<View> {
  const v: View = {
    joined: new Set(),
    joins: 0,
    leaves: 0,
    left: new Set(),
    count: 0,
    summaries: 0,
  };
  const deadline = Date.now() + timeoutMs;
  while (!done(v) && Date.now() < deadline) {
    const e = await c.json(5000);
    if (e.type === "join") {
      v.joins++;
      v.joined.add(String(e.name));
    } else if (e.type === "leave") {
      v.leaves++;
      v.left.add(String(e.name));
    } else if (e.type === "presence") {
      v.summaries++;
      v.joins += e.joins as number;
      v.leaves += e.leaves as number;
      for (const n of e.joined as string[]) v.joined.add(n);
      for (const n of e.left as string[]) v.left.add(n);
      assert.ok((e.joined as string[]).length <= 20 && (e.left as string[]).length <= 20);
      v.count = e.count as number;
    }
  }
  return v;
}

interface View {
  joined: Set<string>;
  joins: number;
  leaves: number;
  left: Set<string>;
  count: number;
  summaries: number;
}

Deno.test("a big room: partial welcomes with the count, batched joins and leaves, a right presence view", async () => {
  await withIrcServer(
    ["--max-per-ip", "0", "--max-pending-per-ip", "0", "--rate-limit", "0"],
    async ({ port, ircPort, stderr }) => {
      // A watcher that follows presence from the start, with JSON events.
      const { client: watch } = await joinJson(port, "watcher", { rooms: ["lobby"] });
      const people = await crowd(port, N);
      // Up to 500 members each join is its own event; beyond, summaries count them.
      const seen = await follow(watch, (v) => v.joins >= N);
      assert.equal(seen.joins, N, "the watcher was told of every join once");
      assert.equal(seen.count, N + 1, "the last summary has the room's size");
      assert.ok(seen.summaries >= 1 && seen.joined.size >= 490, `${seen.joined.size} named`);
      // A newcomer's welcome: the count, some names (itself among them), partial.
      const { client: late, welcome } = await joinJson(port, "zed", { rooms: ["lobby"] });
      assert.equal(welcome.count, N + 2);
      assert.equal(welcome.partial, true);
      const listed = welcome.members as string[];
      assert.ok(listed.length <= 51 && listed.includes("zed"), `${listed.length} listed`);
      // Plain: the count, and /who for the names.
      const plain = await joinPlain(port, "yan");
      await plain.send("/who");
      const who = await plain.until((l) => /^\* \d+ online: /.test(l));
      assert.equal(who.split(": ")[1].split(", ").length, N + 3);
      const w2 = await LineClient.connect(port);
      await w2.line();
      await w2.send("xav");
      assert.match(
        await w2.until((l) => l.startsWith("* Welcome")),
        /^\* Welcome, xav! 604 online, too many to list here \(\/who lists them\)\. Type \/help/,
      );
      // 100 leave at once: the watcher and the newcomer are each told of 100 leaves, and the size.
      for (const c of people.slice(0, 100)) await c.close();
      for (const c of [watch, late]) {
        const v = await follow(c, (v) => v.leaves >= 100);
        assert.equal(v.leaves, 100);
        assert.equal(v.count, N + 4 - 100, "the summary's count is the room's size");
      }
      // A newcomer who talks at once: its (batched) join is shown before its message.
      const quick = await LineClient.connect(port);
      await quick.line();
      await quick.send("quick\nfirst words");
      let order = "";
      while (!order.includes("message")) {
        const e = await watch.json(10_000);
        if (e.type === "presence" && (e.joined as string[]).includes("quick")) order += "join ";
        if (e.from === "quick" && e.type === "message") order += "message";
      }
      assert.equal(order, "join message");
      // Plain mode's summary line.
      const plainSummary = await plain.until((l) => l.includes("quick"));
      assert.match(plainSummary, /^\* quick joined \(\d+ online\)$/);
      // IRC takes a JOIN's names as the whole channel: they are all there.
      const irc = await ircJoin(ircPort, "ircy");
      const names = await irc.join("lobby");
      const listedByIrc = names.filter((l) => / 353 /.test(l))
        .flatMap((l) => l.slice(l.indexOf(" :", 1) + 2).split(" "));
      // Everyone still here (605 joined, 100 left) and ircy itself.
      assert.equal(listedByIrc.length, N + 5 - 100 + 1, "every member in the JOIN's NAMES");
      await irc.close();
      // A message after the storm is still in order and reaches everyone.
      await late.sendJson({ type: "say", text: "after the storm", ref: "a" });
      assert.equal((await late.event("ack")).ref, "a");
      const m = await watch.event("message");
      assert.equal(m.text, "after the storm");
      assert.equal(await people[100].until((l) => l.startsWith("zed: ")), "zed: after the storm");
      assert.ok(!stderr.some((l) => /left \(slow\)/.test(l)), "nobody was dropped as slow");
      for (const c of [...people.slice(100), watch, late, plain, w2, quick]) await c.close();
    },
  );
});
