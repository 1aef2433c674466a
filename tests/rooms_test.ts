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
    assert.match(help.at(-1)!, /^\* Anything else is a message to your current room; /);
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

Deno.test("outsiders of an existing room get not_in_room for say, me, topic and part; its members get nothing", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice", { rooms: ["dev"] });
    await alice.event("room");
    await alice.sendJson({ type: "topic", room: "dev", text: "the old topic" });
    await alice.event("topic");
    const { client: c } = await joinJson(port, "c"); // the lobby only
    const refused = async (o: Record<string, unknown>) => {
      await c.sendJson(o);
      const e = await c.event("error");
      return [e.code, e.ref, e.message];
    };
    const notIn = "you are not in #dev: /join dev first";
    assert.deepEqual(await refused({ type: "say", room: "dev", text: "in?", ref: "s" }), [
      "not_in_room",
      "s",
      notIn,
    ]);
    assert.deepEqual(await refused({ type: "me", room: "DEV", text: "waves", ref: "m" }), [
      "not_in_room",
      "m",
      notIn,
    ]);
    assert.deepEqual(await refused({ type: "topic", room: "dev", text: "mine now" }), [
      "not_in_room",
      undefined,
      notIn,
    ]);
    assert.deepEqual(await refused({ type: "part", room: "#dev" }), [
      "not_in_room",
      undefined,
      notIn,
    ]);
    // Plain mode: /part of a room one is not in, and lines once in no room
    const p = await joinPlain(port, "p");
    await p.send("/part dev");
    assert.equal(await p.line(), `! not_in_room: ${notIn}`);
    await p.send("/part");
    assert.equal(await p.line(), "* You left #lobby");
    assert.equal(await p.line(), "* You are in no room now: /join ROOM.");
    await p.send("hello?");
    assert.equal(await p.line(), "! not_in_room: you are in no room: /join ROOM first");
    await p.send("/topic mine");
    assert.equal(await p.line(), "! not_in_room: you are in no room: /join ROOM first");
    // dev is unchanged and heard nothing of it
    await alice.sendJson({ type: "say", room: "dev", text: "still mine", ref: "a" });
    assert.deepEqual(await alice.event("ack"), { type: "ack", room: "dev", ref: "a", seq: 1 });
    await alice.sendJson({ type: "rooms" });
    const dev = ((await alice.event("rooms")).rooms as { name: string; topic: string }[])
      .find((r) => r.name === "dev");
    assert.equal(dev?.topic, "the old topic");
    assert.ok(
      !alice.buffered.some((l) => /in\?|waves|mine now|"from":"c"/.test(l)),
      alice.buffered.join("\n"),
    );
    for (const x of [alice, c, p]) await x.close();
  });
});

Deno.test("who lists any room that exists, also one the asker is not in", async () => {
  await withServer([], async ({ port }) => {
    const { client: alice } = await joinJson(port, "alice", { rooms: ["dev"] });
    await alice.event("room");
    const { client: c } = await joinJson(port, "c");
    await c.sendJson({ type: "who", room: "dev" });
    assert.deepEqual(await c.event("members"), { type: "members", room: "dev", names: ["alice"] });
    await c.sendJson({ type: "who", room: "nowhere" });
    const e = await c.event("error");
    assert.deepEqual([e.code, e.message], [
      "not_in_room",
      "there is no room #nowhere, /join nowhere creates it",
    ]);
    const p = await joinPlain(port, "p");
    await p.send("/who #DEV");
    assert.equal(await p.line(), "* #dev: 1 online: alice");
    await p.send("/who");
    assert.equal(await p.line(), "* 2 online: c, p");
    // Looking is not entering: alice was told of nobody joining dev
    await alice.sendJson({ type: "who", room: "dev" });
    assert.deepEqual((await alice.event("members")).names, ["alice"]);
    assert.ok(!alice.buffered.some((l) => l.includes('"join"')), alice.buffered.join("\n"));
    for (const x of [alice, c, p]) await x.close();
  });
});

/** `parts` as one byte string: text as UTF-8, numbers as raw bytes (0xff: invalid UTF-8). */
function bytes(...parts: (string | number)[]): Uint8Array {
  const enc = new TextEncoder();
  return new Uint8Array(parts.flatMap((p) => typeof p === "number" ? [p] : [...enc.encode(p)]));
}

