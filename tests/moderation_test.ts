import assert from "node:assert/strict";
import {
  joinJson,
  joinPlain,
  LineClient,
  REPO_ROOT,
  startServer,
  waitFor,
  withServer,
} from "./helpers.ts";
import { WsClient } from "./web_helpers.ts";

// Operators and moderation (PROTOCOL.md): every command from plain mode and
// JSON, against a real server over real sockets. Victims connect from
// 127.0.0.2, so that banning their address leaves the others (127.0.0.1) in.

const OPS = { env: { CHAT_OP_PASSWORD: "hunter2" } };

async function op(c: LineClient): Promise<void> {
  await c.send("/op hunter2");
  assert.equal(
    await c.until((l) => l.startsWith("* You are") || l.startsWith("!")),
    "* You are now an operator.",
  );
}

// A JSON client that asked for rooms (hello.rooms) gets moderation events;
// one that knows nothing of the additions gets them as notices.

Deno.test("a JSON client that knows nothing of rooms gets moderation as a notice", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    await op(alice);
    const { client: old } = await joinJson(port, "old");
    const bob = await joinPlain(port, "bob");
    await alice.send("/kick bob");
    const n = await old.event("notice");
    assert.equal(n.text, "bob was kicked by alice");
    await bob.closed();
    await alice.close();
    await old.close();
  }, OPS);
});

Deno.test("only operators moderate: not_operator; a wrong operator password keeps the connection; /who marks operators", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    const { client: bob } = await joinJson(port, "bob", { rooms: ["lobby"] });
    await alice.line(); // bob joined
    await alice.send("/kick bob");
    assert.match(await alice.line(), /^! not_operator: only operators can do that: \/op PASSWORD$/);
    bob.sendJson({ type: "ban", target: "alice" });
    const e = await bob.event("error");
    assert.equal(e.code, "not_operator");
    await alice.send("/op wrong");
    assert.match(await alice.line(), /^! auth_failed: wrong operator password/);
    await alice.send("still here");
    assert.equal((await bob.event("message")).text, "still here");
    // The answer is the very next line (PROTOCOL.md), and the room's "alice is now an operator" is not sent to alice.
    await alice.send("/op hunter2");
    assert.equal(await alice.line(), "* You are now an operator.");
    // bob's page learns that alice is an operator.
    const members = await bob.event("members");
    assert.deepEqual(members.ops, ["alice"]);
    await alice.send("/who");
    assert.match(await alice.line(), /alice \(op\), bob/);
    await alice.close();
    await bob.close();
  }, OPS);
});

Deno.test("a server without --op-password-file has no operators", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    await alice.send("/op anything");
    assert.match(await alice.line(), /^! auth_failed: this server has no operators/);
    await alice.close();
  });
});

Deno.test("kick: everyone sees it, the target leaves with reason kicked and can come back", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    await op(alice);
    const { client: watcher } = await joinJson(port, "watcher", { rooms: ["lobby"] });
    const bob = await joinPlain(port, "bob", "127.0.0.2");
    await watcher.event("join");
    await alice.send("/kick bob spamming the room");
    const m = await watcher.event("moderation");
    assert.deepEqual(
      { action: m.action, target: m.target, by: m.by, reason: m.reason },
      { action: "kick", target: "bob", by: "alice", reason: "spamming the room" },
    );
    const left = await watcher.event("leave");
    assert.equal(left.reason, "kicked");
    assert.ok(
      (await bob.until((l) => l.includes("kicked"))).includes("bob was kicked by alice: spamming"),
    );
    await bob.closed();
    assert.match(await alice.until((l) => l.includes("kicked")), /\* bob was kicked by alice/);
    const again = await joinPlain(port, "bob", "127.0.0.2");
    await again.close();
    await alice.close();
    await watcher.close();
  }, OPS);
});

