// Edits, deletions, older history and search through the IRC gateway, over
// real sockets: how IRC clients are shown what others do (an edit NOTICE,
// REDACT or a delete NOTICE, msgids on messages), the raw commands IRC
// users send (HISTORY, SEARCH, EDIT, DELETE, REDACT) and their refusals, a cluster,
// and irssi (with aliases) and WeeChat (with /quote) sending them.
import assert from "node:assert/strict";
import { joinJson, joinPlain, type LineClient } from "./helpers.ts";
import { ircJoin, IrcTestClient, withIrcServer } from "./irc_helpers.ts";
import { Irssi, IRSSI_MISSING, WeeChat, WEECHAT_MISSING } from "./irc_client_helpers.ts";
import { bugs, startCluster } from "./cluster_helpers.ts";

/** The aliases docs/irc.md gives `client` ("irssi", "WeeChat"), as typed. */
async function documentedAliases(client: string): Promise<string[]> {
  const doc = await Deno.readTextFile(new URL("../docs/irc.md", import.meta.url));
  const row = doc.split("\n").find((l) => l.startsWith(`| ${client} `) && l.includes("/alias"));
  assert.ok(row, `docs/irc.md has a row of aliases for ${client}`);
  return [...row.matchAll(/`(\/alias [^`]+)`/g)].map((m) => m[1]);
}

const REDACTION = ["message-tags", "draft/message-redaction"];

/** A JSON client says `text` and gets its seq from the ack. */
async function say(c: LineClient, text: string, ref: string): Promise<number> {
  await c.sendJson({ type: "say", text, ref });
  const ack = JSON.parse(await c.until((l) => JSON.parse(l).ref === ref));
  assert.equal(ack.type, "ack", JSON.stringify(ack));
  return ack.seq;
}

/** The `msgid` tag of an IRC line, or undefined. */
function msgid(line: string): string | undefined {
  return /^@(?:[^ ]*;)?msgid=([^; ]+)/.exec(line)?.[1];
}

/** Sends `line` and collects what comes back up to a PONG (so nothing is awaited forever). */
async function ask(c: IrcTestClient, line: string): Promise<string[]> {
  await c.send(line);
  await c.send("PING :asked");
  const got = await c.collect(/PONG .*asked/);
  return got.slice(0, -1);
}

Deno.test("CAP LS offers message-tags and draft/message-redaction; ISUPPORT denies client-only tags; TAGMSG is dropped", async () => {
  await withIrcServer([], async (s) => {
    const c = await IrcTestClient.connect(s.ircPort);
    const lines = await c.register("tagger", { caps: ["message-tags"] });
    assert.ok(lines.some((l) => / 005 tagger .*CLIENTTAGDENY=\* /.test(l)), lines.join("\n"));
    await c.send("CAP LS 302");
    const ls = await c.expect(" CAP tagger LS ");
    for (const cap of ["message-tags", "draft/message-redaction"]) {
      assert.ok(` ${ls.split(" :")[1]} `.includes(` ${cap} `), ls);
    }
    await c.join("lobby");
    assert.deepEqual(await ask(c, "@+typing=active TAGMSG #lobby"), []);
    await c.close();
  });
});

Deno.test("a JSON client's edit reaches IRC as a NOTICE from the editor; its delete as REDACT with the capability, else a NOTICE", async () => {
  await withIrcServer([], async (s) => {
    const { client: carol } = await joinJson(s.port, "carol");
    const plain = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    const tagged = await ircJoin(s.ircPort, "eve", { caps: REDACTION, rooms: ["lobby"] });
    const timed = await ircJoin(s.ircPort, "tim", {
      caps: ["message-tags", "server-time"],
      rooms: ["lobby"],
    });
    const seq = await say(carol, "teh typo", "r1");
    await plain.expect(/^:carol!carol@chat PRIVMSG #lobby :teh typo$/);
    const line = await tagged.expect(" PRIVMSG #lobby :teh typo");
    const id = msgid(line);
    assert.ok(id, line);
    assert.match(id, new RegExp(`^lobby/${seq}/[0-9a-f]{8}$`));
    // The same id whoever gets it, beside server-time's tag.
    const timedLine = await timed.expect(" PRIVMSG #lobby :teh typo");
    assert.match(timedLine, /^@time=[^;]+;msgid=/);
    assert.equal(msgid(timedLine), id);

    await carol.sendJson({ type: "edit", room: "lobby", seq, text: "the typo" });
    const edited = `:carol!carol@chat NOTICE #lobby :* carol edited #${seq}: the typo`;
    await plain.expect((l) => l === edited);
    await tagged.expect((l) => l === edited);
    await timed.expect((l) => /^@time=\S+ /.test(l) && l.endsWith(edited));

    await carol.sendJson({ type: "delete", room: "lobby", seq });
    await tagged.expect((l) => l === `:carol!carol@chat REDACT #lobby ${id}`);
    await plain.expect((l) => l === `:carol!carol@chat NOTICE #lobby :* carol deleted #${seq}`);
    // message-tags without the redaction capability: the NOTICE.
    await timed.expect(` NOTICE #lobby :* carol deleted #${seq}`);
    for (const c of [plain, tagged, timed]) await c.close();
    await carol.close();
  });
});

