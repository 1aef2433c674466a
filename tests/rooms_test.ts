// Rooms over real sockets: plain and JSON clients in two rooms, per-room
// seq and acks, a member in several rooms, part and rejoin, a rename told
// once, the errors, the epoch, and hostile room names and topics.
import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, withServer } from "./helpers.ts";

Deno.test("two rooms: each member sees only the rooms it is in, with a seq per room", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice", { rooms: ["lobby", "dev"] });
    const room = await alice.event("room");
    assert.deepEqual(room, {
      type: "room",
      room: "dev",
      topic: "",
      members: ["alice"],
      history: [],
    });
    const { client: bob } = await joinJson(port, "bob"); // an old client: lobby only
    const carol = await joinPlain(port, "carol");
    await carol.send("/join dev");
    assert.equal(await carol.line(), "* Now in #dev: 2 online: alice, carol.");
    assert.equal((await alice.event("join")).name, "bob");
    assert.equal((await alice.event("join")).name, "carol"); // the lobby
    assert.deepEqual(
      { ...(await alice.event("join")), ts: "" },
      { type: "join", room: "dev", ts: "", name: "carol" },
    );
    await alice.sendJson({ type: "say", room: "dev", text: "in dev", ref: "d1" });
    assert.deepEqual(await alice.event("ack"), { type: "ack", room: "dev", ref: "d1", seq: 1 });
    await alice.sendJson({ type: "say", text: "in the lobby", ref: "l1" });
    assert.deepEqual(await alice.event("ack"), { type: "ack", room: "lobby", ref: "l1", seq: 1 });
    await alice.sendJson({ type: "say", room: "dev", text: "again", ref: "d2" });
    assert.equal((await alice.event("ack")).seq, 2);
    // carol's current room is dev: its lines come bare, the lobby's prefixed
    assert.equal(await carol.line(), "alice: in dev");
    assert.equal(await carol.line(), "[#lobby] alice: in the lobby");
    assert.equal(await carol.line(), "alice: again");
    // bob is in the lobby only: he never hears of dev
    const m = await bob.event("message");
    assert.deepEqual([m.room, m.seq, m.text], ["lobby", 1, "in the lobby"]);
    await carol.send("plain goes to the current room");
    const d = await alice.event("message");
    assert.deepEqual([d.room, d.seq, d.from], ["dev", 3, "carol"]);
    await bob.sendJson({ type: "who" });
    assert.deepEqual((await bob.event("members")).names, ["alice", "bob", "carol"]);
    assert.ok(!bob.buffered.some((l) => l.includes('"dev"')), bob.buffered.join("\n"));
    for (const c of [alice, bob, carol]) await c.close();
  });
});

Deno.test("plain mode: /join, /part, /rooms, /topic and /who ROOM", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const bob = await joinPlain(port, "bob");
    await alice.until((l) => l === "* bob joined the chat");
    await bob.send("/join ops");
    await bob.until((l) => l.startsWith("* Now in #ops"));
    await bob.send("/topic the pager is on");
    assert.equal(await bob.line(), "* bob set the topic: the pager is on");
    await alice.send("/join #OPS");
    assert.equal(await alice.line(), "* Now in #ops: 2 online: alice, bob. Topic: the pager is on");
    assert.equal(await bob.line(), "* alice joined the chat");
    await alice.send("/rooms");
    assert.equal(await alice.line(), "* Rooms: #lobby (2), #ops (2)");
    await alice.send("/who lobby");
    assert.equal(await alice.line(), "* #lobby: 2 online: alice, bob");
    await alice.send("/topic");
    assert.equal(await alice.line(), "* Topic of #ops: the pager is on");
    await alice.send("/part");
    assert.equal(await alice.line(), "* You left #ops");
    assert.equal(await alice.line(), "* Now talking in #lobby.");
    assert.equal(await bob.line(), "* alice left the chat");
    await alice.send("/part ops");
    assert.match(await alice.line(), /^! not_in_room: you are not in #ops: \/join ops first$/);
    await alice.send("/join bad!name");
    assert.match(await alice.line(), /^! bad_room: /);
    await alice.send("/help");
    const help = [];
    while (true) {
      const l = await alice.line();
      help.push(l);
      if (l.startsWith("* Anything else")) break;
    }
    for (const c of ["/join ROOM", "/part [ROOM]", "/rooms", "/topic [TEXT]", "/who [ROOM]"]) {
      assert.ok(help.some((l) => l.includes(c)), c);
    }
    await alice.close();
    await bob.close();
  });
});

Deno.test("a member in several rooms: one leave per room when it goes, one nick for a rename", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice", { rooms: ["lobby", "a", "b"] });
    const { client: bob } = await joinJson(port, "bob", { rooms: ["lobby", "a", "b"] });
    const { client: carol } = await joinJson(port, "carol", { rooms: ["b"] });
    const { client: dave } = await joinJson(port, "dave", { rooms: ["elsewhere"] });
    await alice.sendJson({ type: "nick", name: "alicia" });
    for (const c of [alice, bob, carol]) assert.equal((await c.event("nick")).to, "alicia");
    await bob.sendJson({ type: "ping" });
    await bob.event("pong");
    assert.equal(bob.buffered.filter((l) => l.includes('"nick"')).length, 0, "told once");
    assert.ok(!dave.buffered.some((l) => l.includes("alicia")), "not told: shares no room");
    await alice.sendJson({ type: "bye" });
    const leaves = [];
    for (let i = 0; i < 3; i++) leaves.push(await bob.event("leave"));
    assert.deepEqual(leaves.map((l) => [l.room, l.reason]).sort(), [
      ["a", "quit"],
      ["b", "quit"],
      ["lobby", "quit"],
    ]);
    assert.equal((await carol.event("leave")).room, "b");
    // part and rejoin
    await carol.sendJson({ type: "part", room: "b" });
    assert.deepEqual((await carol.event("leave")).reason, "part");
    await carol.sendJson({ type: "enter", room: "b", since: 0 });
    assert.equal((await carol.event("room")).room, "b");
    assert.equal((await bob.event("join")).name, "carol");
    for (const c of [bob, carol, dave]) await c.close();
  });
});

