import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, withServer } from "./helpers.ts";

// Plain mode (netcat users and benchmarks): every line of PROTOCOL.md's table.

Deno.test("the banner comes first, then the welcome lists who is online", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const bob = await LineClient.connect(port);
    assert.deepEqual(await bob.line(), "* Welcome to chat! Enter your name:");
    await bob.send("bob");
    assert.deepEqual(
      await bob.line(),
      "* Welcome, bob! 2 online: alice, bob. Type /help for commands.",
    );
    assert.deepEqual(await alice.line(), "* bob joined the chat");
    await alice.close();
    await bob.close();
  });
});

Deno.test("messages reach everyone else, never echoed to the sender", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const bob = await joinPlain(port, "bob");
    const carol = await joinPlain(port, "carol");
    await alice.send("hello");
    assert.deepEqual(await bob.until((l) => !l.startsWith("* ")), "alice: hello");
    assert.deepEqual(await carol.line(), "alice: hello");
    await alice.send("/who");
    // The /who reply comes after the message would have, had it been echoed.
    assert.deepEqual(
      await alice.until((l) => l.includes("online")),
      "* 3 online: alice, bob, carol",
    );
    assert.deepEqual(alice.buffered.length, 0);
    for (const c of [alice, bob, carol]) await c.close();
  });
});

Deno.test("/me, /nick, /who and /names, leave notices", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const bob = await joinPlain(port, "bob");
    await alice.line(); // bob joined
    await bob.send("/me waves");
    assert.deepEqual(await alice.line(), "* bob waves");
    await bob.send("/nick robert");
    assert.deepEqual(await alice.line(), "* bob is now robert");
    assert.deepEqual(await bob.line(), "* bob is now robert");
    await alice.send("/names");
    assert.deepEqual(await alice.line(), "* 2 online: alice, robert");
    await bob.send("/quit");
    assert.deepEqual(await alice.line(), "* robert left the chat");
    await bob.closed();
    await alice.close();
  });
});

Deno.test("a bare exit leaves, like the original C client", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const bob = await joinPlain(port, "bob");
    await alice.line();
    await bob.send("exit");
    assert.deepEqual(await alice.line(), "* bob left the chat");
    await bob.closed();
    assert.ok(bob.eof);
    await alice.close();
  });
});

Deno.test("a direct message reaches only its recipient; the sender sees a confirmation", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const bob = await joinPlain(port, "bob");
    const carol = await joinPlain(port, "carol");
    await alice.send("/msg bob psst, a secret");
    assert.deepEqual(
      await bob.until((l) => l.startsWith("(private)")),
      "(private) alice: psst, a secret",
    );
    assert.deepEqual(
      await alice.until((l) => l.includes("private")),
      "* (private) to bob: psst, a secret",
    );
    await alice.send("/dm BOB alias works");
    assert.deepEqual(await bob.line(), "(private) alice: alias works");
    await alice.send("/msg nobody hi");
    assert.match(
      await alice.until((l) => l.startsWith("!")),
      /^! no_such_user: nobody called nobody/,
    );
    // carol saw the joins and then the public line only.
    await alice.send("public");
    assert.deepEqual(await carol.until((l) => !l.startsWith("* ")), "alice: public");
    for (const c of [alice, bob, carol]) await c.close();
  });
});

Deno.test("// escapes a leading slash; empty lines are ignored; unknown commands are refused", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const bob = await joinPlain(port, "bob");
    await alice.line();
    await bob.send("");
    await bob.send("   ");
    await bob.send("//etc/passwd is a path");
    assert.deepEqual(await alice.line(), "bob: /etc/passwd is a path");
    await bob.send("/dance");
    assert.deepEqual(
      await bob.line(),
      "! unknown_command: /dance is not a command, /help lists them (// sends a line starting with /)",
    );
    await bob.send("/msg alice");
    assert.deepEqual(await bob.line(), "! bad_request: usage: /msg NAME TEXT");
    await bob.send("after");
    assert.deepEqual(await alice.line(), "bob: after");
    await alice.close();
    await bob.close();
  });
});

Deno.test("/help lists every command from the command table", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    await alice.send("/help");
    const lines: string[] = [];
    while (true) {
      const l = await alice.line();
      lines.push(l);
      if (l.startsWith("* Anything else")) break;
    }
    for (const c of ["/msg NAME TEXT", "/me TEXT", "/nick NEW", "/who", "/help", "/quit"]) {
      assert.ok(lines.some((l) => l.includes(c)), `help mentions ${c}`);
    }
    assert.ok(lines.every((l) => l.startsWith("* ")));
    await alice.close();
  });
});

Deno.test("history is replayed between markers before the welcome", async () => {
  await withServer(["--history", "3"], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    for (const t of ["one", "two", "three", "four"]) await alice.send(t);
    await alice.send("/me is done");
    await alice.send("/who");
    await alice.until((l) => l.includes("online"));
    const bob = await LineClient.connect(port);
    await bob.line();
    await bob.send("bob");
    assert.deepEqual(await bob.line(), "* Last 3 messages:");
    assert.deepEqual(await bob.line(), "alice: three");
    assert.deepEqual(await bob.line(), "alice: four");
    assert.deepEqual(await bob.line(), "* alice is done");
    assert.deepEqual(await bob.line(), "* End of history.");
    assert.match(await bob.line(), /^\* Welcome, bob! 2 online/);
    await alice.close();
    await bob.close();
  });
});

Deno.test("plain and JSON clients talk to each other", async () => {
  await withServer([], async ({ port }) => {
    const plain = await joinPlain(port, "nc_user");
    const { client: json } = await joinJson(port, "bot");
    assert.deepEqual(await plain.line(), "* bot joined the chat");
    await json.sendJson({ type: "say", text: "hello netcat", ref: "r1" });
    assert.deepEqual(await plain.line(), "bot: hello netcat");
    await json.sendJson({ type: "me", text: "beeps" });
    assert.deepEqual(await plain.line(), "* bot beeps");
    await plain.send("hello bot");
    const m = await json.event("message");
    assert.deepEqual([m.from, m.text], ["nc_user", "hello netcat".replace("netcat", "bot")]);
    await plain.send("/msg bot private");
    const dm = await json.event("dm");
    assert.deepEqual([dm.from, dm.to, dm.text], ["nc_user", "bot", "private"]);
    await json.sendJson({ type: "dm", to: "NC_USER", text: "back", ref: "d1" });
    assert.deepEqual(await plain.until((l) => l.startsWith("(private)")), "(private) bot: back");
    await plain.close();
    await json.close();
  });
});
