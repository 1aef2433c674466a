/// <reference lib="dom" />
// Rooms on the page, in a real headless Chromium against a real server:
// the room list (unread counts, mention marks, the current room), switching
// by click and by Alt+Up / Alt+Down with each room's log, scroll position
// and unsent text kept; rooms made, entered and left from the page; the
// topic shown and edited; the room in the address (and Back/Forward);
// every room resumed after a restart, or said to have started over; a
// phone's width.
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import {
  browserTest,
  join,
  messageTexts,
  open,
  say,
  type Tab,
  waitForLine,
} from "./browser_helpers.ts";
import { joinJson, joinPlain, type LineClient, REPO_ROOT } from "./helpers.ts";
import { startWebServer, type WebServerProcess } from "./web_helpers.ts";
import { COMMANDS, parseInput, roomInput, topicInput } from "../web/input.ts";
import { hashFor, roomFromHash } from "../web/room_hash.ts";

// --- the pure parts ------------------------------------------------------------

Deno.test("room commands typed in the page become the events they ask for", () => {
  assert.deepEqual(parseInput("hi", "dev"), {
    kind: "send",
    event: { type: "say", text: "hi", room: "dev" },
  });
  assert.deepEqual(parseInput("/me waves", "dev"), {
    kind: "send",
    event: { type: "me", text: "waves", room: "dev" },
  });
  assert.deepEqual(parseInput("/join #ops", "dev"), {
    kind: "send",
    event: { type: "enter", room: "ops" },
  });
  assert.deepEqual(parseInput("/part", "dev"), {
    kind: "send",
    event: { type: "part", room: "dev" },
  });
  assert.deepEqual(parseInput("/leave lobby", "dev"), {
    kind: "send",
    event: { type: "part", room: "lobby" },
  });
  assert.deepEqual(parseInput("/topic release on Friday", "dev"), {
    kind: "send",
    event: { type: "topic", room: "dev", text: "release on Friday" },
  });
  assert.deepEqual(parseInput("/topic", "dev"), { kind: "topic" });
  assert.deepEqual(parseInput("/rooms", "dev"), { kind: "send", event: { type: "rooms" } });
  assert.deepEqual(parseInput("/who", "dev"), {
    kind: "send",
    event: { type: "who", room: "dev" },
  });
  assert.deepEqual(parseInput("/who #ops", "dev"), {
    kind: "send",
    event: { type: "who", room: "ops" },
  });
  assert.deepEqual(parseInput("/switch #ops", "dev"), { kind: "switch", room: "ops" });
  assert.equal(parseInput("/join").kind, "error");
  assert.equal(parseInput("/join two words").kind, "error");
  assert.equal(parseInput("/part").kind, "error", "in no room, /part must say which");
  assert.equal(parseInput("/topic hi").kind, "error", "in no room, no topic to set");
  // DMs belong to no room.
  assert.deepEqual(parseInput("/msg bob psst", "dev"), {
    kind: "send",
    event: { type: "dm", to: "bob", text: "psst" },
  });
  assert.deepEqual(roomInput("  #dev "), { kind: "send", event: { type: "enter", room: "dev" } });
  assert.deepEqual(roomInput(" "), { kind: "none" });
  assert.equal(roomInput("two words").kind, "error");
  assert.deepEqual(topicInput(" a\nb ", "dev"), {
    kind: "send",
    event: { type: "topic", room: "dev", text: "a b" },
  });
  const help = COMMANDS.map(([u]) => u);
  for (const c of ["/join ROOM", "/part [ROOM]", "/topic [TEXT]", "/rooms", "/who [ROOM]"]) {
    assert.ok(help.includes(c), `/help lists ${c}`);
  }
  assert.ok(help.some((u) => u.includes("Alt+Up")), "/help lists the room keys");
});

Deno.test("the address names a room: #dev, escaped when it must be", () => {
  assert.equal(roomFromHash("#dev"), "dev");
  assert.equal(roomFromHash(""), null);
  assert.equal(roomFromHash("#"), null);
  assert.equal(roomFromHash("#%23dev"), "dev");
  assert.equal(roomFromHash("#caf%C3%A9"), "café");
  assert.equal(roomFromHash("#50%"), "50%", "a stray % is taken as it is");
  assert.equal(hashFor("dev"), "#dev");
  assert.equal(roomFromHash(hashFor("café.ü-1")), "café.ü-1");
});

