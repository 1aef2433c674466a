// The IRC gateway against a scripted raw-socket client: registration,
// channels, messages both ways with netcat and JSON users, queries.
import assert from "node:assert/strict";
import { joinJson, joinPlain } from "./helpers.ts";
import { ircJoin, IrcTestClient, withIrcServer } from "./irc_helpers.ts";

Deno.test("registration: CAP LS 302, NICK, USER give 001-005 with honest ISUPPORT and the MOTD", async () => {
  await withIrcServer([], async (s) => {
    const c = await IrcTestClient.connect(s.ircPort);
    await c.send("CAP LS 302");
    const ls = await c.expect(" CAP * LS ");
    for (const cap of ["server-time", "echo-message", "batch", "sasl=PLAIN"]) {
      assert.match(ls, new RegExp(`[ :]${cap}( |$)`), ls);
    }
    await c.send("NICK bob");
    await c.send("USER bob 0 * :Bob Builder");
    // CAP negotiation holds registration until CAP END.
    assert.deepEqual(await c.drain(300), []);
    await c.send("CAP END");
    const lines = await c.collect(/ 376 /);
    assert.match(lines[0], /^:irc\.test 001 bob :Welcome/);
    assert.ok(lines.some((l) => /^:irc\.test 004 bob irc\.test chat-\S+ /.test(l)));
    const isupport = lines.filter((l) => / 005 /.test(l)).join(" ");
    for (
      const t of [
        "CHANTYPES=#",
        "NICKLEN=32",
        "CHANNELLEN=33",
        "CASEMAPPING=",
        "PREFIX=(o)@",
        "TOPICLEN=300",
      ]
    ) assert.ok(isupport.includes(t), `${t} in ${isupport}`);
    assert.ok(lines.some((l) => / 375 bob /.test(l)) && lines.some((l) => / 372 bob /.test(l)));
    // In no channel until JOIN, as on any IRC server.
    await c.send("WHOIS bob");
    const whois = await c.collect(/ 318 /);
    assert.ok(!whois.some((l) => / 319 /.test(l)), whois.join("\n"));
    await c.close();
  });
});

Deno.test("registration errors: 451 before it, 431, 432, 433 (then a new NICK works), 461, 421, 462", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const c = await IrcTestClient.connect(s.ircPort);
    await c.send("JOIN #lobby");
    await c.expect(/^:irc\.test 451 \* :You have not registered/);
    await c.send("PING :early");
    await c.expect(/^:irc\.test PONG irc\.test :?early$/);
    await c.send("USER bob 0 *");
    await c.expect(/ 461 \* USER :Not enough parameters/);
    await c.send("NICK");
    await c.expect(/ 431 /);
    await c.send("USER bob 0 * :Bob");
    await c.send("NICK bad[nick]");
    await c.expect(/ 432 \* bad\[nick\] :/);
    await c.send("NICK Alice");
    await c.expect(/ 433 \* Alice :the name Alice is taken/);
    await c.send("NICK bob");
    await c.expect(/^:irc\.test 001 bob /);
    await c.expect(/ 376 /);
    await c.send("FROBNICATE x");
    await c.expect(/ 421 bob FROBNICATE :Unknown command/);
    // QUIT before registering ends the connection too.
    const early = await IrcTestClient.connect(s.ircPort);
    await early.send("NICK early");
    await early.send("QUIT :changed my mind");
    await early.expect(/^ERROR :Closing Link: \* \(Quit: changed my mind\)/);
    await early.closed();
    await c.send("USER again 0 * :x");
    await c.expect(/ 462 bob :/);
    await c.send("PASS late");
    await c.expect(/ 462 bob :/);
    await c.close();
    await alice.close();
  });
});

