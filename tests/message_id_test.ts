import assert from "node:assert/strict";
import { joinJson, withServer } from "./helpers.ts";

// Message ids (docs/protocol.md): a say or me with an id the room already
// stored is acked with the original seq and stored and shown only once.

Deno.test("a resent id is acked with the first seq and shown once; other ids and rooms are new", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    const { client: bob } = await joinJson(port, "bob");
    await alice.event("join");
    await alice.sendJson({ type: "say", text: "once", ref: "a", id: "m-1" });
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", ref: "a", seq: 1 });
    // The resend in the same turn as a new message, and one in the next turn.
    await alice.sendRaw(
      JSON.stringify({ type: "say", text: "once", ref: "b", id: "m-1" }) + "\n" +
        JSON.stringify({ type: "me", text: "waves", ref: "c", id: "m-2" }) + "\n",
    );
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", ref: "b", seq: 1 });
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", ref: "c", seq: 2 });
    await alice.sendJson({ type: "say", text: "once", ref: "d", id: "m-1" });
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", ref: "d", seq: 1 });
    // The same id in another room is another message.
    await alice.sendJson({ type: "enter", room: "dev" });
    assert.equal((await alice.event("room")).room, "dev");
    await alice.sendJson({ type: "say", room: "dev", text: "dev once", ref: "e", id: "m-1" });
    assert.deepEqual(await alice.json(), { type: "ack", room: "dev", ref: "e", seq: 1 });
    const seen = [await bob.json(), await bob.json()];
    assert.deepEqual(seen.map((m) => [m.type, m.seq, m.text]), [
      ["message", 1, "once"],
      ["message", 2, "waves"],
    ]);
    await bob.sendJson({ type: "who" });
    assert.equal((await bob.json()).type, "members", "nothing else reached bob");
    await alice.close();
    await bob.close();
  });
});

Deno.test("a bad id is a bad_request with its ref; nothing is stored and the connection goes on", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice");
    for (const id of ["", "x".repeat(65), "a b", "é", 7, null]) {
      await alice.sendJson({ type: "say", text: "no", ref: "r", id });
      const e = await alice.json();
      assert.equal(e.type, "error");
      assert.equal(e.code, "bad_request");
      assert.equal(e.ref, "r");
      assert.match(String(e.message), /"id" must be 1 to 64/);
    }
    await alice.sendJson({ type: "say", text: "yes", ref: "ok", id: crypto.randomUUID() });
    assert.deepEqual(await alice.json(), { type: "ack", room: "lobby", ref: "ok", seq: 1 });
    await alice.close();
  });
});