// --- helpers -----------------------------------------------------------------

/** A page at `path` (e.g. "/#dev"). */
const openAt = (browser: Browser, server: WebServerProcess, path = "/") =>
  open(browser, server, path);

/** The rooms in the list, in order. */
const roomsOf = (tab: Tab) => tab.page.locator("#rooms .room-name").allTextContents();
const roomButton = (tab: Tab, room: string) => tab.page.locator(`#rooms [data-room="${room}"]`);
const message = (tab: Tab) => tab.page.getByLabel("Message", { exact: true });
const hashOf = (tab: Tab) => tab.page.evaluate(() => location.hash);

/** Waits until `room` is the current room (highlighted in the list, its name above the log). */
async function waitCurrent(tab: Tab, room: string, timeout = 5000): Promise<void> {
  await tab.page.waitForFunction(
    (want) =>
      document.querySelector("#rooms [aria-current='true']")?.getAttribute("data-room") ===
        want && document.getElementById("room-title")?.textContent === `#${want}`,
    room,
    { timeout },
  );
}

/** The unread count and mention mark the list shows for `room` ("" when none). */
async function marks(tab: Tab, room: string): Promise<{ count: string; at: boolean }> {
  const b = roomButton(tab, room);
  const count = b.locator(".count");
  return {
    count: (await count.count()) > 0 ? (await count.textContent()) ?? "" : "",
    at: (await b.locator(".at").count()) > 0,
  };
}

async function say_(c: LineClient, room: string, text: string): Promise<void> {
  await c.sendJson({ type: "say", room, text });
}

function noProblems(...tabs: Tab[]): void {
  for (const t of tabs) assert.deepEqual(t.problems.filter((p) => !/WebSocket/.test(p)), []);
}

// --- the browser -------------------------------------------------------------

browserTest(
  "two pages and TCP clients in two rooms: nobody sees a room they are not in; unread and mention marks clear on switching",
  async (browser) => {
    const server = await startWebServer();
    const tcp: LineClient[] = [];
    try {
      const alice = await openAt(browser, server);
      const bob = await openAt(browser, server);
      await join(alice, "alice");
      await join(bob, "bob");
      assert.equal(await hashOf(alice), "#lobby", "the default room has its hash too");
      const carol = await joinPlain(server.port, "carol");
      const { client: dave } = await joinJson(server.port, "dave", { rooms: ["lobby", "dev"] });
      tcp.push(carol, dave);
      await dave.event("room");
      await waitForLine(alice, "dave joined");

      await say(alice, "/join dev");
      await waitCurrent(alice, "dev");
      assert.deepEqual(await roomsOf(alice), ["#lobby", "#dev"]);
      assert.equal(await hashOf(alice), "#dev");
      await waitForLine(alice, "Now in #dev: 2 online: alice, dave.");
      assert.deepEqual(await alice.page.locator("#members li").allTextContents(), [
        "alice (you)",
        "dave",
      ]);
      assert.equal((await dave.event("join")).room, "dev");

      await say(alice, "hello dev");
      const m = await dave.event("message");
      assert.deepEqual([m.room, m.from, m.text], ["dev", "alice", "hello dev"]);
      await say_(dave, "dev", "only for dev");
      await waitForLine(alice, "dave: only for dev");
      // dave mentions alice in the lobby while she looks at #dev
      await say_(dave, "lobby", "alice, lunch?");
      await say_(dave, "lobby", "anyone?");
      await waitForLine(bob, "dave: anyone?");
      await alice.page.waitForFunction(() =>
        document.querySelector("#rooms [data-room='lobby'] .count")?.textContent === "2"
      );
      assert.deepEqual(await marks(alice, "lobby"), { count: "2", at: true });
      assert.deepEqual(await marks(alice, "dev"), { count: "", at: false });
      assert.equal(
        await roomButton(alice, "lobby").getAttribute("aria-label"),
        "#lobby, 2 unread, mentions you",
      );
      assert.deepEqual(await messageTexts(alice), ["hello dev", "only for dev"]);

      // the lobby's copies wait in its own log, and switching clears the marks
      await roomButton(alice, "lobby").click();
      await waitCurrent(alice, "lobby");
      assert.deepEqual(await marks(alice, "lobby"), { count: "", at: false });
      assert.deepEqual(await messageTexts(alice), ["alice, lunch?", "anyone?"]);
      assert.equal(await alice.page.locator("#log li.mention mark").textContent(), "alice");
      assert.equal(await hashOf(alice), "#lobby");
      assert.deepEqual(await alice.page.locator("#members li").allTextContents(), [
        "alice (you)",
        "bob",
        "carol",
        "dave",
      ]);

      // bob and carol are in the lobby only: #dev never reached them
      assert.deepEqual(await roomsOf(bob), ["#lobby"]);
      assert.deepEqual(await messageTexts(bob), ["alice, lunch?", "anyone?"]);
      await carol.send("carol was here");
      await waitForLine(alice, "carol: carol was here");
      const carolSaw = [...carol.buffered];
      assert.ok(!carolSaw.some((l) => /dev/.test(l)), `carol saw no #dev line: ${carolSaw}`);
      const bobSaw = await bob.page.locator("#log").textContent();
      assert.ok(!/only for dev|hello dev/.test(bobSaw ?? ""), "bob saw nothing of #dev");

      // a message in #dev while alice is in the lobby counts there
      await say_(dave, "dev", "back to dev");
      await alice.page.waitForFunction(() =>
        document.querySelector("#rooms [data-room='dev'] .count")?.textContent === "1"
      );
      assert.deepEqual(await marks(alice, "dev"), { count: "1", at: false });
      // the phone's Rooms button (hidden here) says the same
      assert.equal(
        await alice.page.locator("#rooms-toggle").getAttribute("aria-label"),
        "Rooms, in #lobby, 1 unread elsewhere",
      );
      noProblems(alice, bob);
    } finally {
      for (const c of tcp) await c.close();
      await server.stop();
    }
  },
);

