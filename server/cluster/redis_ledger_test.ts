import assert from "node:assert/strict";
import type { Draft, Entry } from "../core/ledger.ts";
import type { Member, Room } from "../core/room.ts";
import { RedisLedger } from "./redis_ledger.ts";
import type { Commands } from "./link.ts";

// The ledger against an in-process stand-in for Redis: the one case here
// is a script that ran but whose reply was lost, while this node's members
// keep posting, which a real Redis cannot be made to do on cue (the
// cluster tests pause a real one past its command timeout: tests/cluster_failure_test.ts).

/** A Redis of one room: the counter, the stream (seq, JSON, node, batch), and the script. */
function fakeRedis(loseReply: (call: number) => boolean) {
  let seq = 0, calls = 0;
  const stream: [number, string, string, string][] = [];
  const commands: Commands = {
    async send(args) {
      if (args[0] === "GET") return args[1] === "chat:epoch" ? "E" : String(seq);
      if (args[0] === "XRANGE") {
        const from = Number(args[2].slice(2));
        const to = args[3] === "+" ? Infinity : Number(args[3].slice(2));
        await new Promise((r) => setTimeout(r, 1));
        return stream.filter(([s]) => s >= from && s <= to)
          .map(([s, m, n, b]) => [`0-${s}`, ["m", m, "n", n, "b", b]]);
      }
      return null;
    },
    async script(_lua, _keys, args) {
      const call = ++calls;
      const out: number[] = [];
      for (let i = 6; i < args.length; i += 3) {
        const s = ++seq;
        stream.push([s, args[i + 1] + s + args[i + 2], args[0], args[5]]);
        out.push(s);
      }
      // Each script takes a while, so that one is nearly always in flight.
      await new Promise((r) => setTimeout(r, 3));
      if (loseReply(call)) throw new Error("Command timed out");
      return out;
    },
  };
  return { commands, stored: () => seq };
}

Deno.test("a script whose reply was lost: its messages are filled from the stream while later scripts are in flight, and nothing stalls", async () => {
  const redis = fakeRedis((call) => call === 3);
  const room = { key: "lobby", name: "lobby", lastSeq: 0 } as Room;
  const delivered: number[] = [];
  const acked = new Set<string>();
  let refused = 0;
  const ledger = new RedisLedger({
    node: "me",
    epoch: "E",
    lost: () => assert.fail("not lost"),
    commands: redis.commands,
    subscriptions: { subscribe: async () => {}, unsubscribe: async () => {} },
    maxLen: 0,
    stored: () => {},
    room: () => room,
    log: () => {},
  });
  ledger.bind({
    deliver: (_r, entries: Entry[]) => {
      for (const e of entries) {
        if (e.duplicate) continue;
        delivered.push(e.message.seq);
        if (e.draft) acked.add(e.draft.ref!);
      }
    },
    refused: (d) => refused += d.length,
  });
  await ledger.open("lobby", "lobby", 0);
  const draft = (k: number): Draft => ({
    room,
    from: {} as Member,
    ref: String(k),
    id: `id-${k}`,
    message: {
      type: "message",
      room: "lobby",
      seq: 0,
      ts: new Date().toISOString(),
      from: "bob",
      text: `m${k}`,
    },
  });
  let k = 0;
  const posting = setInterval(() => ledger.submit([draft(k++), draft(k++)]), 1);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const early = delivered.length;
    await new Promise((r) => setTimeout(r, 300));
    // Still posting: delivery went on past the lost script's messages.
    assert.ok(refused > 0, "the lost script's messages were refused");
    assert.ok(delivered.length > early && early > refused, `${early} then ${delivered.length}`);
  } finally {
    clearInterval(posting);
  }
  await new Promise((r) => setTimeout(r, 200));
  ledger.close();
  // Every stored seq once, in order; those of the lost reply shown but not acked.
  assert.deepEqual(delivered, Array.from({ length: redis.stored() }, (_, i) => i + 1));
  assert.equal(acked.size + refused, redis.stored());
});