Deno.test("room errors: bad_room, not_in_room, room_limit; the connection goes on", async () => {
  await withServer(["--max-rooms", "3"], async ({ port }) => {
    const { client: c } = await joinJson(port, "c");
    const err = async (o: unknown) => {
      await c.sendJson(o);
      return (await c.event("error")).code;
    };
    assert.equal(await err({ type: "enter", room: "two words" }), "bad_room");
    assert.equal(await err({ type: "enter", room: "x".repeat(33) }), "bad_room");
    assert.equal(await err({ type: "say", room: "dev", text: "hi", ref: "r" }), "not_in_room");
    assert.equal(await err({ type: "topic", room: "lobby2", text: "t" }), "not_in_room");
    await c.sendJson({ type: "enter", room: "r2" });
    await c.event("room");
    await c.sendJson({ type: "enter", room: "r3" });
    await c.event("room");
    assert.equal(await err({ type: "enter", room: "r4" }), "room_limit");
    assert.equal(await err({ type: "enter", room: 5 }), "bad_request");
    await c.sendJson({ type: "rooms" });
    const rooms = await c.event("rooms");
    assert.deepEqual((rooms.rooms as { name: string }[]).map((r) => r.name).sort(), [
      "lobby",
      "r2",
      "r3",
    ]);
    await c.sendJson({ type: "say", room: "r3", text: "still fine", ref: "ok" });
    assert.deepEqual(await c.event("ack"), { type: "ack", room: "r3", ref: "ok", seq: 1 });
    await c.close();
  });
});

Deno.test("epoch: a hello with another epoch gets reset and the recent history, not since", async () => {
  await withServer([], async ({ port }) => {
    const { client: a, welcome } = await joinJson(port, "a");
    assert.equal(typeof welcome.epoch, "string");
    assert.deepEqual(welcome.rooms, ["lobby"]);
    for (const t of ["one", "two", "three"]) await a.sendJson({ type: "say", text: t });
    for (let i = 0; i < 3; i++) await a.event("ack");
    const same = await joinJson(port, "b", { epoch: welcome.epoch, since: 2 });
    assert.deepEqual((same.welcome.history as { text: string }[]).map((m) => m.text), ["three"]);
    assert.equal(same.welcome.reset, undefined);
    const other = await joinJson(port, "c", { epoch: "an older life", since: 2 });
    assert.equal(other.welcome.reset, true);
    assert.deepEqual((other.welcome.history as { text: string }[]).map((m) => m.text), [
      "one",
      "two",
      "three",
    ]);
    for (const c of [a, same.client, other.client]) await c.close();
  });
});

Deno.test("hostile room names and topics are refused or cleaned, and nobody else is hurt", async () => {
  await withServer([], async ({ port }) => {
    const { client: c } = await joinJson(port, "c", { rooms: ["lobby", "dev"] });
    await c.event("room");
    const plain = await joinPlain(port, "p");
    await c.sendJson({ type: "enter", room: "\x1b[31mred" });
    assert.equal((await c.event("error")).code, "bad_room");
    await c.sendJson({ type: "enter", room: "\uFFFD\u202e" });
    assert.equal((await c.event("error")).code, "bad_room");
    await c.sendJson({
      type: "topic",
      room: "lobby",
      text: "\x1b]0;pwned\x07clean \x1b[2Jtopic\u0085",
    });
    const t = await c.event("topic");
    assert.equal(t.text, "clean topic");
    assert.equal(await plain.until((l) => l.includes("topic")), "* c set the topic: clean topic");
    await c.sendJson({ type: "topic", room: "dev", text: "y".repeat(301) });
    assert.equal((await c.event("error")).code, "bad_request");
    // 200 KB of room name: the line is refused whole, the connection goes on
    await c.send(JSON.stringify({ type: "enter", room: "z".repeat(200_000) }));
    assert.equal((await c.event("error")).code, "line_too_long");
    const raw = await LineClient.connect(port);
    await raw.line();
    await raw.sendRaw(new Uint8Array([0x72, 0xff, 0xfe, 0x0a])); // "r" + invalid UTF-8 as a name
    assert.match(await raw.line(), /^! bad_name/);
    await raw.sendRaw(new TextEncoder().encode("raw\n/join de\x1b[1mv\xff\n"));
    assert.match(
      await raw.until((l) => l.startsWith("! ") || l.startsWith("* Now")),
      /^! bad_room|^\* Now in #dev/,
    );
    await c.sendJson({ type: "ping" });
    await c.event("pong");
    for (const x of [c, plain, raw]) await x.close();
  });
});