Deno.test("ban by name bans its address too; by address; by CIDR; TCP and WebSocket get banned before the banner; unban lifts both", async () => {
  await withServer(["--web-port", "0"], async (server) => {
    const { port } = server;
    const http = server.stdout.find((l) => l.startsWith("chat web on "))!.slice(12);
    const alice = await joinPlain(port, "alice");
    await op(alice);
    const bob = await joinPlain(port, "bob", "127.0.0.2");
    await alice.line(); // bob joined
    await alice.send("/ban bob 1h flooding");
    assert.match(
      await alice.until((l) => l.includes("banned")),
      /\* bob was banned by alice until .* UTC: flooding/,
    );
    await bob.closed();
    // The server's log says who, what, whom (and the address it took along), until when and why.
    await waitFor(
      () =>
        server.stderr.some((l) =>
          /moderation: alice ban bob \(and 127\.0\.0\.2\) until \S+Z: flooding$/.test(l)
        ),
      "the log line of the ban",
    );
    // The name, from another address: refused at the name.
    const byName = await LineClient.connect(port);
    await byName.line();
    await byName.send("bob");
    assert.match(
      await byName.line(),
      /^! banned: you are banned from this chat until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: flooding$/,
    );
    await byName.closed();
    // Any name from bob's address: refused before the banner.
    const byAddress = await LineClient.connect(port, "127.0.0.2");
    assert.match(await byAddress.line(), /^! banned: you are banned/);
    await byAddress.closed();
    await alice.send("/bans");
    assert.match(
      await alice.until((l) => l.startsWith("* Bans")),
      /^\* Bans: .*bob \(by alice until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: flooding\).*127\.0\.0\.2/,
    );
    await alice.send("/unban bob");
    assert.match(await alice.line(), /\* bob was unbanned by alice/);
    const back = await joinPlain(port, "bob", "127.0.0.2");
    await back.close();
    // A range, in JSON: dave (127.0.0.3) is in it, alice (127.0.0.1) is not.
    const { client: carol } = await joinJson(port, "carol", { rooms: ["lobby"] });
    carol.sendJson({ type: "op", password: "hunter2" });
    assert.equal((await carol.event("notice")).text, "You are now an operator.");
    const dave = await joinPlain(port, "dave", "127.0.0.3");
    carol.sendJson({ type: "ban", target: "127.0.0.2/31", reason: "a whole range" });
    const m = await carol.event("moderation");
    assert.deepEqual([m.target, m.reason], ["127.0.0.2/31", "a whole range"]);
    await dave.closed();
    const other = await LineClient.connect(port, "127.0.0.2");
    assert.match(await other.line(), /^! banned: .*a whole range/);
    await other.close();
    carol.sendJson({ type: "bans" });
    const bans = (await carol.event("bans")).bans as { target: string }[];
    assert.ok(bans.some((b) => b.target === "127.0.0.2/31"));
    // The WebSocket side is refused too: a ban of the test's own address, last.
    carol.sendJson({ type: "ban", target: "127.0.0.1" });
    await carol.event("moderation");
    const ws = await WsClient.connect(http);
    const refused = await ws.next();
    assert.equal(refused.type, "error");
    assert.equal(refused.code, "banned");
    await ws.close();
    await alice.closed();
  }, { ...OPS, lines: 2 });
});

