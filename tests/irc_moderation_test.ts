// Operators, moderation, passwords and reserved names over IRC: OPER, KICK,
// MODE +b/-b/+t/-t, PASS, SASL PLAIN, against a real server. Victims
// connect from 127.0.0.2, so that banning their address leaves the others in.
import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient } from "./helpers.ts";
import { ircJoin, IrcTestClient, withIrcServer } from "./irc_helpers.ts";

const OPS = { env: { CHAT_OP_PASSWORD: "hunter2" } };

async function victim(port: number, nick: string, room = "lobby"): Promise<IrcTestClient> {
  const c = await IrcTestClient.connect(port, "127.0.0.2");
  await c.register(nick);
  await c.join(room);
  return c;
}

Deno.test("OPER: a wrong password gets 464 and the link stays; the right one 381 and @ in the channel", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    const eve = await ircJoin(s.ircPort, "eve", { rooms: ["lobby"] });
    await bob.send("OPER bob wrong");
    await bob.expect(/^:irc\.test 464 bob :wrong operator password/);
    await bob.send("OPER bob hunter2");
    await bob.expect(":irc.test 381 bob :You are now an IRC operator");
    await eve.expect(/^:irc\.test MODE #lobby \+o :?bob$/);
    await alice.until((l) => l === "* bob is now an operator");
    await eve.send("NAMES #lobby");
    await eve.expect(/ 353 eve = #lobby :.*@bob\b/);
    await bob.send("MODE bob");
    await bob.expect(/ 221 bob :?\+o$/);
    await eve.send("WHOIS bob");
    await eve.expect(/ 313 eve bob :is an IRC operator/);
    for (const c of [bob, eve]) await c.close();
    await alice.close();
  }, OPS);
});