Deno.test("EDIT, DELETE, HISTORY and SEARCH from IRC; someone else's message is refused (not_allowed) as a NOTICE", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    await bob.send("PRIVMSG #lobby :deploy on friday");
    await alice.until((l) => l === "bob: deploy on friday");
    await alice.send("not yours to touch");
    await bob.expect("PRIVMSG #lobby :not yours to touch");

    const history = await ask(bob, "HISTORY");
    assert.equal(history[0], ":irc.test NOTICE #lobby :History of #lobby, 2 messages:");
    const mine = /#(\d+) \[[\d: -]+\] <bob> deploy on friday$/.exec(history[1]);
    const theirs = /#(\d+) \[[\d: -]+\] <alice> not yours to touch$/.exec(history[2]);
    assert.ok(mine && theirs, history.join("\n"));
    assert.equal(history[3], ":irc.test NOTICE #lobby :End of history.");
    const [own, other] = [mine[1], theirs[1]];

    // irssi's /edit #lobby 34 new text arrives without a colon.
    await bob.send(`EDIT #lobby ${own} deploy on monday`);
    await bob.expect(`:bob!bob@chat NOTICE #lobby :* bob edited #${own}: deploy on monday`);
    await alice.until((l) => l === `* bob edited #${own}: deploy on monday`);

    assert.deepEqual(await ask(bob, `EDIT ${other} :mine now`), [
      `:irc.test NOTICE bob :EDIT: #${other} is alice's: you can only edit your own messages`,
    ]);
    assert.deepEqual(await ask(bob, `DELETE #lobby #${other}`), [
      `:irc.test NOTICE bob :DELETE: #${other} is alice's: you can only delete your own messages (operators can delete any)`,
    ]);

    const found = await ask(bob, "SEARCH monday");
    assert.equal(
      found[0],
      ':irc.test NOTICE #lobby :1 message in #lobby matches "monday", newest first:',
    );
    assert.match(
      found[1],
      new RegExp(
        `^:irc\\.test NOTICE #lobby :#${own} \\[[^\\]]+\\] <bob> deploy on monday \\(edited\\)$`,
      ),
    );
    assert.equal(found[2], ":irc.test NOTICE #lobby :End of search.");
    assert.deepEqual(await ask(bob, "SEARCH #lobby tuesday"), [
      ':irc.test NOTICE #lobby :Nothing in #lobby matches "tuesday".',
    ]);

    await bob.send(`DELETE ${own}`);
    await bob.expect(`:bob!bob@chat NOTICE #lobby :* bob deleted #${own}`);
    await alice.until((l) => l === `* bob deleted #${own}`);
    const after = await ask(bob, "HISTORY #lobby 5");
    assert.match(after[1], new RegExp(`#${own} \\[[^\\]]+\\] <bob> \\(deleted\\)$`));
    await bob.close();
    await alice.close();
  });
});