Deno.test("JOIN several, PART, JOIN 0, and their errors (403, 442, 479)", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob");
    await bob.send("JOIN #lobby,#dev");
    const lobby = await bob.collect(/ 366 bob #lobby /);
    assert.ok(lobby.includes(":bob!bob@chat JOIN #lobby"), lobby.join("\n"));
    assert.ok(
      lobby.some((l) => /^:irc\.test 353 bob = #lobby :.*\balice\b/.test(l)),
      lobby.join("\n"),
    );
    await bob.expect(":bob!bob@chat JOIN #dev");
    await bob.expect(/ 366 bob #dev /);
    await alice.until((l) => l === "* bob joined the chat");
    // Joining again does nothing.
    await bob.send("JOIN #lobby");
    await bob.send("PART #nowhere");
    await bob.expect(/ 403 bob #nowhere :No such channel/);
    await alice.send("/join ops");
    await alice.until((l) => l.startsWith("* Now in #ops"));
    await bob.send("PART #ops");
    await bob.expect(/ 442 bob #ops :You're not on that channel/);
    await bob.send("JOIN #bad!name");
    await bob.expect(/ 479 bob #bad!name :/);
    await bob.send("PART #dev");
    await bob.expect(":bob!bob@chat PART #dev");
    await bob.send("JOIN 0");
    await bob.expect(":bob!bob@chat PART #lobby");
    // alice's current room is #ops now: lobby's lines come tagged.
    await alice.until((l) => l === "[#lobby] * bob left the chat");
    await bob.send("PING :done");
    const rest = await bob.collect(/PONG/);
    assert.ok(!rest.some((l) => / JOIN /.test(l)), `no second JOIN: ${rest.join("\n")}`);
    await bob.close();
    await alice.close();
  });
});

Deno.test("PRIVMSG both ways with netcat and JSON users; no echo unless echo-message", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const { client: carol } = await joinJson(s.port, "carol");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    const echo = await ircJoin(s.ircPort, "eve", { caps: ["echo-message"], rooms: ["lobby"] });
    await alice.send("hello from netcat");
    await bob.expect(":alice!alice@chat PRIVMSG #lobby :hello from netcat");
    await bob.send("PRIVMSG #lobby :hello from irc");
    await alice.until((l) => l === "bob: hello from irc");
    const m = await carol.event("message");
    assert.equal(m.from, "alice");
    const m2 = await carol.event("message");
    assert.deepEqual([m2.from, m2.text, m2.room], ["bob", "hello from irc", "lobby"]);
    await echo.expect(":bob!bob@chat PRIVMSG #lobby :hello from irc");
    await echo.send("PRIVMSG #lobby :echoed");
    await echo.expect(":eve!eve@chat PRIVMSG #lobby :echoed");
    // bob's own line never came back to him: the next thing he sees is eve's.
    await bob.send("PING :x");
    const seen = await bob.collect(/PONG/);
    assert.deepEqual(seen.filter((l) => / PRIVMSG /.test(l)), [
      ":eve!eve@chat PRIVMSG #lobby :echoed",
    ]);
    // JSON sends with a room; IRC sees it in that channel.
    await carol.sendJson({ type: "say", text: "from json", ref: "r1" });
    await bob.expect(":carol!carol@chat PRIVMSG #lobby :from json");
    for (const c of [bob, echo]) await c.close();
    await alice.close();
    await carol.close();
  });
});

Deno.test("PRIVMSG errors: 401, 403, 404 (not in the channel), 411, 412, 407", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob");
    await bob.send("PRIVMSG nobody :hi");
    await bob.expect(/ 401 bob nobody :No such nick/);
    await bob.send("PRIVMSG #nowhere :hi");
    await bob.expect(/ 403 bob #nowhere :No such channel/);
    await bob.send("PRIVMSG #lobby :not in it");
    await bob.expect(/ 404 bob #lobby :you are not in #lobby/);
    await bob.send("PRIVMSG");
    await bob.expect(/ 411 bob :No recipient/);
    await bob.send("PRIVMSG #lobby");
    await bob.expect(/ 412 bob :No text to send/);
    await bob.send("PRIVMSG a,b,c,d,e :hi");
    await bob.expect(/ 407 bob /);
    // NOTICE errors are not answered (RFC 2812 3.3.2), but nothing else is lost.
    await bob.send("NOTICE nobody :hi");
    await bob.send("PING :after");
    const after = await bob.collect(/PONG/);
    assert.equal(after.length, 1, after.join("\n"));
    // alice saw none of it.
    await alice.send("/who");
    const who = await alice.until((l) => l.startsWith("* 2 online") || l.startsWith("* 1 online"));
    assert.ok(who.startsWith("* 1 online"), `bob is in no room: ${who}`);
    await bob.close();
    await alice.close();
  });
});

