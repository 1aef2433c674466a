import assert from "node:assert/strict";
import { startRedis } from "../../tests/redis_helpers.ts";
import { EPOCH_ERROR, ID_TTL_S, keys, PUBLISH_LUA } from "./keys.ts";

// The publish script itself, run by redis-cli against a real redis-server:
// what it stores, what it refuses, and how it trims.

const ROOM = "lobby";
const KEYS = [
  keys.seq(ROOM),
  keys.log(ROOM),
  keys.ids(ROOM),
  keys.roomEpoch(ROOM),
  keys.rev(ROOM),
];

/** Runs the script for `texts` (ids "" = none) as node n1 with `epoch` and `maxlen`. */
function publish(
  redis: { cli(...args: string[]): Promise<string> },
  epoch: string,
  maxlen: number,
  texts: string[],
): Promise<string> {
  const args = ["n1", keys.live(ROOM), String(maxlen), String(ID_TTL_S), epoch, "7"];
  for (const t of texts) args.push("", `{"type":"message","text":"${t}","seq":`, "}");
  return redis.cli("EVAL", PUBLISH_LUA, String(KEYS.length), ...KEYS, ...args);
}

Deno.test("the publish script stores nothing for a room whose epoch is missing or another node's", async () => {
  await using redis = await startRedis();
  // A Redis that came back empty: no epoch anywhere.
  const empty = await publish(redis, "E1", 0, ["a", "b"]);
  assert.ok(empty.startsWith(EPOCH_ERROR), empty);
  assert.equal(await redis.cli("GET", keys.seq(ROOM)), "");
  assert.equal(await redis.cli("XLEN", keys.log(ROOM)), "0");
  // Another epoch in the room: refused the same way.
  await redis.cli("SET", keys.roomEpoch(ROOM), "E2");
  assert.ok((await publish(redis, "E1", 0, ["a"])).startsWith(EPOCH_ERROR));
  assert.equal(await redis.cli("XLEN", keys.log(ROOM)), "0");
  // Its own epoch: stored, seqs 1 and 2, the batch token beside the node.
  assert.equal(await publish(redis, "E2", 0, ["a", "b"]), "1\n2");
  const entry = await redis.cli("XRANGE", keys.log(ROOM), "0-2", "0-2");
  assert.match(entry, /\nn\nn1\nb\n7$/);
});

Deno.test("with a maxlen the stream keeps exactly that many, and the fallen-out messages' revisions go too", async () => {
  await using redis = await startRedis();
  await redis.cli("SET", keys.roomEpoch(ROOM), "E");
  const texts = Array.from({ length: 30 }, (_, i) => `m${i + 1}`);
  assert.equal((await publish(redis, "E", 10, texts.slice(0, 20))).split("\n").length, 20);
  await redis.cli("HSET", keys.rev(ROOM), "15", '{"kind":"edit"}', "25", '{"kind":"edit"}');
  await publish(redis, "E", 10, texts.slice(20));
  assert.equal(await redis.cli("XLEN", keys.log(ROOM)), "10");
  const first = await redis.cli("XRANGE", keys.log(ROOM), "-", "+", "COUNT", "1");
  assert.match(first, /^0-21\n/);
  // 15 fell out with seq 25's arrival; 25 is still there, and so is its revision.
  assert.equal(await redis.cli("HKEYS", keys.rev(ROOM)), "25");
});
