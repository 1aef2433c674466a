/// <reference lib="dom" />
// The IRC gateway with real IRC clients, end to end, no mocks: irssi (in a
// private tmux, read from its screen) and WeeChat (headless, driven through
// its FIFO, read from its logs) each join #lobby of a real `chat serve
// --irc-port`, talk both ways with a netcat-style plain client and a web
// page in a real headless Chromium, get a DM from the page and answer it,
// change nick for everyone to see, and are kicked from the page. Then the
// gateway's interop: a channel made from IRC is on the page's room list and
// can be entered from there, and a kick from the page's member menu reaches
// IRC as a proper KICK line (a raw client checks the bytes). A test is
// ignored, with the reason in its name, when a client it needs is missing.
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import {
  haveChromium,
  join,
  launch,
  newTab,
  say,
  type Tab,
  waitForLine,
} from "./browser_helpers.ts";
import { joinPlain, type LineClient } from "./helpers.ts";
import {
  ircJoin,
  type IrcServerProcess,
  type IrcTestClient,
  startIrcServer,
} from "./irc_helpers.ts";
import { Irssi, IRSSI_MISSING, poll, WeeChat, WEECHAT_MISSING } from "./irc_client_helpers.ts";

const OP_PASSWORD = "sesame";
/** No test may take longer than this, whatever hangs. */
const TEST_LIMIT_MS = 90_000;

const CHROMIUM_MISSING = haveChromium ? "" : "chromium is not installed at /usr/bin/chromium";
for (const why of new Set([IRSSI_MISSING, WEECHAT_MISSING, CHROMIUM_MISSING])) {
  if (why) console.warn(`SKIPPING some IRC client tests: ${why}`);
}

interface World {
  server: IrcServerProcess;
  browser: Browser;
  /** Runs `f` when the test ends, pass or fail (last registered first). */
  later(f: () => unknown): void;
}

/**
 * A test with a fresh server (IRC, TCP and web ports; an operator
 * password) and a browser; ignored with `missing` in its name when a
 * client it needs is absent. Every process and directory it starts is
 * cleaned up, and it fails after {@linkcode TEST_LIMIT_MS} whatever hangs.
 */
function e2e(name: string, needs: string[], fn: (w: World) => Promise<void>): void {
  const missing = [...needs, CHROMIUM_MISSING].filter((m) => m !== "").join("; ");
  Deno.test({
    name: missing ? `${name} [ignored: ${missing}]` : name,
    ignore: missing !== "",
    // Playwright keeps its pipe to the browser open between awaits.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const cleanups: (() => unknown)[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const server = await startIrcServer(["--web-port", "0"], {
          env: { CHAT_OP_PASSWORD: OP_PASSWORD },
        });
        cleanups.push(() => server.stop("SIGKILL"));
        const browser = await launch();
        cleanups.push(() => browser.close());
        await Promise.race([
          fn({ server, browser, later: (f) => cleanups.push(f) }),
          new Promise<never>((_, reject) =>
            timer = setTimeout(
              () => reject(new Error(`the test took more than ${TEST_LIMIT_MS} ms`)),
              TEST_LIMIT_MS,
            )
          ),
        ]);
      } finally {
        clearTimeout(timer);
        for (const f of cleanups.reverse()) {
          try {
            await f();
          } catch {
            // cleaning up what already failed
          }
        }
      }
    },
  });
}

/** A page at the server's web side, joined as `name`. */
async function webUser(browser: Browser, server: IrcServerProcess, name: string): Promise<Tab> {
  const tab = await newTab(browser);
  await tab.page.goto(server.http + "/");
  await join(tab, name);
  return tab;
}

/** The page's members list, as shown ("webby (you)", "ircy"…). */
const membersOf = (tab: Tab) => tab.page.locator("#members li").allTextContents();