Deno.test("DMs both ways, /me as CTCP ACTION both ways, CTCP VERSION and PING answered", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    await alice.send("/msg bob psst");
    await bob.expect(":alice!alice@chat PRIVMSG bob :psst");
    await bob.send("PRIVMSG alice :back at you");
    await alice.until((l) => l === "(private) bob: back at you");
    await alice.send("/me waves");
    await bob.expect(":alice!alice@chat PRIVMSG #lobby :\x01ACTION waves\x01");
    await bob.send("PRIVMSG #lobby :\x01ACTION nods\x01");
    await alice.until((l) => l === "* bob nods");
    await bob.send("PRIVMSG alice :\x01VERSION\x01");
    await bob.expect((l) => l.startsWith(":alice!alice@chat NOTICE bob :\x01VERSION chat-"));
    await bob.send("PRIVMSG alice :\x01PING 12345\x01");
    await bob.expect(":alice!alice@chat NOTICE bob :\x01PING 12345\x01");
    // alice got no CTCP garbage.
    await alice.send("/who");
    const l = await alice.until((l) => l.startsWith("* "));
    assert.ok(!l.includes("\x01"));
    await bob.close();
    await alice.close();
  });
});

Deno.test("NAMES, WHO, WHOIS, LIST, TOPIC, AWAY, MOTD, LUSERS, USERHOST, ISON", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    await alice.send("/topic release on Friday");
    await alice.until((l) => l.includes("set the topic"));
    const bob = await ircJoin(s.ircPort, "bob");
    const joined = await bob.join("lobby");
    assert.ok(joined.includes(":irc.test 332 bob #lobby :release on Friday"), joined.join("\n"));
    await bob.send("NAMES #lobby");
    const names = await bob.collect(/ 366 /);
    assert.match(names[0], /^:irc\.test 353 bob = #lobby :(alice bob|bob alice)$/);
    await bob.send("WHO #lobby");
    const who = await bob.collect(/ 315 bob #lobby /);
    assert.ok(
      who.some((l) => / 352 bob #lobby bob chat irc\.test bob H :0 bob Test$/.test(l)),
      who.join("\n"),
    );
    assert.ok(
      who.some((l) => / 352 bob #lobby alice chat irc\.test alice H :0 chat user$/.test(l)),
    );
    await bob.send("WHOIS alice");
    const whois = await bob.collect(/ 318 /);
    assert.ok(
      whois.some((l) => / 311 bob alice alice chat \* :chat user/.test(l)),
      whois.join("\n"),
    );
    assert.ok(whois.some((l) => / 319 bob alice :?#lobby/.test(l)));
    await bob.send("WHOIS ghost");
    await bob.expect(/ 401 bob ghost /);
    await bob.expect(/ 318 bob ghost /);
    await alice.send("/join dev");
    await alice.until((l) => l.startsWith("* Now in #dev"));
    await bob.send("LIST");
    const list = await bob.collect(/ 323 /);
    assert.ok(list.includes(":irc.test 322 bob #lobby 2 :release on Friday"), list.join("\n"));
    assert.ok(list.some((l) => / 322 bob #dev 1 /.test(l)));
    await bob.send("TOPIC #lobby");
    await bob.expect(":irc.test 332 bob #lobby :release on Friday");
    await bob.send("TOPIC #dev");
    await bob.expect(":irc.test 331 bob #dev :No topic is set");
    await bob.send("TOPIC #lobby :moved to Monday");
    await bob.expect(/^(@\S+ )?:bob!bob@chat TOPIC #lobby :moved to Monday$/);
    await alice.until((l) => l === "[#lobby] * bob set the topic: moved to Monday");
    await bob.send("TOPIC #dev :not in it");
    await bob.expect(/ 442 bob #dev /);
    await bob.send("AWAY :lunch");
    await bob.expect(/ 306 bob /);
    const eve = await ircJoin(s.ircPort, "eve");
    await eve.send("PRIVMSG bob :are you there");
    await eve.expect(/ 301 eve bob :lunch/);
    await eve.send("WHO bob");
    await eve.expect(/ 352 eve \* bob chat irc\.test bob G :0 bob Test/);
    await bob.send("AWAY");
    await bob.expect(/ 305 bob /);
    await bob.send("MOTD");
    await bob.expect(/ 376 bob /);
    await bob.send("LUSERS");
    await bob.expect(/ 251 bob :There are 3 users/);
    await bob.send("USERHOST alice ghost");
    await bob.expect(/ 302 bob :?alice=\+alice@chat$/);
    await bob.send("ISON alice ghost eve");
    await bob.expect(/ 303 bob :alice eve$/);
    for (const c of [bob, eve]) await c.close();
    await alice.close();
  });
});

Deno.test("NICK changes are seen by IRC (NICK line) and netcat users; taken nicks get 433", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    const eve = await ircJoin(s.ircPort, "eve", { rooms: ["lobby"] });
    await bob.send("NICK robert");
    await bob.expect(/^(@\S+ )?:bob!bob@chat NICK :?robert$/);
    await eve.expect(/:bob!bob@chat NICK :?robert$/);
    await alice.until((l) => l === "* bob is now robert");
    await bob.send("NICK alice");
    await bob.expect(/ 433 robert alice :/);
    await bob.send("NICK b@d");
    await bob.expect(/ 432 robert b@d /);
    await bob.send("PRIVMSG #lobby :still here");
    await alice.until((l) => l === "robert: still here");
    for (const c of [bob, eve]) await c.close();
    await alice.close();
  });
});

Deno.test("QUIT: the others see it once, whatever the number of shared channels", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby", "dev", "ops"] });
    const eve = await ircJoin(s.ircPort, "eve", { rooms: ["lobby", "dev", "ops"] });
    await bob.send("QUIT :gone fishing");
    await bob.expect(/^ERROR :Closing Link: bob \(Quit: gone fishing\)/);
    await bob.closed();
    const seen = await eve.collect(/:bob!bob@chat QUIT /);
    await eve.send("PING :x");
    const after = await eve.collect(/PONG/);
    assert.equal([...seen, ...after].filter((l) => / QUIT /.test(l)).length, 1);
    await alice.until((l) => l === "* bob left the chat");
    await eve.close();
    await alice.close();
  });
});

Deno.test("history: replayed after 366 with server-time tags (in a batch), or as marked NOTICEs", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    await alice.send("first");
    await alice.send("/me second");
    await alice.send("/who");
    await alice.until((l) => l.includes("online"));
    const timed = await ircJoin(s.ircPort, "bob", { caps: ["server-time", "batch"] });
    await timed.send("JOIN #lobby");
    const lines = await timed.collect(/ BATCH -/);
    const at = lines.findIndex((l) => / 366 /.test(l));
    assert.ok(at > 0, lines.join("\n"));
    const replay = lines.slice(at + 1);
    assert.match(replay[0], /^:irc\.test BATCH \+(\S+) chathistory #lobby$/);
    assert.match(
      replay[1],
      /^@batch=\S+;time=\d{4}-\d\d-\d\dT[\d:.]+Z :alice!alice@chat PRIVMSG #lobby :first$/,
    );
    assert.ok(replay[2].endsWith(" :alice!alice@chat PRIVMSG #lobby :\x01ACTION second\x01"));
    assert.match(replay[2], /;time=\S+ :alice/);
    const plain = await ircJoin(s.ircPort, "eve");
    await plain.send("JOIN #lobby");
    await plain.expect(/ 366 /);
    const notes = await plain.collect(/End of replay/);
    assert.match(notes[0], /^:irc\.test NOTICE #lobby :Replaying the last 2 messages:$/);
    assert.match(
      notes[1],
      /^:irc\.test NOTICE #lobby :\[\d{4}-\d\d-\d\d \d\d:\d\d\] <alice> first$/,
    );
    assert.match(notes[2], /NOTICE #lobby :\[.*\] \* alice second$/);
    for (const c of [timed, plain]) await c.close();
    await alice.close();
  });
});

Deno.test("a message too long for one IRC line arrives as several PRIVMSGs that join to exactly it", async () => {
  await withIrcServer([], async (s) => {
    const { client: carol } = await joinJson(s.port, "carol");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    // Multi-byte characters everywhere: a split inside one would show as U+FFFD.
    const text = "é€😀 ".repeat(180) + "end";
    await carol.sendJson({ type: "say", text });
    const got: string[] = [];
    let joined = "";
    while (joined !== text) {
      const l = await bob.expect(/PRIVMSG #lobby :/);
      got.push(l);
      assert.ok(new TextEncoder().encode(l + "\r\n").length <= 512, `${l.length} chars`);
      joined += l.slice(l.indexOf(" :") + 2);
      assert.ok(text.startsWith(joined), "pieces in order, nothing lost or added");
    }
    assert.ok(got.length >= 3, `${got.length} lines`);
    assert.ok(!joined.includes("\ufffd"));
    await bob.close();
    await carol.close();
  });
});
