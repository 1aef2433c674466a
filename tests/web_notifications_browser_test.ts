/// <reference lib="dom" />
// Desktop notifications on the page, in a real headless Chromium against a
// real server: asked for only when the user clicks "Notify me", never on
// load; while the tab is hidden, a mention of our name (a whole word, any
// case) and a private message each raise one notification, and nothing
// else does: not our own messages, not a name inside another word, not
// while the tab is shown, not once turned off.
import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { browserTest, join, say, type Tab, waitForLine } from "./browser_helpers.ts";
import { joinJson, type LineClient } from "./helpers.ts";
import { startWebServer, type WebServerProcess } from "./web_helpers.ts";

/** Replaces window.Notification by a spy that records each one made (and each permission asked). */
const SPY = () => {
  const w = window as unknown as {
    notes: { title: string; body: string }[];
    asked: number;
    Notification: unknown;
  };
  const Real = globalThis.Notification;
  w.notes = [];
  w.asked = 0;
  w.Notification = class {
    constructor(title: string, options?: NotificationOptions) {
      w.notes.push({ title, body: options?.body ?? "" });
    }
    static get permission() {
      return Real.permission;
    }
    static requestPermission() {
      w.asked++;
      return Real.requestPermission();
    }
    addEventListener() {}
    close() {}
  };
};

/** A tab whose browser context has (or has not) granted notifications to the server. */
async function tabWith(
  browser: Browser,
  server: WebServerProcess,
  grant: boolean,
): Promise<{ context: BrowserContext; tab: Tab }> {
  const context = await browser.newContext({
    viewport: { width: 900, height: 560 },
    locale: "en-GB",
    timezoneId: "UTC",
  });
  if (grant) await context.grantPermissions(["notifications"], { origin: server.http });
  await context.addInitScript(SPY);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  await page.goto(server.http);
  return { context, tab: { page, problems } };
}

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

const notes = (page: Page) =>
  page.evaluate(() => (window as unknown as { notes: { title: string; body: string }[] }).notes);
const asked = (page: Page) => page.evaluate(() => (window as unknown as { asked: number }).asked);

browserTest(
  "while hidden, a mention and a private message each raise one notification; nothing else does",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    let bob: LineClient | undefined;
    try {
      const { context, tab } = await tabWith(browser, server, true);
      await join(tab, "alice");
      const bell = tab.page.getByRole("button", { name: "Notify me" });
      assert.equal(await bell.getAttribute("aria-pressed"), "false", "off until asked for");
      assert.equal(await asked(tab.page), 0, "no permission asked on load");
      await bell.click();
      await tab.page.locator("#notify[aria-pressed='true']").waitFor();
      await waitForLine(
        tab,
        "Notifications on: mentions and private messages, while this tab is hidden.",
      );

      ({ client: bob } = await joinJson(server.port, "bob"));
      await bob.sendJson({ type: "say", text: "alice, are you there?" });
      await waitForLine(tab, "bob: alice, are you there?");
      assert.deepEqual(await notes(tab.page), [], "none while the tab is shown");

      await setHidden(tab.page, true);
      await bob.sendJson({ type: "say", text: "hey ALICE, lunch?" });
      await bob.sendJson({ type: "say", text: "malice and palace are not names" });
      await bob.sendJson({ type: "dm", to: "alice", text: "psst" });
      await say(tab, "alice here: I wrote this myself");
      await bob.sendJson({ type: "say", text: "the last one" });
      await waitForLine(tab, "bob: the last one");
      await waitForLine(tab, "alice: alice here: I wrote this myself");
      assert.deepEqual(await notes(tab.page), [
        { title: "bob in #lobby", body: "hey ALICE, lunch?" },
        { title: "bob (private)", body: "psst" },
      ]);
      // The title still counts what came while hidden (ours is not counted).
      assert.equal(await tab.page.title(), "(4) chat");
      await setHidden(tab.page, false);
      assert.equal(await tab.page.title(), "chat");

      // Turned off: no more, and it stays off after a reload.
      await tab.page.getByRole("button", { name: "Notifying" }).click();
      await tab.page.locator("#notify[aria-pressed='false']").waitFor();
      await setHidden(tab.page, true);
      await bob.sendJson({ type: "say", text: "alice, still there?" });
      await waitForLine(tab, "bob: alice, still there?");
      assert.equal((await notes(tab.page)).length, 2);
      assert.equal(await asked(tab.page), 0, "granted already: nothing to ask");
      assert.deepEqual(tab.problems, []);
      await context.close();
    } finally {
      await bob?.close();
      await server.stop();
    }
  },
);

browserTest(
  "the permission is asked on the click, and a refusal says how to allow it; the choice is remembered",
  async (browser) => {
    const server = await startWebServer();
    try {
      const { context, tab } = await tabWith(browser, server, false);
      await join(tab, "alice");
      assert.equal(await asked(tab.page), 0);
      await tab.page.getByRole("button", { name: "Notify me" }).click();
      await tab.page.waitForFunction(() => (window as unknown as { asked: number }).asked === 1);
      // Headless Chromium dismisses the browser's question: still off.
      assert.equal(await tab.page.evaluate(() => Notification.permission), "default");
      assert.equal(await tab.page.locator("#notify").getAttribute("aria-pressed"), "false");
      await context.close();

      // Blocked for the site: the page says where to allow them.
      const blocked = await tabWith(browser, server, false);
      const cdp = await blocked.context.newCDPSession(blocked.tab.page);
      await cdp.send("Browser.setPermission", {
        permission: { name: "notifications" },
        setting: "denied",
        origin: server.http,
      });
      await join(blocked.tab, "carol");
      await blocked.tab.page.getByRole("button", { name: "Notify me" }).click();
      await blocked.tab.page.locator("#log li.sys.error", { hasText: "browser's site settings" })
        .waitFor();
      assert.equal(await blocked.tab.page.locator("#notify").getAttribute("aria-pressed"), "false");
      await blocked.context.close();

      // Granted and turned on: on again in the next visit, with nothing asked.
      const again = await tabWith(browser, server, true);
      await join(again.tab, "bob");
      await again.tab.page.getByRole("button", { name: "Notify me" }).click();
      await again.tab.page.locator("#notify[aria-pressed='true']").waitFor();
      await again.tab.page.reload();
      await join(again.tab, "bob");
      assert.equal(await again.tab.page.locator("#notify").getAttribute("aria-pressed"), "true");
      assert.equal(await asked(again.tab.page), 0);
      assert.deepEqual(again.tab.problems, []);
      await again.context.close();
    } finally {
      await server.stop();
    }
  },
);