Deno.test("the IRC commands' refusals: numerics where IRC has them, else NOTICEs that say what to type", async () => {
  await withIrcServer([], async (s) => {
    const alice = await joinPlain(s.port, "alice");
    await alice.send("/join ops");
    await alice.until((l) => l.startsWith("* Now in #ops"));
    const bob = await ircJoin(s.ircPort, "bob");
    assert.deepEqual(await ask(bob, "HISTORY"), [
      ":irc.test NOTICE bob :HISTORY: you are in no channel: /join #channel first, then HISTORY [#channel] [N] [#SEQ]",
    ]);
    await bob.join("lobby");
    await bob.join("dev");
    assert.deepEqual(await ask(bob, "DELETE 3"), [
      ":irc.test NOTICE bob :DELETE: you are in 2 channels, name one: DELETE #channel SEQ",
    ]);
    assert.deepEqual(await ask(bob, "HISTORY #nowhere"), [
      ":irc.test 403 bob #nowhere :No such channel",
    ]);
    const notIn = await ask(bob, "EDIT #ops 1 :text");
    assert.match(notIn[0], /^:irc\.test 442 bob #ops :you are not in #ops/);
    assert.deepEqual(await ask(bob, "HISTORY #dev lots"), [
      `:irc.test NOTICE bob :HISTORY: lots is not a count from 1 to 200: HISTORY [#channel] [N] [#SEQ]`,
    ]);
    assert.deepEqual(await ask(bob, "DELETE #dev 99"), [
      ":irc.test NOTICE bob :DELETE: there is no message #99 in #dev (it may have been deleted or expired)",
    ]);
    await bob.send("PRIVMSG #dev :a line");
    await bob.send("HISTORY #dev 1");
    const seq = /#(\d+) /.exec(await bob.expect("<bob> a line"))![1];
    await bob.expect(":irc.test NOTICE #dev :End of history.");
    // The core's hint names plain mode's /delete N: IRC's names the channel.
    assert.deepEqual(await ask(bob, `EDIT #dev ${seq} :`), [
      `:irc.test NOTICE bob :EDIT: the new text is empty: /delete #dev ${seq} removes the message`,
    ]);
    assert.deepEqual(await ask(bob, "EDIT #dev x :text"), [
      ":irc.test NOTICE bob :EDIT: name the message by its number: EDIT [#channel] SEQ new text",
    ]);
    await bob.close();
    await alice.close();
  });
});

Deno.test("HISTORY pages: N messages before #SEQ, and the end line says how to ask for older ones", async () => {
  await withIrcServer([], async (s) => {
    const { client: carol } = await joinJson(s.port, "carol");
    const seqs: number[] = [];
    for (let i = 1; i <= 5; i++) seqs.push(await say(carol, `line ${i}`, `l${i}`));
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    await bob.expect("End of replay.");
    const page = await ask(bob, "HISTORY #lobby 2");
    assert.equal(page[0], ":irc.test NOTICE #lobby :History of #lobby, 2 messages:");
    assert.match(page[1], / <carol> line 4$/);
    assert.match(page[2], / <carol> line 5$/);
    assert.equal(
      page[3],
      `:irc.test NOTICE #lobby :End of history. Older ones: HISTORY #lobby 2 #${seqs[3]}`,
    );
    const older = await ask(bob, `HISTORY #lobby 2 #${seqs[3]}`);
    assert.match(older[1], / <carol> line 2$/);
    assert.match(older[2], / <carol> line 3$/);
    // Before the second, without the #: only the first is left, and nothing older.
    const first = await ask(bob, `HISTORY #lobby 10 ${seqs[1]}`);
    assert.equal(first.length, 3, first.join("\n"));
    assert.match(first[1], new RegExp(`:#${seqs[0]} \\[[^\\]]+\\] <carol> line 1$`));
    assert.equal(first[2], ":irc.test NOTICE #lobby :End of history.");
    await bob.close();
    await carol.close();
  });
});

Deno.test("REDACT from a client with draft/message-redaction: its own message goes; another's gets FAIL REDACT_FORBIDDEN", async () => {
  await withIrcServer([], async (s) => {
    const { client: carol } = await joinJson(s.port, "carol");
    const bob = await ircJoin(s.ircPort, "bob", { rooms: ["lobby"] });
    const eve = await ircJoin(s.ircPort, "eve", {
      caps: [...REDACTION, "echo-message"],
      rooms: ["lobby"],
    });
    await eve.send("PRIVMSG #lobby :oops, wrong channel");
    const own = msgid(await eve.expect(" PRIVMSG #lobby :oops, wrong channel"))!;
    const seq = Number(own.split("/")[1]);
    await eve.send(`REDACT #lobby ${own} :wrong channel`);
    await eve.expect((l) => l === `:eve!eve@chat REDACT #lobby ${own}`);
    await bob.expect(`:eve!eve@chat NOTICE #lobby :* eve deleted #${seq}`);
    const gone = await carol.event("delete");
    assert.deepEqual([gone.room, gone.seq, gone.by], ["lobby", seq, "eve"]);

    await say(carol, "mine", "c1");
    const theirs = msgid(await eve.expect(" PRIVMSG #lobby :mine"))!;
    const forbidden = await ask(eve, `REDACT #lobby ${theirs}`);
    assert.match(
      forbidden[0],
      new RegExp(`^:irc\\.test FAIL REDACT REDACT_FORBIDDEN #lobby ${theirs} :#\\d+ is carol's`),
    );
    assert.deepEqual(await ask(eve, `REDACT #lobby ${own}`), [
      `:irc.test FAIL REDACT UNKNOWN_MSGID #lobby ${own} :there is no message #${seq} in #lobby (it may have been deleted or expired)`,
    ]);
    await eve.join("dev");
    assert.deepEqual(await ask(eve, `REDACT #dev ${theirs}`), [
      `:irc.test FAIL REDACT UNKNOWN_MSGID #dev ${theirs} :This message does not exist or is too old`,
    ]);
    assert.deepEqual(await ask(eve, "REDACT #lobby lobby/1/00000000"), [
      ":irc.test FAIL REDACT UNKNOWN_MSGID #lobby lobby/1/00000000 :This message does not exist or is too old",
    ]);
    assert.match(
      (await ask(eve, `REDACT bob ${theirs}`))[0],
      /^:irc\.test FAIL REDACT INVALID_TARGET bob :/,
    );
    await bob.close();
    await eve.close();
    await carol.close();
  });
});

Deno.test("the replay on joining: deleted messages left out of PRIVMSGs (msgids kept), shown as (deleted) in NOTICEs; edits marked", async () => {
  await withIrcServer([], async (s) => {
    const { client: carol } = await joinJson(s.port, "carol");
    const gone = await say(carol, "regret this", "g");
    const fixed = await say(carol, "tpyo", "f");
    await say(carol, "plain", "p");
    await carol.sendJson({ type: "delete", room: "lobby", seq: gone });
    await carol.event("delete");
    await carol.sendJson({ type: "edit", room: "lobby", seq: fixed, text: "typo" });
    await carol.event("edit");

    const timed = await ircJoin(s.ircPort, "tim", { caps: ["server-time", "message-tags"] });
    const replay = (await timed.join("lobby")).concat(await timed.drain());
    const privmsgs = replay.filter((l) => l.includes(" PRIVMSG #lobby "));
    assert.equal(privmsgs.length, 2, replay.join("\n"));
    assert.ok(privmsgs[0].endsWith(":typo (edited)"), privmsgs[0]);
    assert.match(privmsgs[0], new RegExp(`msgid=lobby/${fixed}/`));

    const untimed = await ircJoin(s.ircPort, "una");
    const notices = (await untimed.join("lobby")).concat(await untimed.drain());
    const text = notices.filter((l) => l.includes(" NOTICE #lobby :[")).map((l) =>
      l.split("] ")[1]
    );
    assert.deepEqual(text, ["<carol> (deleted)", "<carol> typo (edited)", "<carol> plain"]);
    await timed.close();
    await untimed.close();
    await carol.close();
  });
});

Deno.test("cluster: a msgid is the same on every node, and an edit or REDACT on one reaches IRC users on the other", async () => {
  await using cluster = await startCluster(2, ["--irc-port", "0", "--server-name", "irc.test"]);
  const [n1, n2] = cluster.nodes;
  const port = (stdout: string[]) =>
    Number(
      stdout.map((l) => /^chat irc on irc:\/\/127\.0\.0\.1:(\d+)$/.exec(l)).find((m) => m)![1],
    );
  const bob = await ircJoin(port(n1.stdout), "bob", { caps: REDACTION, rooms: ["lobby"] });
  const eve = await ircJoin(port(n2.stdout), "eve", {
    caps: [...REDACTION, "echo-message"],
    rooms: ["lobby"],
  });
  await bob.expect(":eve!eve@chat JOIN #lobby", 10_000);
  await eve.send("PRIVMSG #lobby :across nodes");
  const here = msgid(await eve.expect(" PRIVMSG #lobby :across nodes", 10_000))!;
  const there = msgid(await bob.expect(" PRIVMSG #lobby :across nodes", 10_000))!;
  assert.equal(there, here);
  const seq = here.split("/")[1];
  await eve.send(`EDIT #lobby ${seq} :across two nodes`);
  await bob.expect(`:eve!eve@chat NOTICE #lobby :* eve edited #${seq}: across two nodes`, 10_000);
  await eve.send(`REDACT #lobby ${here}`);
  await bob.expect((l) => l === `:eve!eve@chat REDACT #lobby ${here}`, 10_000);
  await bob.close();
  await eve.close();
  assert.deepEqual(bugs(cluster.nodes), []);
});

Deno.test({
  name:
    `irssi: with the aliases of docs/irc.md, /history, /edit and /delete act on the window's channel${
      IRSSI_MISSING ? ` [ignored: ${IRSSI_MISSING}]` : ""
    }`,
  ignore: IRSSI_MISSING !== "",
  async fn() {
    await withIrcServer([], async (s) => {
      const alice = await joinPlain(s.port, "alice");
      const irssi = await Irssi.start(s.ircPort, "ircy");
      try {
        // irssi answers an unknown /history itself ("Unknown command"): the aliases
        // send it raw, with the window's channel ($C).
        const aliases = await documentedAliases("irssi");
        assert.equal(aliases.length, 4, aliases.join(", "));
        for (const a of aliases) await irssi.type(a);
        await irssi.type("/join #lobby");
        await alice.until((l) => l === "* ircy joined the chat");
        await irssi.type("hello from irssi");
        await alice.until((l) => l === "ircy: hello from irssi");
        await irssi.type("/history");
        await irssi.waitFor("!irc.test History of #lobby, 1 message:");
        const row = await irssi.waitFor(/!irc\.test #\d+ \[[\d: -]+\] <ircy> hello from irssi/);
        const seq = /#(\d+) \[/.exec(row)![1];
        await irssi.waitFor("!irc.test End of history.");
        await irssi.type("/search hello");
        await irssi.waitFor('!irc.test 1 message in #lobby matches "hello", newest first:');
        await irssi.type(`/edit ${seq} hello again from irssi`);
        await alice.until((l) => l === `* ircy edited #${seq}: hello again from irssi`);
        await irssi.waitFor(`-ircy:#lobby- * ircy edited #${seq}: hello again from irssi`);
        await irssi.type(`/delete ${seq}`);
        await alice.until((l) => l === `* ircy deleted #${seq}`);
        await irssi.waitFor(`-ircy:#lobby- * ircy deleted #${seq}`);
      } finally {
        await irssi.stop();
        await alice.close();
      }
    });
  },
});

Deno.test({
  name:
    `WeeChat: /quote HISTORY and /quote EDIT, then the aliases of docs/irc.md, answered in the channel's buffer${
      WEECHAT_MISSING ? ` [ignored: ${WEECHAT_MISSING}]` : ""
    }`,
  ignore: WEECHAT_MISSING !== "",
  async fn() {
    await withIrcServer([], async (s) => {
      const alice = await joinPlain(s.port, "alice");
      const weechat = await WeeChat.start(s.ircPort, "weechy");
      try {
        await weechat.command("server.chat", "/join #lobby");
        await weechat.waitForLog("chat.#lobby", /Channel #lobby: 2 nicks/);
        await weechat.command("chat.#lobby", "hello from weechat");
        await alice.until((l) => l === "weechy: hello from weechat", 10_000);
        // WeeChat has its own /history (of what was typed): the raw command goes by /quote.
        await weechat.command("chat.#lobby", "/quote HISTORY #lobby");
        const row = await weechat.waitForLog(
          "chat.#lobby",
          /Notice\(irc\.test\): #\d+ \[[\d: -]+\] <weechy> hello from weechat/,
        );
        const seq = /#(\d+) \[/.exec(row)![1];
        await weechat.waitForLog("chat.#lobby", "Notice(irc.test): End of history.");
        await weechat.command("chat.#lobby", `/quote EDIT #lobby ${seq} hello again`);
        await alice.until((l) => l === `* weechy edited #${seq}: hello again`, 10_000);
        await weechat.waitForLog(
          "chat.#lobby",
          `Notice(weechy): * weechy edited #${seq}: hello again`,
        );

        // The aliases docs/irc.md gives: /hist, /search, /edit, /delete in the channel's buffer.
        const aliases = await documentedAliases("WeeChat");
        assert.equal(aliases.length, 4, aliases.join(", "));
        for (const a of aliases) await weechat.command("chat.#lobby", a);
        await weechat.command("chat.#lobby", "/hist 5");
        await weechat.waitForLog(
          "chat.#lobby",
          /Notice\(irc\.test\): History of #lobby, 1 message:/,
        );
        await weechat.command("chat.#lobby", "/search again");
        await weechat.waitForLog(
          "chat.#lobby",
          'Notice(irc.test): 1 message in #lobby matches "again", newest first:',
        );
        await weechat.command("chat.#lobby", `/edit ${seq} hello a third time`);
        await alice.until((l) => l === `* weechy edited #${seq}: hello a third time`, 10_000);
        await weechat.command("chat.#lobby", `/delete ${seq}`);
        await alice.until((l) => l === `* weechy deleted #${seq}`, 10_000);
        await weechat.waitForLog("chat.#lobby", `Notice(weechy): * weechy deleted #${seq}`);
      } finally {
        await weechat.stop();
        await alice.close();
      }
    });
  },
});