browserTest(
  "switching rooms keeps each room's scroll position and unsent text; Alt+Up and Alt+Down switch",
  async (browser) => {
    const server = await startWebServer();
    let dave: LineClient | undefined;
    try {
      const tab = await openAt(browser, server);
      await join(tab, "alice");
      ({ client: dave } = await joinJson(server.port, "dave", { rooms: ["lobby", "dev", "ops"] }));
      await say(tab, "/join dev");
      await waitCurrent(tab, "dev");
      await say(tab, "/join ops");
      await waitCurrent(tab, "ops");
      assert.deepEqual(await roomsOf(tab), ["#lobby", "#dev", "#ops"]);
      for (let i = 0; i < 40; i++) await say_(dave, "lobby", `lobby filler ${i}`);
      for (let i = 0; i < 40; i++) await say_(dave, "dev", `dev filler ${i}`);

      // Alt+Up from #ops: #dev, then the lobby; the input keeps the focus
      await message(tab).focus();
      await tab.page.keyboard.press("Alt+ArrowUp");
      await waitCurrent(tab, "dev");
      await waitForLine(tab, "dave: dev filler 39");
      await tab.page.keyboard.press("Alt+ArrowUp");
      await waitCurrent(tab, "lobby");
      await waitForLine(tab, "dave: lobby filler 39");
      assert.equal(await tab.page.evaluate(() => document.activeElement?.id), "text");
      const log = tab.page.locator("#log");
      const atEnd = () => log.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight < 48);
      assert.ok(await atEnd(), "a room not seen yet opens at its newest");
      // scrolled up in the lobby, a half-typed line
      await log.evaluate((l) => l.scrollTop = 120);
      await message(tab).fill("half a thought");
      await message(tab).focus();
      await tab.page.keyboard.press("Alt+ArrowDown");
      await waitCurrent(tab, "dev");
      assert.equal(await message(tab).inputValue(), "", "each room has its own unsent text");
      assert.ok(await atEnd());
      await message(tab).fill("for dev, later");
      // more in the lobby while away: the place there stays where it was
      await say_(dave, "lobby", "while away");
      await tab.page.waitForFunction(() =>
        document.querySelector("#rooms [data-room='lobby'] .count")?.textContent === "1"
      );
      await tab.page.keyboard.press("Alt+ArrowUp");
      await waitCurrent(tab, "lobby");
      assert.equal(await message(tab).inputValue(), "half a thought");
      assert.equal(await log.evaluate((l) => l.scrollTop), 120);
      assert.ok(await tab.page.locator("#jump").isVisible(), "new lines below are announced");
      assert.deepEqual((await messageTexts(tab)).slice(-2), ["lobby filler 39", "while away"]);
      await tab.page.keyboard.press("Alt+ArrowDown");
      await waitCurrent(tab, "dev");
      assert.equal(await message(tab).inputValue(), "for dev, later");
      // round the ends: Down from the last is the first, Up from the first the last
      await tab.page.keyboard.press("Alt+ArrowDown");
      await waitCurrent(tab, "ops");
      await tab.page.keyboard.press("Alt+ArrowDown");
      await waitCurrent(tab, "lobby");
      await tab.page.keyboard.press("Alt+ArrowUp");
      await waitCurrent(tab, "ops");
      // the keys are told to assistive technology and in /help
      assert.equal(
        await message(tab).getAttribute("aria-keyshortcuts"),
        "Alt+ArrowUp Alt+ArrowDown",
      );
      assert.match(
        await tab.page.locator("#rooms-keys").textContent() ?? "",
        /Alt\+↑ \/ Alt\+↓ switch rooms/,
      );
      await say(tab, "/help");
      await waitForLine(tab, "Alt+Up / Alt+Down  the previous / next room in the list");
      await waitForLine(tab, "/join ROOM  enter ROOM (made if new) and talk there");
      noProblems(tab);
    } finally {
      await dave?.close();
      await server.stop();
    }
  },
);

