// A big room (more than 500 members): welcomes list some members with the
// count, joins and leaves come in batches, and everyone's view of who is
// there stays right. Real server, 600 real sockets.
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

Deno.test("a big room: partial welcomes with the count, batched joins and leaves, a right presence view", async () => {
  await withIrcServer(
    ["--max-per-ip", "0", "--max-pending-per-ip", "0", "--rate-limit", "0"],
    async ({ port, ircPort, stderr }) => {
      // A watcher that follows presence from the start, with JSON events.
      const { client: watch } = await joinJson(port, "watcher", { rooms: ["lobby"] });
      const people = await crowd(port, N);
      const present = new Set<string>(["watcher"]);
      const deadline = Date.now() + 20_000;
      while (present.size < N + 1 && Date.now() < deadline) {
        const e = await watch.json(5000);
        if (e.type === "join") present.add(String(e.name));
      }
      assert.equal(present.size, N + 1, "the watcher saw every join once");
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
      // 100 leave at once: the watcher and the newcomer each see every leave once.
      for (const c of people.slice(0, 100)) await c.close();
      const gone = new Set<string>();
      const seenByLate = new Set<string>();
      while (gone.size < 100) {
        const e = await watch.json(10_000);
        if (e.type === "leave") {
          assert.ok(!gone.has(String(e.name)), `one leave for ${e.name}`);
          gone.add(String(e.name));
        }
      }
      while (seenByLate.size < 100) {
        const e = await late.json(10_000);
        if (e.type === "leave") seenByLate.add(String(e.name));
      }
      // A newcomer who talks at once: its (batched) join is shown before its message.
      const quick = await LineClient.connect(port);
      await quick.line();
      await quick.send("quick\nfirst words");
      let order = "";
      while (!order.includes("message")) {
        const e = await watch.json(10_000);
        if (e.name === "quick" && e.type === "join") order += "join ";
        if (e.from === "quick" && e.type === "message") order += "message";
      }
      assert.equal(order, "join message");
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