/** Waits until the page's members list is exactly `want` (in any order). */
async function waitMembers(tab: Tab, want: string[]): Promise<void> {
  let last: string[] = [];
  await poll(
    async () => {
      last = await membersOf(tab);
      return [...last].sort().join("|") === [...want].sort().join("|") || undefined;
    },
    () => `the members list is ${JSON.stringify(last)}, expected ${JSON.stringify(want)}`,
    8000,
  );
}

/** Waits for the plain client's line `want`, exactly. */
async function plainSees(c: LineClient, want: string, timeoutMs = 8000): Promise<void> {
  const seen: string[] = [];
  await c.until((l) => {
    seen.push(l);
    return l === want;
  }, timeoutMs).catch((err: Error) => {
    throw new Error(
      `the plain client never got "${want}" (${err.message}); got ${JSON.stringify(seen)}`,
    );
  });
}

/** Waits for the page's log line `want` (as waitForLine); the error shows the log. */
async function pageSees(tab: Tab, want: string, timeout = 8000): Promise<void> {
  try {
    await waitForLine(tab, want, timeout);
  } catch {
    const lines = await tab.page.locator("#log li").allTextContents();
    throw new Error(
      `the page never showed "${want}"; its log:\n${lines.slice(-20).join("\n")}`,
    );
  }
}

/** The page's problems, WebSocket noise aside. */
function noProblems(tab: Tab): void {
  assert.deepEqual(tab.problems.filter((p) => !/WebSocket/.test(p)), []);
}