browserTest(
  "a room made from the list; /join, /part, /rooms, /who typed; the topic shown and edited by keyboard",
  async (browser) => {
    const server = await startWebServer();
    let dave: LineClient | undefined;
    try {
      const tab = await openAt(browser, server);
      await join(tab, "alice");
      // the "Join a room" field, by keyboard
      await tab.page.getByLabel("Join a room", { exact: true }).fill("#ops");
      await tab.page.getByLabel("Join a room", { exact: true }).press("Enter");
      await waitCurrent(tab, "ops");
      await waitForLine(tab, "Now in #ops: 1 online: alice.");
      assert.equal(await hashOf(tab), "#ops");
      assert.equal(
        await tab.page.locator("#topic").textContent(),
        "No topic yet: click to set one",
      );

      ({ client: dave } = await joinJson(server.port, "dave", { rooms: ["lobby"] }));
      await dave.sendJson({ type: "enter", room: "ops" });
      await dave.event("room");
      await waitForLine(tab, "dave joined");
      assert.deepEqual(await tab.page.locator("#members li").allTextContents(), [
        "alice (you)",
        "dave",
      ]);

      // the topic: Enter on it edits, Enter saves, and dave sees the topic event
      await tab.page.locator("#topic").focus();
      await tab.page.keyboard.press("Enter");
      const field = tab.page.locator("#topic-input");
      await field.waitFor({ state: "visible" });
      assert.equal(await tab.page.evaluate(() => document.activeElement?.id), "topic-input");
      assert.equal(
        await field.getAttribute("aria-label"),
        "Topic of #ops (Enter saves, Escape cancels)",
      );
      await tab.page.keyboard.type("release on Friday <b>no markup</b>");
      await tab.page.keyboard.press("Enter");
      const t = await dave.event("topic");
      assert.deepEqual([t.room, t.from, t.text], [
        "ops",
        "alice",
        "release on Friday <b>no markup</b>",
      ]);
      await waitForLine(tab, "alice set the topic: release on Friday <b>no markup</b>");
      assert.equal(
        await tab.page.locator("#topic").textContent(),
        "release on Friday <b>no markup</b>",
      );
      assert.equal(await tab.page.locator(".topic-bar b").count(), 0);
      assert.equal(await tab.page.evaluate(() => document.activeElement?.id), "topic");
      // Escape cancels an edit and gives the focus back
      await tab.page.keyboard.press("Enter");
      await field.waitFor({ state: "visible" });
      await tab.page.keyboard.type(" but changed");
      await tab.page.keyboard.press("Escape");
      await field.waitFor({ state: "hidden" });
      assert.equal(await tab.page.evaluate(() => document.activeElement?.id), "topic");
      assert.equal(
        await tab.page.locator("#topic").textContent(),
        "release on Friday <b>no markup</b>",
      );
      // someone else's topic shows too; a click edits
      await dave.sendJson({ type: "topic", room: "ops", text: "ship it" });
      assert.equal((await dave.event("topic")).text, "ship it", "the setter is told too");
      await waitForLine(tab, "dave set the topic: ship it");
      assert.equal(await tab.page.locator("#topic").textContent(), "ship it");
      await tab.page.locator("#topic").click();
      await field.waitFor({ state: "visible" });
      assert.equal(await field.inputValue(), "ship it");
      await field.press("Escape");
      await say(tab, "/topic");
      await waitForLine(tab, "Topic of #ops: ship it");
      await say(tab, "/topic typed topic");
      assert.equal((await dave.event("topic")).text, "typed topic");
      await waitForLine(tab, "alice set the topic: typed topic");

      await say(tab, "/rooms");
      await waitForLine(tab, "Rooms: #lobby (2), #ops (2)");
      await say(tab, "/who");
      await waitForLine(tab, "2 online: alice, dave");
      await say(tab, "/who lobby");
      await waitForLine(tab, "2 in #lobby: alice, dave");

      // /part: the lobby is current again, and dave sees alice leave #ops
      await say(tab, "/part");
      await waitCurrent(tab, "lobby");
      const leave = await dave.event("leave");
      assert.deepEqual([leave.room, leave.name, leave.reason], ["ops", "alice", "part"]);
      assert.deepEqual(await roomsOf(tab), ["#lobby"]);
      assert.equal(await hashOf(tab), "#lobby");
      await waitForLine(tab, "You left #ops.");
      // who lists a room one is not in, and names it
      await say(tab, "/who ops");
      await waitForLine(tab, "1 in #ops: dave");
      // /join #dev, then /part of a room that is not the current one
      await say(tab, "/join #dev");
      await waitCurrent(tab, "dev");
      await say(tab, "/part lobby");
      await tab.page.waitForFunction(() => document.querySelectorAll("#rooms li").length === 1);
      assert.deepEqual(await roomsOf(tab), ["#dev"]);
      await waitCurrent(tab, "dev");
      assert.equal((await dave.event("leave")).room, "lobby");
      // errors are said, and the text is kept to fix it
      await say(tab, "/join bad room");
      await waitForLine(tab, "usage: /join ROOM");
      assert.equal(await message(tab).inputValue(), "/join bad room");
      await say(tab, "/join <b>");
      await tab.page.waitForFunction(() =>
        [...document.querySelectorAll("#log li.error")].some((l) =>
          /bad_room/.test(l.textContent ?? "")
        )
      );
      await waitCurrent(tab, "dev");
      assert.equal(await hashOf(tab), "#dev");
      noProblems(tab);
    } finally {
      await dave?.close();
      await server.stop();
    }
  },
);