Deno.test("hostile room names and topics are refused or cleaned, and nobody else is hurt", async () => {
  await withServer([], async ({ port }) => {
    // eve (plain) and mallory (JSON) attack from inside #dev; dana (JSON) and
    // bob (plain) sit there and must get every legitimate line once, clean.
    const eve = await joinPlain(port, "eve");
    await eve.send("/join dev");
    await eve.until((l) => l.startsWith("* Now in #dev"));
    const { client: mallory } = await joinJson(port, "mallory", { rooms: ["dev"] });
    await mallory.event("room");
    const { client: dana } = await joinJson(port, "dana", { rooms: ["lobby", "dev"] });
    await dana.event("room");
    const bob = await joinPlain(port, "bob");
    await bob.send("/join dev");
    await bob.until((l) => l.startsWith("* Now in #dev"));
    const notName =
      "is not a room name: a room name may only contain letters, digits, _ - and . (no spaces), choose another";

    await eve.send("legit one");
    // An escape inside the name is refused, not cleaned into #dev
    await eve.sendRaw(bytes("/join de\x1b[1mv\n"));
    assert.equal(await eve.until((l) => l.startsWith("!")), `! bad_room: #de?[1mv ${notName}`);
    await eve.sendRaw(bytes("/part de\x1b[1mv\n"));
    assert.match(await eve.line(), /^! bad_room: #de\?\[1mv is not a room name/);
    await eve.sendRaw(bytes("/who \x9bdev\n"));
    assert.match(await eve.line(), /^! bad_room: #\?dev is not a room name/);
    // Invalid UTF-8 (real bytes on the socket) in a name: U+FFFD, refused
    await eve.sendRaw(bytes("/join dev", 0xff, 0xfe, "\n"));
    assert.match(await eve.line(), /^! bad_room: #dev\uFFFD\uFFFD is not a room name/);
    // ... and in a topic: U+FFFD, with the escapes around it cleaned
    await eve.sendRaw(bytes("/topic caf", 0xff, " \x1b]0;pwned\x07ok\x1b[2J\n"));
    assert.equal(await eve.line(), "* eve set the topic: caf\uFFFD ok");
    // 200 KB of topic or of room name: the line is refused whole
    await eve.send("/topic " + "t".repeat(200_000));
    assert.match(await eve.line(), /^! line_too_long: /);
    await eve.send("/join " + "r".repeat(200_000));
    assert.match(await eve.line(), /^! line_too_long: /);
    await eve.send("legit two");
    // What bob sees is kept whole, to be checked at the end
    const seen: string[] = [];
    while (seen.at(-1) !== "eve: legit two") seen.push(await bob.line());

    const err = async (line: Uint8Array | string) => {
      await mallory.sendRaw(typeof line === "string" ? line + "\n" : line);
      return (await mallory.event("error")).code;
    };
    const json = (o: Record<string, unknown>) => JSON.stringify(o);
    assert.equal(await err(json({ type: "enter", room: "de\x1b[1mv" })), "bad_room");
    assert.equal(await err(json({ type: "part", room: "de\x1b[1mv" })), "bad_room");
    assert.equal(await err(bytes('{"type":"enter","room":"d', 0xff, '"}\n')), "bad_room");
    assert.equal(
      await err(json({ type: "topic", room: "dev", text: "y".repeat(200_000) })),
      "line_too_long",
    );
    assert.equal(await err(json({ type: "enter", room: "z".repeat(200_000) })), "line_too_long");
    assert.equal(
      await err(json({ type: "topic", room: "dev", text: "y".repeat(301) })),
      "bad_request",
    );
    await mallory.sendRaw(bytes('{"type":"topic","room":"dev","text":"x', 0xff, '\\u001b[5my"}\n'));
    assert.equal((await mallory.event("topic")).text, "x\uFFFDy");
    await mallory.sendJson({ type: "say", room: "dev", text: "legit three", ref: "m" });
    assert.deepEqual(await mallory.event("ack"), { type: "ack", room: "dev", ref: "m", seq: 3 });

    // The bystanders: exactly the legitimate lines, once each, in order
    while (seen.at(-1) !== "mallory: legit three") seen.push(await bob.line());
    assert.deepEqual(seen, [
      "eve: legit one",
      "* eve set the topic: caf\uFFFD ok",
      "eve: legit two",
      "* mallory set the topic: x\uFFFDy",
      "mallory: legit three",
    ]);
    const events: unknown[] = [];
    while (true) {
      const e = await dana.json();
      if (e.type === "join") continue; // bob's, in the lobby and in dev
      events.push([e.type, e.room, e.from ?? e.by, e.text]);
      if (e.text === "legit three") break;
    }
    assert.deepEqual(events, [
      ["message", "dev", "eve", "legit one"],
      ["topic", "dev", "eve", "caf\uFFFD ok"],
      ["message", "dev", "eve", "legit two"],
      ["topic", "dev", "mallory", "x\uFFFDy"],
      ["message", "dev", "mallory", "legit three"],
    ]);
    await bob.send("/rooms");
    assert.equal(await bob.line(), "* Rooms: #dev (4), #lobby (3)");
    // Invalid UTF-8 as a user name is refused too (and the attempt reaches nobody)
    const raw = await LineClient.connect(port);
    await raw.line();
    await raw.sendRaw(bytes("r", 0xff, 0xfe, "\n"));
    assert.match(await raw.line(), /^! bad_name: /);
    await bob.send("/who");
    assert.equal(await bob.line(), "* 4 online: bob, dana, eve, mallory");
    for (const x of [eve, mallory, dana, bob, raw]) await x.close();
  });
});