/** An irssi screen row of a message by `nick` (any nick mode shown before it). */
const said = (nick: string, text: string) =>
  new RegExp(`<[@+ ]?${nick}> ${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

/** A WeeChat log line of a message by `nick`. */
const logged = (nick: string, text: string) =>
  new RegExp(`\\t[@+]?${nick}\\t${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

/** Makes `tab`'s user an operator with /op. */
async function becomeOperator(tab: Tab): Promise<void> {
  await say(tab, `/op ${OP_PASSWORD}`);
  await pageSees(tab, "You are now an operator.");
}

/** Kicks `name` from `tab`'s member menu (the page's way), with `reason`. */
async function kickFromMenu(tab: Tab, name: string, reason: string): Promise<void> {
  await tab.page.locator("#members button.who", { hasText: new RegExp(`^${name}$`) }).click();
  await tab.page.locator("#member-menu").waitFor({ state: "visible" });
  await tab.page.getByRole("menuitem", { name: "Kick…" }).click();
  const dialog = tab.page.getByRole("dialog", { name: `Kick ${name}` });
  await dialog.waitFor();
  await dialog.getByLabel("Reason").fill(reason);
  await dialog.getByRole("button", { name: "Kick" }).click();
  await dialog.waitFor({ state: "hidden" });
}

// --- irssi -------------------------------------------------------------------

e2e(
  "irssi: joins #lobby, talks both ways with netcat and the web page, gets a DM and answers it, renames with /nick, and shows a kick from the page",
  [IRSSI_MISSING],
  async ({ server, browser, later }) => {
    const plain = await joinPlain(server.port, "nc_carol");
    later(() => plain.close());
    const web = await webUser(browser, server, "webby");
    await plain.send("said before irssi came");
    await pageSees(web, "nc_carol: said before irssi came");
    const irssi = await Irssi.start(server.ircPort, "ircy");
    later(() => irssi.stop());

    // Registered: in no channel until it joins one; joining replays the history.
    await irssi.type("/join #lobby");
    await irssi.waitFor(/ircy \[ircy@\S+\] has joined #lobby/);
    await irssi.waitFor("#lobby: Total of 3 nicks");
    await irssi.waitFor(said("nc_carol", "said before irssi came"));
    await plainSees(plain, "* ircy joined the chat");
    await pageSees(web, "ircy joined");
    await waitMembers(web, ["ircy", "nc_carol", "webby (you)"]);

    // irssi → everyone
    await irssi.type("hello from irssi");
    await plainSees(plain, "ircy: hello from irssi");
    await pageSees(web, "ircy: hello from irssi");
    await irssi.waitFor(said("ircy", "hello from irssi"));
    await irssi.type("/me waves from irssi");
    await plainSees(plain, "* ircy waves from irssi");
    await pageSees(web, "* ircy waves from irssi");
    await irssi.type("/topic set from irssi");
    await plainSees(plain, "* ircy set the topic: set from irssi");
    await pageSees(web, "ircy set the topic: set from irssi");
    assert.equal(await web.page.locator("#topic").textContent(), "set from irssi");
    await irssi.waitFor("ircy changed the topic of #lobby to: set from irssi");
    // CTCP to a web user: the server answers for it (shown in the status window).
    await irssi.type("/ctcp webby VERSION");
    await irssi.type("/window 1");
    await irssi.waitFor(
      /CTCP VERSION reply from webby: chat-\S+ \(answered by the chat server for webby\)/,
    );
    await irssi.type("/window goto #lobby");
    await irssi.waitFor(/^\[#lobby\]$/);

    // everyone → irssi
    await plain.send("hello from netcat");
    await irssi.waitFor(said("nc_carol", "hello from netcat"));
    await say(web, "hello from the web, ircy");
    await irssi.waitFor(said("webby", "hello from the web, ircy"));
    await pageSees(web, "webby: hello from the web, ircy");

    // A DM from the page opens a query in irssi; irssi's /msg reaches the page.
    await say(web, "/msg ircy psst from the web");
    await pageSees(web, "privateto ircy: psst from the web");
    await irssi.type("/msg webby psst back from irssi");
    await pageSees(web, "privateircy: psst back from irssi");
    await irssi.type("/query webby");
    await irssi.waitFor(said("webby", "psst from the web"));
    await irssi.waitFor(said("ircy", "psst back from irssi"));
    // Typed in the query window, a line is a DM too.
    await irssi.type("typed in the query");
    await pageSees(web, "privateircy: typed in the query");
    // A DM from netcat, and irssi's answer.
    await plain.send("/msg ircy psst from netcat");
    await irssi.type("/query nc_carol");
    await irssi.waitFor(said("nc_carol", "psst from netcat"));
    await irssi.type("/msg nc_carol back to netcat");
    await plainSees(plain, "(private) ircy: back to netcat");
    await irssi.type("/window goto #lobby");
    await irssi.waitFor(/^\[#lobby\]$/);

    // /nick: everyone sees the rename, and the new nick talks.
    await irssi.type("/nick ircy2");
    await irssi.waitFor("You're now known as ircy2");
    await plainSees(plain, "* ircy is now ircy2");
    await pageSees(web, "ircy is now ircy2");
    await waitMembers(web, ["ircy2", "nc_carol", "webby (you)"]);
    await irssi.type("renamed and still here");
    await plainSees(plain, "ircy2: renamed and still here");
    await pageSees(web, "ircy2: renamed and still here");
    await plain.send("welcome back, ircy2");
    await irssi.waitFor(said("nc_carol", "welcome back, ircy2"));
    await say(web, "/msg ircy2 a DM to the new nick");
    await irssi.type("/query webby");
    await irssi.waitFor(said("webby", "a DM to the new nick"));
    await irssi.type("/window goto #lobby");
    await irssi.waitFor(/^\[#lobby\]$/);

    // The page's operator kicks irssi from its member menu: irssi shows it.
    await becomeOperator(web);
    await irssi.waitFor(/Mode\/#lobby \[\+o webby\] by irc\.test/);
    await kickFromMenu(web, "ircy2", "enough from irssi");
    // (irssi words a kick of itself as anyone's; it leaves the channel's window.)
    await irssi.waitFor("ircy2 was kicked from #lobby by webby [enough from irssi]");
    await irssi.waitFor(/ \[2\]( \[Act: [\d,]+\])?$/);
    await irssi.type("/window 1");
    await irssi.waitFor("ERROR Closing Link: ircy2 was kicked by webby: enough from irssi");
    await irssi.waitFor("Irssi: Connection lost to 127.0.0.1");
    // Nothing irssi sent by itself (MODE, WHO, ban list, lag PINGs) was refused.
    const errors = (await irssi.screen()).filter((r) =>
      /Unknown command|Not enough parameters|You have not registered/.test(r)
    );
    assert.deepEqual(errors, []);
    await plainSees(plain, "* ircy2 was kicked by webby: enough from irssi");
    await pageSees(web, "ircy2 was kicked by webby: enough from irssi");
    await waitMembers(web, ["nc_carol", "webby op (you)"]);
    noProblems(web);
  },
);

// --- WeeChat -----------------------------------------------------------------

e2e(
  "WeeChat: joins #lobby, talks both ways with netcat and the web page, gets a DM and answers it, renames with /nick, and shows a kick from the page",
  [WEECHAT_MISSING],
  async ({ server, browser, later }) => {
    const plain = await joinPlain(server.port, "nc_carol");
    later(() => plain.close());
    const web = await webUser(browser, server, "webby");
    await plain.send("said before weechat came");
    await pageSees(web, "nc_carol: said before weechat came");
    const wee = await WeeChat.start(server.ircPort, "weechy");
    later(() => wee.stop());

    // Registered: in no channel until it joins one; joining replays the history.
    await wee.command("server.chat", "/join #lobby");
    await wee.waitForLog("chat.#lobby", /\tweechy \(weechy@\S+\) has joined #lobby$/);
    await wee.waitForLog("chat.#lobby", /Channel #lobby: 3 nicks/);
    await wee.waitForLog("chat.#lobby", logged("nc_carol", "said before weechat came"));
    await plainSees(plain, "* weechy joined the chat");
    await pageSees(web, "weechy joined");
    await waitMembers(web, ["nc_carol", "webby (you)", "weechy"]);

    // WeeChat → everyone
    await wee.command("chat.#lobby", "hello from weechat");
    await plainSees(plain, "weechy: hello from weechat");
    await pageSees(web, "weechy: hello from weechat");
    await wee.command("chat.#lobby", "/me waves from weechat");
    await plainSees(plain, "* weechy waves from weechat");
    await pageSees(web, "* weechy waves from weechat");

    // everyone → WeeChat
    await plain.send("hello from netcat");
    await wee.waitForLog("chat.#lobby", logged("nc_carol", "hello from netcat"));
    await say(web, "hello from the web, weechy");
    await wee.waitForLog("chat.#lobby", logged("webby", "hello from the web, weechy"));
    // UTF-8 both ways.
    await say(web, "héllo wörld ✓ 日本");
    await wee.waitForLog("chat.#lobby", logged("webby", "héllo wörld ✓ 日本"));
    await wee.command("chat.#lobby", "grüße zurück ✓");
    await plainSees(plain, "weechy: grüße zurück ✓");
    await pageSees(web, "weechy: grüße zurück ✓");

    // A DM from the page opens a private buffer; WeeChat's /msg reaches the page.
    await say(web, "/msg weechy psst from the web");
    await wee.waitForLog("chat.webby", logged("webby", "psst from the web"));
    await wee.command("server.chat", "/msg webby psst back from weechat");
    await pageSees(web, "privateweechy: psst back from weechat");
    await wee.command("chat.webby", "typed in the private buffer");
    await pageSees(web, "privateweechy: typed in the private buffer");
    await wee.waitForLog("chat.webby", logged("weechy", "typed in the private buffer"));
    // A DM from netcat, and WeeChat's answer.
    await plain.send("/msg weechy psst from netcat");
    await wee.waitForLog("chat.nc_carol", logged("nc_carol", "psst from netcat"));
    await wee.command("chat.nc_carol", "back to netcat");
    await plainSees(plain, "(private) weechy: back to netcat");

    // /nick: everyone sees the rename, and the new nick talks.
    await wee.command("chat.#lobby", "/nick weechy2");
    await wee.waitForLog("chat.#lobby", /You are now known as weechy2$/);
    await plainSees(plain, "* weechy is now weechy2");
    await pageSees(web, "weechy is now weechy2");
    await waitMembers(web, ["nc_carol", "webby (you)", "weechy2"]);
    await wee.command("chat.#lobby", "renamed and still here");
    await plainSees(plain, "weechy2: renamed and still here");
    await pageSees(web, "weechy2: renamed and still here");
    await plain.send("welcome back, weechy2");
    await wee.waitForLog("chat.#lobby", logged("nc_carol", "welcome back, weechy2"));
    await say(web, "/msg weechy2 a DM to the new nick");
    await wee.waitForLog("chat.webby", logged("webby", "a DM to the new nick"));

    // The page's operator kicks WeeChat from its member menu: WeeChat shows it.
    await becomeOperator(web);
    await wee.waitForLog("chat.#lobby", /Mode #lobby \[\+o webby\] by irc\.test$/);
    await kickFromMenu(web, "weechy2", "enough from weechat");
    await wee.waitForLog("chat.#lobby", /\twebby has kicked weechy2 \(enough from weechat\)$/);
    await plainSees(plain, "* weechy2 was kicked by webby: enough from weechat");
    await waitMembers(web, ["nc_carol", "webby op (you)"]);
    // Nothing WeeChat sent by itself (MODE, WHO…) was refused.
    const errors = (await wee.log("server.chat")).filter((l) =>
      /Unknown command|Not enough parameters|You have not registered/.test(l)
    );
    assert.deepEqual(errors, []);
    noProblems(web);
  },
);

// --- interop -----------------------------------------------------------------

e2e(
  "a channel made from IRC is on the web page's room list; the page enters it and talks with IRC there",
  [],
  async ({ server, browser, later }) => {
    const web = await webUser(browser, server, "webby");
    const irc = await ircJoin(server.ircPort, "maker", { rooms: ["lobby"] });
    later(() => irc.close());
    await pageSees(web, "maker joined");

    // JOIN of a new name makes the room; the topic comes from IRC too.
    const joined = await irc.join("newroom");
    assert.ok(joined.includes(":maker!maker@chat JOIN #newroom"), JSON.stringify(joined));
    await irc.send("TOPIC #newroom :made on IRC");
    await irc.expect(/^:maker!\S+ TOPIC #newroom :made on IRC$/);

    // The page's room list (/rooms) has it, and so do the Join field's suggestions.
    await say(web, "/rooms");
    const rooms = web.page.locator("#log li", { hasText: "Rooms: " }).last();
    await rooms.waitFor();
    assert.match((await rooms.textContent()) ?? "", /#newroom \(1\)/);
    await poll(
      async () =>
        (await web.page.locator("#room-names option").evaluateAll((os) =>
          os.map((o) => (o as HTMLOptionElement).value)
        )).includes("newroom") || undefined,
      () => "the Join field never suggested newroom",
    );

    // Entered from the list's field: the room is listed, current, with its topic and maker.
    const field = web.page.getByLabel("Join a room", { exact: true });
    await field.fill("#newroom");
    await field.press("Enter");
    await web.page.waitForFunction(() =>
      document.querySelector("#rooms [aria-current='true']")?.getAttribute("data-room") ===
        "newroom"
    );
    assert.deepEqual(await web.page.locator("#rooms .room-name").allTextContents(), [
      "#lobby",
      "#newroom",
    ]);
    await pageSees(web, "Now in #newroom: 2 online: maker, webby. Topic: made on IRC");
    assert.equal(await web.page.locator("#topic").textContent(), "made on IRC");
    await waitMembers(web, ["maker", "webby (you)"]);
    await irc.expect(/^(@\S+ )?:webby!\S+ JOIN #newroom$/);

    await say(web, "hello #newroom from the web");
    await irc.expect(/^(@\S+ )?:webby!\S+ PRIVMSG #newroom :hello #newroom from the web$/);
    await irc.send("PRIVMSG #newroom :hello from IRC in #newroom");
    await pageSees(web, "maker: hello from IRC in #newroom");
    // The message is #newroom's alone: the lobby's log never had it.
    await web.page.locator("#rooms [data-room='lobby']").click();
    await web.page.waitForFunction(() =>
      document.getElementById("room-title")?.textContent === "#lobby"
    );
    assert.equal(
      await web.page.locator("#log li", { hasText: "hello from IRC in #newroom" }).count(),
      0,
    );
    noProblems(web);
  },
);

e2e(
  "a kick from the web page's member menu removes an IRC user with a proper KICK line",
  [],
  async ({ server, browser, later }) => {
    const clients: IrcTestClient[] = [];
    later(async () => {
      for (const c of clients) await c.close();
    });
    const victim = await ircJoin(server.ircPort, "rawvic", { rooms: ["lobby"] });
    const watcher = await ircJoin(server.ircPort, "watcher", { rooms: ["lobby"] });
    clients.push(victim, watcher);
    const web = await webUser(browser, server, "webop");
    await watcher.expect(/^(@\S+ )?:webop!\S+ JOIN #lobby$/);
    await waitMembers(web, ["rawvic", "watcher", "webop (you)"]);

    await becomeOperator(web);
    // IRC sees the new operator as a channel mode.
    await watcher.expect(/^:irc\.test MODE #lobby \+o webop$/);
    await victim.expect(/^:irc\.test MODE #lobby \+o webop$/);

    await kickFromMenu(web, "rawvic", "flooding the channel");
    // The victim: KICK by the operator with the reason, then the link closes.
    const kicked = await victim.collect(/^ERROR /);
    const kick = kicked.findIndex((l) =>
      l === ":webop!webop@chat KICK #lobby rawvic :flooding the channel"
    );
    assert.ok(kick >= 0, `no KICK line in ${JSON.stringify(kicked)}`);
    assert.match(kicked.at(-1)!, /^ERROR :Closing Link: .*kicked by webop: flooding the channel/);
    await victim.closed();
    // Everyone else in the channel: the same KICK line, and no QUIT besides.
    const seen = await watcher.collect(/ KICK #lobby rawvic /);
    assert.equal(seen.at(-1), ":webop!webop@chat KICK #lobby rawvic :flooding the channel");
    await watcher.send("NAMES #lobby");
    const names = await watcher.collect(/ 366 watcher #lobby /);
    assert.ok(
      ![...seen, ...names].some((l) => /^:rawvic!\S+ (QUIT|PART) /.test(l)),
      JSON.stringify([...seen, ...names]),
    );
    assert.deepEqual(
      names.filter((l) => / 353 /.test(l)).map((l) => l.split(" :").at(-1)!.split(" ").sort()),
      [["@webop", "watcher"]],
    );
    await pageSees(web, "rawvic was kicked by webop: flooding the channel");
    await waitMembers(web, ["watcher", "webop op (you)"]);

    // A kick with no reason: IRC still gets a reason (KICK's last parameter).
    await web.page.locator("#members button.who", { hasText: /^watcher$/ }).click();
    await web.page.getByRole("menuitem", { name: "Kick…" }).click();
    const dialog = web.page.getByRole("dialog", { name: "Kick watcher" });
    await dialog.getByRole("button", { name: "Kick" }).click();
    await dialog.waitFor({ state: "hidden" });
    const last = await watcher.collect(/^ERROR /);
    assert.ok(
      last.some((l) => /^:webop!webop@chat KICK #lobby watcher :\S/.test(l)),
      JSON.stringify(last),
    );
    await watcher.closed();
    noProblems(web);
  },
);
