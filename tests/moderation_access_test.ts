import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, withServer } from "./helpers.ts";
import { RawWebSocket, startWebServer } from "./web_helpers.ts";

// Who may moderate, and who is kept out: wrong operator passwords are slowed
// per address like room passwords; JSON `op` is refused like plain `/op`;
// behind --trust-proxy, bans see the forwarded client, not the proxy.

const OPS = { env: { CHAT_OP_PASSWORD: "hunter2" } };

/** The raw WebSocket's next event of `type` (the banner and others skipped). */
async function event(ws: RawWebSocket, type: string): Promise<Record<string, unknown>> {
  while (true) {
    const text = await ws.readText();
    if (text === null) throw new Error(`closed before a ${type} event`);
    const e = JSON.parse(text);
    if (e.type === type) return e;
  }
}

/** Sends `/op PASSWORD` and returns the answer and how long it took. */
async function timedOp(c: LineClient, password: string): Promise<[string, number]> {
  const t0 = Date.now();
  await c.send(`/op ${password}`);
  const answer = await c.until((l) => l.startsWith("!") || l.startsWith("* You are"));
  return [answer, Date.now() - t0];
}

Deno.test("after 3 wrong operator passwords an address waits before each answer; another address is not slowed", async () => {
  await withServer([], async ({ port }) => {
    const guesser = await joinPlain(port, "guesser");
    for (let i = 0; i < 3; i++) {
      const [answer, ms] = await timedOp(guesser, "wrong");
      assert.match(answer, /^! auth_failed: wrong operator password/);
      assert.ok(ms < 800, `failure ${i + 1} was answered after ${ms} ms`);
    }
    const [fourth, ms] = await timedOp(guesser, "wrong");
    assert.match(fourth, /^! auth_failed/);
    assert.ok(ms >= 900, `the fourth failure was answered after ${ms} ms`);
    // 127.0.0.2 is another machine: answered at once, and its right password works.
    const friend = await joinPlain(port, "friend", "127.0.0.2");
    const [wrong, quick] = await timedOp(friend, "wrong");
    assert.match(wrong, /^! auth_failed/);
    assert.ok(quick < 800, `another address was answered after ${quick} ms`);
    assert.deepEqual((await timedOp(friend, "hunter2"))[0], "* You are now an operator.");
    // The slowed connection is still there and may still become an operator (after the wait).
    const [right, slow] = await timedOp(guesser, "hunter2");
    assert.equal(right, "* You are now an operator.");
    assert.ok(slow >= 1800, `the fifth attempt waited ${slow} ms`);
    await guesser.close();
    await friend.close();
  }, OPS);
});

Deno.test("a wrong JSON op is auth_failed and the connection goes on; a non-string password is bad_request", async () => {
  await withServer([], async ({ port }) => {
    const { client: j } = await joinJson(port, "j", { rooms: ["lobby"] });
    j.sendJson({ type: "op", password: "wrong", ref: "o1" });
    const e = await j.event("error");
    assert.equal(e.code, "auth_failed");
    assert.match(String(e.message), /wrong operator password, check it and try \/op again/);
    j.sendJson({ type: "op", password: 42 });
    const bad = await j.event("error");
    assert.deepEqual([bad.code, bad.message], ["bad_request", 'op needs a "password" string']);
    j.sendJson({ type: "kick", name: "j" });
    assert.equal((await j.event("error")).code, "not_operator", "still no operator");
    j.sendJson({ type: "say", text: "still here", ref: "s1" });
    assert.equal((await j.event("ack")).ref, "s1");
    await j.close();
  }, OPS);
});

Deno.test("behind --trust-proxy a ban is of the forwarded address: that client's WebSocket is banned, another forwarded one is not, nor the proxy", async () => {
  const server = await startWebServer(["--trust-proxy", "127.0.0.1"], OPS);
  const held: RawWebSocket[] = [];
  try {
    const viaProxy = async (client: string) => {
      const ws = await RawWebSocket.open(server.webPort, {
        "X-Forwarded-For": `${client}, 127.0.0.1`,
      });
      held.push(ws);
      assert.equal(ws.status, 101);
      return ws;
    };
    const alice = await joinPlain(server.port, "alice");
    await alice.send("/op hunter2");
    await alice.until((l) => l === "* You are now an operator.");
    // A name ban of a client behind the proxy bans its forwarded address, not the proxy's.
    const webby = await viaProxy("203.0.113.20");
    await webby.sendText(JSON.stringify({ type: "hello", name: "webby", reserve: false }));
    await event(webby, "welcome");
    await alice.until((l) => l.includes("webby joined"));
    await alice.send("/ban webby");
    await alice.until((l) => l.includes("webby was banned"));
    await alice.send("/bans");
    assert.match(
      await alice.until((l) => l.startsWith("* Bans")),
      /^\* Bans: webby \(by alice\), 203\.0\.113\.20 \(by alice\)$/,
    );
    await alice.send("/ban 203.0.113.9 proxied troll");
    await alice.until((l) => l.includes("203.0.113.9 was banned"));
    for (const banned of ["203.0.113.9", "203.0.113.20"]) {
      const ws = await viaProxy(banned);
      const e = JSON.parse((await ws.readText())!);
      assert.deepEqual([e.type, e.code], ["error", "banned"], banned);
      assert.equal(await ws.readText(), null, "and the connection closes");
    }
    const other = await viaProxy("198.51.100.1");
    await other.sendText(JSON.stringify({ type: "hello", name: "other", reserve: false }));
    await event(other, "welcome");
    // The proxy's own address is not banned: alice, on 127.0.0.1, is still here.
    await alice.send("still here");
    assert.equal((await event(other, "message")).text, "still here");
    await alice.close();
  } finally {
    held.forEach((c) => c.close());
    await server.stop();
  }
});