browserTest(
  "the address opens a room; switching makes history entries, so Back and Forward switch rooms",
  async (browser) => {
    const server = await startWebServer();
    let dave: LineClient | undefined;
    try {
      ({ client: dave } = await joinJson(server.port, "dave", { rooms: ["dev"] }));
      await dave.event("room");
      await say_(dave, "dev", "earlier in dev");
      const tab = await openAt(browser, server, "/#dev");
      await join(tab, "alice");
      await waitCurrent(tab, "dev");
      assert.deepEqual(await roomsOf(tab), ["#lobby", "#dev"]);
      await waitForLine(tab, "dave: earlier in dev");
      assert.equal(await hashOf(tab), "#dev");

      await roomButton(tab, "lobby").click();
      await waitCurrent(tab, "lobby");
      assert.equal(await hashOf(tab), "#lobby");
      await tab.page.goBack();
      await waitCurrent(tab, "dev");
      assert.equal(await hashOf(tab), "#dev");
      await tab.page.goForward();
      await waitCurrent(tab, "lobby");
      // a hash typed into the address enters that room
      await tab.page.evaluate(() => location.hash = "#ops");
      await waitCurrent(tab, "ops");
      assert.deepEqual(await roomsOf(tab), ["#lobby", "#dev", "#ops"]);
      await tab.page.goBack();
      await waitCurrent(tab, "lobby");
      await tab.page.goForward();
      await waitCurrent(tab, "ops");
      // a room the server refuses leaves the address on the current room
      await tab.page.evaluate(() => location.hash = "#no%20spaces");
      await tab.page.waitForFunction(() => location.hash === "#ops");
      await waitCurrent(tab, "ops");
      noProblems(tab);
    } finally {
      await dave?.close();
      await server.stop();
    }
  },
);

