/// <reference lib="dom" />
// How the log is laid out, in a real headless Chromium against a real
// server: a separator above each day's first message ("Today", "Yesterday",
// or the date), consecutive messages of one sender within a few minutes
// grouped under one name, and a "New messages" divider above the first
// message that came while the room was not shown or the tab was hidden.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  browserTest,
  join,
  messageTexts,
  open,
  say,
  type Tab,
  waitForLine,
} from "./browser_helpers.ts";
import { joinJson, type LineClient } from "./helpers.ts";
import { seedDatabase, tempDir } from "./storage_helpers.ts";
import { startWebServer } from "./web_helpers.ts";

const DAY = 86_400_000;
const MIN = 60_000;

/** Each message shown: its text, its day separator (if any), whether its name is drawn. */
const layout = (tab: Tab) =>
  tab.page.locator("#log li.msg").evaluateAll((lis) =>
    lis.map((li) => {
      const who = li.querySelector(".who")!.getBoundingClientRect();
      const before = getComputedStyle(li, "::before").content;
      return {
        text: li.querySelector(".text")?.textContent,
        day: before === "none" ? null : JSON.parse(before),
        name: who.width > 1,
      };
    })
  );

browserTest(
  "days are separated (Today, Yesterday, a date) and a sender's messages a few minutes apart grouped",
  async (browser) => {
    const dir = await tempDir();
    const db = `${dir.path}/chat.db`;
    const now = Date.now();
    const midnight = new Date(now).setUTCHours(0, 0, 0, 0);
    const today = Math.max(midnight + 1000, now - 2 * MIN);
    const yesterday = midnight - DAY + 9 * 3_600_000;
    const older = midnight - 3 * DAY + 10 * 3_600_000;
    const seed: [number, string, string, boolean?][] = [
      [older, "bob", "d1"],
      [older + MIN, "bob", "d2"],
      [yesterday, "carol", "y1"],
      [yesterday + 2 * MIN, "carol", "y2"],
      [yesterday + 30 * MIN, "carol", "y3"], // half an hour later: a new group
      [yesterday + 31 * MIN, "bob", "y4"],
      [today, "bob", "t1"],
      [today + 1000, "bob", "t2"],
      [today + 2000, "bob", "waves", true], // a /me is never grouped
      [today + 3000, "bob", "t3"],
    ];
    seedDatabase(
      db,
      seed.map(([ts, from, text, action], i) => ({
        type: "message" as const,
        room: "lobby",
        seq: i + 1,
        ts: new Date(ts).toISOString(),
        from,
        text,
        ...(action ? { action: true as const } : {}),
      })),
    );
    const server = await startWebServer(["--db", db, "--rate-limit", "0"]);
    let bob: LineClient | undefined;
    try {
      const tab = await open(browser, server);
      await join(tab, "alice");
      await waitForLine(tab, "bob: t3");
      // The page's language and time zone are en-GB and UTC (browser_helpers.ts).
      const date = new Date(older).toLocaleDateString("en-GB", {
        weekday: "long",
        day: "numeric",
        month: "long",
        year: new Date(older).getUTCFullYear() === new Date(now).getUTCFullYear()
          ? undefined
          : "numeric",
        timeZone: "UTC",
      });
      assert.deepEqual(await layout(tab), [
        { text: "d1", day: date, name: true },
        { text: "d2", day: null, name: false },
        { text: "y1", day: "Yesterday", name: true },
        { text: "y2", day: null, name: false },
        { text: "y3", day: null, name: true },
        { text: "y4", day: null, name: true },
        { text: "t1", day: "Today", name: true },
        { text: "t2", day: null, name: false },
        { text: "waves", day: null, name: true },
        { text: "t3", day: null, name: true },
      ]);
      // A grouped line still says who wrote it, to a screen reader and to a test.
      await waitForLine(tab, "bob: d2");

      // Live: bob goes on in the group; a line between (a join) starts another.
      ({ client: bob } = await joinJson(server.port, "bob"));
      await waitForLine(tab, "bob joined");
      await bob.sendJson({ type: "say", text: "t4" });
      await bob.sendJson({ type: "say", text: "t5" });
      await waitForLine(tab, "bob: t5");
      await say(tab, "t6 from alice");
      await waitForLine(tab, "alice: t6 from alice");
      assert.deepEqual((await layout(tab)).slice(-3), [
        { text: "t4", day: null, name: true },
        { text: "t5", day: null, name: false },
        { text: "t6 from alice", day: null, name: true },
      ]);
      assert.deepEqual(tab.problems, []);
    } finally {
      await bob?.close();
      await server.stop();
      await dir.remove();
    }
  },
);