Deno.test("non-operators get 482 for KICK, MODE +b and +t, and a locked topic", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    await bob.send("KICK #lobby alice :bye");
    await bob.expect(/ 482 bob #lobby :only operators can do that: \/oper NAME PASSWORD/);
    await bob.send("MODE #lobby +b alice!*@*");
    await bob.expect(/ 482 bob #lobby /);
    await bob.send("MODE #lobby +t");
    await bob.expect(/ 482 bob #lobby /);
    await bob.send("KICK #lobby ghost");
    await bob.expect(/ 441 bob ghost #lobby :They aren't on that channel/);
    await bob.send("MODE #lobby +k secret");
    await bob.expect(/ 472 bob k :is unknown mode char to me/);
    await bob.send("MODE #lobby");
    await bob.expect(/ 324 bob #lobby :?\+n$/);
    await bob.send("MODE #lobby b");
    await bob.expect(/ 368 bob #lobby :End of channel ban list/);
    await alice.send("/op hunter2");
    await alice.until((l) => l.startsWith("* You are now an operator"));
    await alice.send("/lock");
    await bob.expect(/^:alice!alice@chat MODE #lobby :?\+t$/);
    await bob.send("TOPIC #lobby :mine now");
    await bob.expect(/ 482 bob #lobby /);
    await bob.send("MODE #lobby");
    await bob.expect(/ 324 bob #lobby :?\+nt$/);
    // Nothing was lost meanwhile: bob still talks.
    await bob.send("PRIVMSG #lobby :still here");
    await alice.until((l) => l === "bob: still here");
    await bob.close();
    await alice.close();
  }, OPS);
});

Deno.test("KICK from IRC disconnects the target: KICK lines to its channels, ERROR, closed", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const { client: web } = await joinJson(s.port, "carol", { rooms: ["lobby"] });
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby", "dev"] });
    const eve = await victim(s.ircPort, "eve");
    await eve.join("dev");
    await bob.send("OPER bob hunter2");
    await bob.expect(/ 381 /);
    await bob.send("KICK #lobby eve :spamming");
    await eve.expect(":bob!bob@chat KICK #lobby eve :spamming");
    await eve.expect(":bob!bob@chat KICK #dev eve :spamming");
    await eve.expect(/^ERROR :Closing Link: eve was kicked by bob: spamming/);
    await eve.closed();
    await bob.expect(":bob!bob@chat KICK #lobby eve :spamming");
    await bob.expect(":bob!bob@chat KICK #dev eve :spamming");
    await alice.until((l) => l === "* eve was kicked by bob: spamming");
    const m = await web.event("moderation");
    assert.deepEqual([m.action, m.target, m.by, m.reason], ["kick", "eve", "bob", "spamming"]);
    const leave = await web.event("leave");
    assert.equal(leave.reason, "kicked");
    await bob.close();
    await alice.close();
    await web.close();
  }, OPS);
});

Deno.test("MODE +b bans the name and its address, the ban holds on reconnect (465), -b lifts it; b lists", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    const eve = await victim(s.ircPort, "eve");
    await bob.send("OPER bob hunter2");
    await bob.expect(/ 381 /);
    await bob.send("MODE #lobby +b eve!*@*");
    await eve.expect(/KICK #lobby eve/);
    await eve.expect(/^ERROR :Closing Link: eve was banned by bob/);
    await eve.closed();
    await bob.expect(/NOTICE bob :eve was banned by bob/);
    await bob.send("MODE #lobby b");
    const bans = await bob.collect(/ 368 /);
    assert.ok(bans.some((l) => / 367 bob #lobby eve!\*@\* :?bob$/.test(l)), bans.join("\n"));
    assert.ok(
      bans.some((l) => / 367 bob #lobby \*!\*@127\.0\.0\.2 :?bob$/.test(l)),
      bans.join("\n"),
    );
    // Banned address: refused before registration, in IRC's words.
    // The server says it at once, before any NICK (and closes): nothing to send.
    const again = await IrcTestClient.connect(s.ircPort, "127.0.0.2");
    await again.expect(/ 465 \S+ :you are banned/);
    await again.expect(/^ERROR :Closing Link: /);
    await again.closed();
    await bob.send("MODE #lobby -b eve!*@*");
    await bob.expect(/NOTICE bob :eve was unbanned by bob/);
    const back = await victim(s.ircPort, "eve");
    await back.send("PRIVMSG #lobby :back");
    await alice.until((l) => l === "eve: back");
    await bob.send("MODE #lobby +b *!*@10.*");
    await bob.expect(/NOTICE bob :MODE: chat bans a name/);
    for (const c of [bob, back]) await c.close();
    await alice.close();
  }, OPS);
});

Deno.test("NICK: a muted IRC user gets 435 and stays muted; a banned nick gets 433", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    await alice.send("/op hunter2");
    await alice.until((l) => l.startsWith("* You are now an operator"));
    const eve = await ircJoin(s.ircPort, "eve", { rooms: ["lobby"] });
    await alice.send("/mute eve");
    await eve.expect(/NOTICE .*eve was muted by alice/);
    await eve.send("NICK notmuted");
    await eve.expect(/ 435 eve notmuted :you are muted by alice: you cannot change your name$/);
    await eve.send("PRIVMSG #lobby :hello?");
    await eve.expect(/ 404 eve #lobby :you are muted by alice/);
    await alice.send("/ban mallory");
    await alice.until((l) => l.includes("mallory was banned"));
    await alice.send("/unmute eve");
    await eve.send("NICK mallory");
    await eve.expect(/ 433 eve mallory :the name mallory is banned, choose another$/);
    await eve.send("NICK evelyn");
    await eve.expect(/^:eve!\S+ NICK :?evelyn$/);
    await eve.send("PRIVMSG #lobby :free");
    await alice.until((l) => l === "evelyn: free");
    await eve.close();
    await alice.close();
  }, OPS);
});

Deno.test("a kick from a JSON (web) operator removes an IRC user with a proper KICK line", async () => {
  await withIrcServer([], async (s) => {
    const { client: op } = await joinJson(s.port, "carol", { rooms: ["lobby"] });
    await op.sendJson({ type: "op", password: "hunter2" });
    await op.event("notice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    const eve = await victim(s.ircPort, "eve");
    await op.sendJson({ type: "kick", name: "eve", reason: "off topic" });
    await eve.expect(":carol!carol@chat KICK #lobby eve :off topic");
    await eve.closed();
    await bob.expect(":carol!carol@chat KICK #lobby eve :off topic");
    await bob.close();
    await op.close();
  }, OPS);
});

Deno.test("PASS: the room password is asked of IRC clients; missing or wrong gets 464 and ERROR", async () => {
  await withIrcServer([], async (s) => {
    const none = await IrcTestClient.connect(s.ircPort);
    await none.send("NICK a");
    await none.send("USER a 0 * :a");
    await none.expect(/ 464 \* :This server needs a password/);
    await none.expect(/^ERROR :Closing Link/);
    await none.closed();
    const wrong = await IrcTestClient.connect(s.ircPort);
    await wrong.send("PASS nope");
    await wrong.send("NICK b");
    await wrong.send("USER b 0 * :b");
    await wrong.expect(/ 464 \* :wrong password/);
    await wrong.expect(/^ERROR :Closing Link/);
    await wrong.closed();
    const right = await ircJoin(s.ircPort, "c", { pass: "s3cret", rooms: ["lobby"] });
    await right.send("PRIVMSG #lobby :in");
    const alice = await LineClient.connect(s.port);
    await alice.line();
    await alice.send("alice");
    await alice.until((l) => l === "* Password:");
    await alice.send("s3cret");
    await alice.until((l) => l.startsWith("* Welcome"));
    await right.send("PRIVMSG #lobby :hi alice");
    await alice.until((l) => l === "c: hi alice");
    await right.close();
    await alice.close();
  }, { env: { CHAT_PASSWORD: "s3cret" } });
});

function plain(name: string, key: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(`\0${name}\0${key}`)));
}

Deno.test("SASL PLAIN (and PASS) carry a reserved name's key; without it the name is refused", async () => {
  await withIrcServer(["--reserve-names", "30d"], async (s) => {
    const { client, welcome } = await joinJson(s.port, "dora", { reserve: true });
    const key = welcome.key as string;
    assert.ok(key);
    await client.close();
    // Without the key: 433 saying why.
    const thief = await IrcTestClient.connect(s.ircPort);
    await thief.send("NICK dora");
    await thief.send("USER d 0 * :d");
    await thief.expect(/ 433 \* dora :the name dora is reserved/);
    await thief.send("NICK notdora");
    await thief.expect(/ 001 notdora /);
    await thief.close();
    // SASL with a wrong key: 904; then the right one: 900, 903, and the name.
    const c = await IrcTestClient.connect(s.ircPort);
    await c.send("CAP LS 302");
    await c.send("NICK dora");
    await c.send("USER d 0 * :d");
    await c.send("CAP REQ :sasl");
    await c.expect(/ CAP \* ACK :sasl/);
    await c.send("AUTHENTICATE PLAIN");
    await c.expect("AUTHENTICATE +");
    await c.send(`AUTHENTICATE ${plain("dora", "wrong")}`);
    await c.expect(/ 904 \* :SASL authentication failed/);
    await c.send("AUTHENTICATE PLAIN");
    await c.expect("AUTHENTICATE +");
    await c.send(`AUTHENTICATE ${plain("dora", key)}`);
    await c.expect(/ 900 \* dora!dora@chat dora :You are now logged in as dora/);
    await c.expect(/ 903 \* :SASL authentication successful/);
    await c.send("CAP END");
    await c.expect(/ 001 dora /);
    await c.close();
    // On a server without a room password, PASS may carry the key.
    const viaPass = await ircJoin(s.ircPort, "dora", { pass: key });
    await viaPass.close();
  });
});

Deno.test("AUTHENTICATE: other mechanisms 908+904, abort 906, after registration 907", async () => {
  await withIrcServer([], async (s) => {
    const c = await IrcTestClient.connect(s.ircPort);
    await c.send("CAP REQ :sasl");
    await c.expect(/ACK :sasl/);
    await c.send("AUTHENTICATE EXTERNAL");
    await c.expect(/ 908 \* PLAIN :are available SASL mechanisms/);
    await c.expect(/ 904 /);
    await c.send("AUTHENTICATE PLAIN");
    await c.expect("AUTHENTICATE +");
    await c.send("AUTHENTICATE *");
    await c.expect(/ 906 /);
    await c.send("AUTHENTICATE PLAIN");
    await c.send("AUTHENTICATE !!!notbase64");
    await c.expect(/ 904 \* :SASL authentication failed: the payload is not base64/);
    await c.send("CAP END");
    await c.send("NICK sam");
    await c.send("USER sam 0 * :s");
    await c.expect(/ 376 sam /);
    await c.send("AUTHENTICATE PLAIN");
    await c.expect(/ 907 sam /);
    await c.close();
  });
});