/** Stops `server` and waits for the page to notice. */
async function stopAndWait(server: WebServerProcess, ...tabs: Tab[]): Promise<void> {
  assert.equal(await server.stop(), 0);
  for (const t of tabs) {
    await t.page.waitForFunction(() =>
      /reconnecting/.test(document.getElementById("status")?.textContent ?? "")
    );
  }
}

async function waitOnline(tab: Tab): Promise<void> {
  await tab.page.waitForFunction(
    () => /online/.test(document.getElementById("status")?.textContent ?? ""),
    undefined,
    { timeout: 15000 },
  );
}

browserTest(
  "after a restart with --db every room resumes: each new message once, none missed",
  async (browser) => {
    const dir = await Deno.makeTempDir({ prefix: "chat-web-rooms-" });
    const db = `${dir}/chat.db`;
    let server = await startWebServer(["--db", db]);
    const ports = ["--port", String(server.port), "--web-port", String(server.webPort)];
    let talker: LineClient | undefined;
    try {
      const tab = await openAt(browser, server);
      await join(tab, "alice");
      await say(tab, "/join dev");
      await waitCurrent(tab, "dev");
      ({ client: talker } = await joinJson(server.port, "talker", { rooms: ["lobby", "dev"] }));
      await say_(talker, "lobby", "l1");
      await say_(talker, "dev", "d1");
      await waitForLine(tab, "talker: d1");
      await say(tab, "mine before");
      await talker.event("message");
      await talker.close();
      // A message the server never reads (it is stopped, then killed) is never acked:
      // after the restart it is not in the history, so it is sent again (with its id).
      server.child.kill("SIGSTOP");
      await say(tab, "never acked");
      assert.equal(await tab.page.locator("#log li.pending .text").textContent(), "never acked");
      await server.stop("SIGKILL");
      await tab.page.waitForFunction(() =>
        /reconnecting/.test(document.getElementById("status")?.textContent ?? "")
      );

      server = await startWebServer(["--db", db, ...ports]);
      ({ client: talker } = await joinJson(server.port, "talker", { rooms: ["lobby", "dev"] }));
      // most likely before the page is back: they come with `since`
      await say_(talker, "lobby", "l2");
      await say_(talker, "dev", "d2");
      await waitOnline(tab);
      await waitForLine(tab, "talker: d2", 10000);
      await say_(talker, "lobby", "l3 for alice");
      await say_(talker, "dev", "d3");
      await waitForLine(tab, "talker: d3");
      assert.deepEqual(await messageTexts(tab), ["d1", "mine before", "never acked", "d2", "d3"]);
      await tab.page.locator("#log li.pending").waitFor({ state: "detached" });
      assert.equal(await tab.page.locator("#log li.failed").count(), 0);
      // l1 came while alice was in #dev, l2 while she was away, l3 since
      await tab.page.waitForFunction(() =>
        document.querySelector("#rooms [data-room='lobby'] .count")?.textContent === "3"
      );
      assert.deepEqual(await marks(tab, "lobby"), { count: "3", at: true });
      await roomButton(tab, "lobby").click();
      await waitCurrent(tab, "lobby");
      assert.deepEqual(await messageTexts(tab), ["l1", "l2", "l3 for alice"]);
      assert.equal(await tab.page.locator("#log li.failed").count(), 0);
      // still in both rooms on the server: the talker's rooms list counts alice
      await talker.sendJson({ type: "rooms" });
      const rooms = (await talker.event("rooms")).rooms as { name: string; members: number }[];
      assert.deepEqual(rooms.map((r) => [r.name, r.members]).sort(), [["dev", 2], ["lobby", 2]]);
      noProblems(tab);
    } finally {
      await talker?.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

browserTest(
  "a :memory: server restarted is a new history: every room says it started over",
  async (browser) => {
    let server = await startWebServer();
    const ports = ["--port", String(server.port), "--web-port", String(server.webPort)];
    let talker: LineClient | undefined;
    try {
      const tab = await openAt(browser, server);
      await join(tab, "alice");
      await say(tab, "/join dev");
      await waitCurrent(tab, "dev");
      ({ client: talker } = await joinJson(server.port, "talker", { rooms: ["lobby", "dev"] }));
      await say_(talker, "dev", "before");
      await say_(talker, "lobby", "lobby before");
      await waitForLine(tab, "talker: before");
      await talker.close();
      await stopAndWait(server, tab);

      server = await startWebServer(ports);
      await waitOnline(tab);
      const line = "The server's history started over (it restarted without keeping it): " +
        "the messages above are from before.";
      await waitForLine(tab, line, 10000);
      assert.equal(await tab.page.locator("#log li.msg.before-reset").count(), 1);
      ({ client: talker } = await joinJson(server.port, "talker", { rooms: ["lobby", "dev"] }));
      await say_(talker, "dev", "after");
      await waitForLine(tab, "talker: after");
      // seq 1 again, yet shown: it is a new history, not a duplicate
      assert.deepEqual(await messageTexts(tab), ["before", "after"]);
      await roomButton(tab, "lobby").click();
      await waitCurrent(tab, "lobby");
      await waitForLine(tab, line);
      assert.deepEqual(await messageTexts(tab), ["lobby before"]);
      noProblems(tab);
    } finally {
      await talker?.close();
      await server.stop();
    }
  },
);

browserTest(
  "each room keeps its last 1000 lines, shown or not",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    let talker: LineClient | undefined;
    try {
      const tab = await openAt(browser, server);
      await join(tab, "alice");
      await say(tab, "/join dev");
      await waitCurrent(tab, "dev");
      ({ client: talker } = await joinJson(server.port, "talker", { rooms: ["lobby", "dev"] }));
      const lines: string[] = [];
      for (let i = 0; i < 1010; i++) {
        lines.push(JSON.stringify({ type: "say", room: "lobby", text: `l${i}` }));
        lines.push(JSON.stringify({ type: "say", room: "dev", text: `d${i}` }));
      }
      await talker.sendRaw(lines.join("\n") + "\n");
      await waitForLine(tab, "talker: d1009", 15000);
      const count = () => tab.page.locator("#log li").count();
      assert.equal(await count(), 1000);
      assert.equal(await tab.page.locator("#log li .text").first().textContent(), "d10");
      await roomButton(tab, "lobby").click();
      await waitCurrent(tab, "lobby");
      assert.equal(await count(), 1000);
      assert.equal(await tab.page.locator("#log li .text").last().textContent(), "l1009");
      assert.equal(await marks(tab, "lobby").then((m) => m.count), "");
      noProblems(tab);
    } finally {
      await talker?.close();
      await server.stop();
    }
  },
);

browserTest(
  "a phone's width: the room list opens from a Rooms button, and works by touch and keyboard",
  async (browser) => {
    const server = await startWebServer();
    let dave: LineClient | undefined;
    try {
      const tab = await openAt(browser, server);
      await tab.page.setViewportSize({ width: 390, height: 800 });
      await join(tab, "alice");
      ({ client: dave } = await joinJson(server.port, "dave", { rooms: ["lobby", "dev"] }));
      await say(tab, "/join dev");
      await waitCurrent(tab, "dev");
      const panel = tab.page.locator("#room-panel");
      const toggle = tab.page.locator("#rooms-toggle");
      assert.ok(!(await panel.isVisible()), "the list is folded away");
      assert.ok(await toggle.isVisible());
      assert.equal(await toggle.getAttribute("aria-expanded"), "false");
      assert.equal(await tab.page.locator("#room-title").textContent(), "#dev");
      await say_(dave, "lobby", "psst alice");
      await tab.page.waitForFunction(() =>
        document.getElementById("rooms-badge")?.textContent === "1 @"
      );
      assert.ok(await tab.page.locator("#rooms-badge").isVisible());

      await toggle.click();
      assert.ok(await panel.isVisible());
      assert.equal(await toggle.getAttribute("aria-expanded"), "true");
      // the focus goes to the current room; Escape folds the list and returns to the button
      assert.equal(
        await tab.page.evaluate(() => (document.activeElement as HTMLElement)?.dataset.room),
        "dev",
      );
      await tab.page.keyboard.press("Escape");
      assert.ok(!(await panel.isVisible()));
      assert.equal(await tab.page.evaluate(() => document.activeElement?.id), "rooms-toggle");
      await tab.page.keyboard.press("Enter");
      assert.ok(await panel.isVisible());
      await roomButton(tab, "lobby").click();
      await waitCurrent(tab, "lobby");
      assert.ok(!(await panel.isVisible()), "picking a room folds the list");
      await waitForLine(tab, "dave: psst alice");
      assert.ok(!(await tab.page.locator("#rooms-badge").isVisible()));
      // a new room from the folded list
      await toggle.click();
      await tab.page.getByLabel("Join a room", { exact: true }).fill("ops");
      await tab.page.getByLabel("Join a room", { exact: true }).press("Enter");
      await waitCurrent(tab, "ops");
      assert.ok(!(await panel.isVisible()));
      await say(tab, "from a phone");
      await waitForLine(tab, "alice: from a phone");
      assert.ok(
        await tab.page.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
        "fits a phone's width",
      );
      const box = await message(tab).boundingBox();
      assert.ok(box && box.y + box.height <= 800, "the message box is on screen");
      noProblems(tab);
    } finally {
      await dave?.close();
      await server.stop();
    }
  },
);

browserTest("a screenshot of the rooms, light and dark", async (browser) => {
  const server = await startWebServer();
  const people: LineClient[] = [];
  const dark = await Deno.makeTempFile({ prefix: "chat-rooms-dark-", suffix: ".png" });
  try {
    const tab = await openAt(browser, server);
    await tab.page.setViewportSize({ width: 1100, height: 600 });
    await join(tab, "alice");
    const { client: bob } = await joinJson(server.port, "bob", {
      rooms: ["lobby", "dev", "ops", "design"],
    });
    const { client: carol } = await joinJson(server.port, "carol", { rooms: ["lobby", "dev"] });
    people.push(bob, carol);
    for (const r of ["dev", "ops", "design"]) {
      await say(tab, `/join ${r}`);
      await waitCurrent(tab, r);
    }
    await bob.sendJson({
      type: "topic",
      room: "dev",
      text: "release 2.4 on Friday; freeze Thursday",
    });
    await roomButton(tab, "dev").click();
    await waitCurrent(tab, "dev");
    await say_(bob, "dev", "the migration is green on staging");
    await say_(carol, "dev", "nice. alice, can you review the rollback plan?");
    await waitForLine(tab, "carol: nice. alice, can you review the rollback plan?");
    await say(tab, "on it after lunch");
    await say_(bob, "dev", "I'll tag the release candidate");
    await waitForLine(tab, "bob: I'll tag the release candidate");
    await say_(bob, "ops", "disk alert on db-2 cleared");
    await say_(bob, "ops", "alice: pager is yours from 6pm");
    await say_(carol, "lobby", "coffee?");
    await say_(bob, "lobby", "always");
    await tab.page.waitForFunction(() =>
      document.querySelector("#rooms [data-room='lobby'] .count")?.textContent === "2"
    );
    await message(tab).fill("sounds good");
    await tab.page.emulateMedia({ colorScheme: "light" });
    await tab.page.screenshot({ path: `${REPO_ROOT}docs/screenshot-rooms.png` });
    await tab.page.emulateMedia({ colorScheme: "dark" });
    await tab.page.screenshot({ path: dark });
    for (const f of [`${REPO_ROOT}docs/screenshot-rooms.png`, dark]) {
      const png = await Deno.readFile(f);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    }
    noProblems(tab);
  } finally {
    for (const p of people) await p.close();
    await server.stop();
    if (!Deno.env.get("CHAT_KEEP_SCREENSHOTS")) await Deno.remove(dark).catch(() => {});
    else console.log(`dark screenshot: ${dark}`);
  }
});