/** Emulates the tab being hidden (another tab in front) or shown again. */
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((h) => {
    Object.defineProperty(document, "visibilityState", {
      value: h ? "hidden" : "visible",
      configurable: true,
    });
    Object.defineProperty(document, "hidden", { value: h, configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);

/** The texts of the messages with the "New messages" divider above them. */
const divided = (tab: Tab) =>
  tab.page.locator("#log li.msg.new-start").evaluateAll((lis) =>
    lis.map((li) => {
      const label = getComputedStyle(li, "::after").content;
      return label === '"New messages"' ? li.querySelector(".text")?.textContent : `${label}?`;
    })
  );

browserTest(
  "a New messages divider marks where the user left off: another room, or a hidden tab",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    let bob: LineClient | undefined;
    try {
      const tab = await open(browser, server);
      await join(tab, "alice");
      ({ client: bob } = await joinJson(server.port, "bob", { rooms: ["lobby", "dev"] }));
      await bob.sendJson({ type: "say", room: "lobby", text: "seen at once" });
      await waitForLine(tab, "bob: seen at once");
      await say(tab, "/join dev");
      await tab.page.locator("#room-title", { hasText: "#dev" }).waitFor();

      // Two in the lobby while #dev is shown: the divider is above the first.
      await bob.sendJson({ type: "say", room: "lobby", text: "l1" });
      await bob.sendJson({ type: "say", room: "lobby", text: "l2" });
      await tab.page.locator("#rooms [data-room='lobby'] .count", { hasText: "2" }).waitFor();
      await tab.page.locator("#rooms [data-room='lobby']").click();
      await waitForLine(tab, "bob: l2");
      assert.deepEqual(await divided(tab), ["l1"]);
      // While read, it stays where it was; the next ones are not new.
      await bob.sendJson({ type: "say", room: "lobby", text: "l3" });
      await waitForLine(tab, "bob: l3");
      assert.deepEqual(await divided(tab), ["l1"]);

      // Away again and back: it moves to the first of what came meanwhile.
      await tab.page.locator("#rooms [data-room='dev']").click();
      await bob.sendJson({ type: "say", room: "lobby", text: "l4" });
      await tab.page.locator("#rooms [data-room='lobby'] .count", { hasText: "1" }).waitFor();
      await tab.page.locator("#rooms [data-room='lobby']").click();
      await waitForLine(tab, "bob: l4");
      assert.deepEqual(await divided(tab), ["l4"]);

      // The tab hidden, with the room shown: the same.
      await setHidden(tab.page, true);
      await bob.sendJson({ type: "say", room: "lobby", text: "l5" });
      await bob.sendJson({ type: "say", room: "lobby", text: "l6" });
      await waitForLine(tab, "bob: l6");
      await setHidden(tab.page, false);
      assert.deepEqual(await divided(tab), ["l5"]);
      // The divider's message shows its name: it begins a group.
      const name = await tab.page.locator("#log li.msg.new-start .who").boundingBox();
      assert.ok(name && name.width > 1);

      // Writing in the room: read, the divider goes.
      await say(tab, "caught up");
      await waitForLine(tab, "alice: caught up");
      await tab.page.locator("#log li.new-start").waitFor({ state: "detached" });
      assert.deepEqual((await messageTexts(tab)).slice(-7), [
        "l1",
        "l2",
        "l3",
        "l4",
        "l5",
        "l6",
        "caught up",
      ]);
      assert.deepEqual(tab.problems, []);
    } finally {
      await bob?.close();
      await server.stop();
    }
  },
);