Deno.test("a ban with a duration expires; bans, mutes and locks survive a restart; chat history --moderation prints the log", async () => {
  const dir = await Deno.makeTempDir();
  const db = `${dir}/chat.db`;
  try {
    let server = await startServer(["--db", db], OPS);
    let alice = await joinPlain(server.port, "alice");
    await op(alice);
    await alice.send("/ban 127.0.0.2 2s cooling off");
    await alice.line();
    await alice.send("/ban 10.9.9.9 forever-ish");
    await alice.line();
    await alice.send("/ban 127.0.0.3");
    await alice.line();
    // A name ban of a member here: its address (127.0.0.4) is banned with it.
    const dave = await joinPlain(server.port, "Dave", "127.0.0.4");
    await alice.line(); // Dave joined
    await alice.send("/ban Dave impersonation");
    assert.match(await alice.until((l) => l.includes("banned")), /\* Dave was banned by alice/);
    await dave.closed();
    await alice.send("/mute carol");
    await alice.line().catch(() => {});
    await alice.send("/lock");
    assert.match(await alice.until((l) => l.includes("locked")), /#lobby was locked by alice/);
    const early = await LineClient.connect(server.port, "127.0.0.2");
    assert.match(await early.line(), /^! banned:/);
    await early.close();
    await new Promise((r) => setTimeout(r, 2100));
    const later = await joinPlain(server.port, "erin", "127.0.0.2");
    await later.close();
    await alice.close();
    await server.stop();
    server = await startServer(["--db", db], OPS);
    alice = await joinPlain(server.port, "alice");
    await op(alice);
    await alice.send("/bans");
    const bans = await alice.line();
    assert.match(bans, /10\.9\.9\.9 \(by alice: forever-ish\)/);
    // The name as it was typed, not its key.
    assert.match(bans, /Dave \(by alice: impersonation\), 127\.0\.0\.4 /);
    // Enforced, not only listed: the addresses before the banner, the name (any case) at the name.
    for (const from of ["127.0.0.3", "127.0.0.4"]) {
      const refused = await LineClient.connect(server.port, from);
      assert.match(await refused.line(), /^! banned: you are banned from this chat for good/, from);
      await refused.closed();
    }
    const byName = await LineClient.connect(server.port);
    await byName.line();
    await byName.send("DAVE");
    assert.match(await byName.line(), /^! banned: .*: impersonation$/);
    await byName.closed();
    const bob = await joinPlain(server.port, "bob");
    await bob.send("/topic new topic");
    assert.match(
      await bob.until((l) => l.startsWith("!")),
      /^! not_operator: the topic of #lobby is locked/,
    );
    const carol = await joinPlain(server.port, "carol");
    await carol.send("hello?");
    assert.match(await carol.until((l) => l.startsWith("!")), /^! muted: you are muted by alice/);
    for (const c of [alice, bob, carol]) await c.close();
    await server.stop();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "main.ts", "history", "--db", db, "--moderation"],
      cwd: REPO_ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(
      text,
      /alice ban 127\.0\.0\.2 until .*: cooling off\n/,
    );
    assert.match(text, /alice mute carol\n/);
    assert.match(text, /alice lock lobby\n/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mute: messages and DMs refused with muted; unmute; a mute expires; lock: only operators set the topic", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    await op(alice);
    const { client: bob } = await joinJson(port, "bob", { rooms: ["lobby"] });
    await alice.line();
    alice.send("/mute bob 2s");
    assert.equal((await bob.event("moderation")).action, "mute");
    bob.sendJson({ type: "say", text: "hi", ref: "r1" });
    const e = await bob.event("error");
    assert.deepEqual([e.code, e.ref], ["muted", "r1"]);
    bob.sendJson({ type: "dm", to: "alice", text: "psst", ref: "r2" });
    assert.equal((await bob.event("error")).code, "muted");
    await new Promise((r) => setTimeout(r, 2100));
    bob.sendJson({ type: "say", text: "free again", ref: "r3" });
    assert.equal((await bob.event("ack")).ref, "r3");
    assert.equal(await alice.until((l) => l.startsWith("bob:")), "bob: free again");
    await alice.send("/mute bob");
    await bob.event("moderation");
    await alice.send("/unmute bob");
    assert.equal((await bob.event("moderation")).action, "unmute");
    bob.sendJson({ type: "say", text: "back", ref: "r4" });
    assert.equal((await bob.event("ack")).ref, "r4");
    // Lock, in JSON, by an operator; bob may not change the topic then.
    alice.send("/lock");
    const lock = await bob.event("moderation");
    assert.deepEqual([lock.action, lock.room], ["lock", "lobby"]);
    bob.sendJson({ type: "topic", room: "lobby", text: "mine now" });
    assert.equal((await bob.event("error")).code, "not_operator");
    await alice.send("/topic release day");
    assert.equal((await bob.event("topic")).text, "release day");
    await alice.send("/unlock");
    await bob.event("moderation");
    bob.sendJson({ type: "topic", room: "lobby", text: "mine now" });
    assert.equal((await bob.event("topic")).text, "mine now");
    await alice.close();
    await bob.close();
  }, OPS);
});

