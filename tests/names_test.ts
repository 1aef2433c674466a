import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, withServer } from "./helpers.ts";

Deno.test("names: letters and digits of any script, _ - . and 1 to 32 characters", async () => {
  await withServer([], async ({ port }) => {
    const c = await LineClient.connect(port);
    await c.line();
    const refused = [
      "bob smith",
      "a".repeat(33),
      "bob!",
      "<img>",
      "bo\tb",
      "\u{1F600}",
      "..\u0000",
    ];
    for (const name of refused) {
      await c.send(name);
      assert.match(await c.line(), /^! bad_name: /, JSON.stringify(name));
    }
    // Retry on the same connection until a name is accepted.
    await c.send("Zoë_ß-Ωμέγα.名前9");
    assert.match(await c.line(), /^\* Welcome, Zoë_ß-Ωμέγα\.名前9! /);
    const long = await joinPlain(port, "b".repeat(32));
    for (const x of [c, long]) await x.close();
  });
});

Deno.test("names are unique case-insensitively; a taken name can be retried", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "Alice");
    const c = await LineClient.connect(port);
    await c.line();
    await c.send("aLiCe");
    assert.equal(await c.line(), "! name_taken: the name aLiCe is taken, choose another");
    await c.send("alice2");
    assert.match(await c.line(), /^\* Welcome, alice2!/);
    // JSON mode retries with another hello on the same connection.
    const j = await LineClient.connect(port);
    await j.line();
    await j.sendJson({ type: "hello", name: "ALICE" });
    const err = await j.json();
    assert.equal(err.type, "error");
    assert.equal(err.code, "name_taken");
    await j.sendJson({ type: "hello", name: "bad name" });
    assert.equal((await j.json()).code, "bad_name");
    await j.sendJson({ type: "hello", name: "alice3" });
    assert.equal((await j.json()).type, "welcome");
    for (const x of [alice, c, j]) await x.close();
  });
});

Deno.test("/nick follows the same rules; a case change of one's own name is allowed", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const { client: bob } = await joinJson(port, "bob");
    await alice.line(); // bob joined
    await alice.send("/nick BOB");
    assert.equal(await alice.line(), "! name_taken: the name BOB is taken, choose another");
    await alice.send("/nick a b");
    // "/nick a b" takes the first word: "a" is a fine name.
    assert.equal(await alice.line(), "* alice is now a");
    await bob.sendJson({ type: "nick", name: "no way" });
    assert.equal((await bob.event("error")).code, "bad_name");
    await bob.sendJson({ type: "nick", name: "Bob" });
    const n = await bob.event("nick");
    assert.deepEqual([n.from, n.to], ["bob", "Bob"]);
    await alice.close();
    await bob.close();
  });
});

Deno.test("a name freed by leaving can be taken again", async () => {
  await withServer([], async ({ port }) => {
    const a = await joinPlain(port, "alice");
    await a.send("/quit");
    await a.closed();
    const again = await joinPlain(port, "ALICE");
    await again.close();
  });
});