Deno.test("a muted member cannot shake the mute off with /nick; nobody takes a banned name by renaming", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    await op(alice);
    const { client: bob } = await joinJson(port, "bob", { rooms: ["lobby"] });
    const carol = await joinPlain(port, "carol");
    await alice.send("/mute bob 1h");
    assert.equal((await bob.event("moderation")).action, "mute");
    bob.sendJson({ type: "nick", name: "robert", ref: "n1" });
    const e = await bob.event("error");
    assert.equal(e.code, "muted");
    assert.match(
      String(e.message),
      /^you are muted by alice until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: you cannot change your name$/,
    );
    bob.sendJson({ type: "say", text: "am I free?", ref: "s1" });
    assert.equal((await bob.event("error")).code, "muted");
    await alice.send("/mute carol");
    await carol.until((l) => l.includes("muted"));
    await carol.send("/nick carla");
    assert.equal(
      await carol.until((l) => l.startsWith("!")),
      "! muted: you are muted by alice: you cannot change your name",
    );
    await carol.send("still carol?");
    assert.match(await carol.until((l) => l.startsWith("!")), /^! muted: .*messages are not sent/);
    // A banned name (not here): renaming to it, or to a name that looks like it, is refused.
    await alice.send("/ban mallory");
    assert.match(await alice.until((l) => l.includes("banned")), /\* mallory was banned by alice/);
    const { client: dave } = await joinJson(port, "dave", { rooms: ["lobby"] });
    for (const name of ["mallory", "MALLORY", "mаllory"]) {
      dave.sendJson({ type: "nick", name });
      const refused = await dave.event("error");
      assert.deepEqual(
        [refused.code, refused.message],
        ["name_taken", `the name ${name} is banned, choose another`],
      );
    }
    await alice.send("/unmute bob");
    await bob.event("moderation");
    bob.sendJson({ type: "nick", name: "robert" });
    assert.deepEqual(
      [(await bob.event("nick")).to, (await dave.event("nick")).to],
      ["robert", "robert"],
    );
    // Nothing else was lost: dave (refused thrice) still talks, under his name.
    dave.sendJson({ type: "say", text: "still dave", ref: "d1" });
    assert.equal((await dave.event("ack")).ref, "d1");
    assert.equal(await alice.until((l) => l.startsWith("dave:")), "dave: still dave");
    for (const c of [alice, bob, carol, dave]) await c.close();
  }, OPS);
});

Deno.test("bad moderation input gets a clear error and the connection goes on", async () => {
  await withServer([], async ({ port }) => {
    const alice = await joinPlain(port, "alice");
    await op(alice);
    for (
      const [line, want] of [
        ["/ban", /^! bad_request: usage: \/ban/],
        ["/ban 999.1.1.1/40", /^! bad_request: 999\.1\.1\.1\/40 is not a CIDR range/],
        ["/ban b@d!", /^! bad_request: b@d! is not a name, an address or a CIDR range/],
        ["/kick nobody", /^! no_such_user: nobody called nobody is here/],
        ["/unban ghost", /^! bad_request: ghost is not banned/],
        ["/unmute ghost", /^! bad_request: ghost is not muted/],
        ["/lock nowhere", /^! not_in_room:/],
      ] as const
    ) {
      await alice.send(line);
      assert.match(await alice.line(), want, line);
    }
    const { client: j } = await joinJson(port, "j", { rooms: ["lobby"] });
    j.sendJson({ type: "op", password: "hunter2" });
    await j.event("notice");
    j.sendJson({ type: "mute", name: "alice", duration: "soon" });
    assert.match(
      String((await j.event("error")).message),
      /soon is not a duration: use one like 90m/,
    );
    j.sendJson({ type: "lock", room: "lobby" });
    assert.match(String((await j.event("error")).message), /lock needs "locked"/);
    await alice.send("still fine");
    assert.equal((await j.event("message")).text, "still fine");
    await alice.close();
    await j.close();
  }, OPS);
});
