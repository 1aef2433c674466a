/// <reference lib="dom" />
// Older history and search on the page, in a real headless Chromium against
// a real server: scrolling to the top of a room brings its older messages,
// page by page, each once and in order, with the line being read kept still,
// until the page says there is nothing older; the search box finds words
// whatever their case and accents (not parts of words), newest first, in the
// room or in every room, and a result opens its message in place, loading
// the history before it.
import assert from "node:assert/strict";
import { browserTest, join, messageTexts, newTab, open, type Tab } from "./browser_helpers.ts";
import { joinJson, type LineClient } from "./helpers.ts";
import { eventually, startWebServer } from "./web_helpers.ts";

/** Records what the page sends on its WebSocket, as `window.sent` (types only). */
const RECORD_SENT = () => {
  const w = window as unknown as { sent: string[] };
  w.sent = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      w.sent.push(JSON.parse(String(data)).type);
    } catch {
      // not JSON: not ours to record
    }
    return send.call(this, data);
  };
};

/** Says each of `texts` in `room` as `client` (JSON mode) and waits until the last is stored. */
async function sayAll(client: LineClient, room: string, texts: string[]): Promise<void> {
  const lines = texts.map((text, i) => JSON.stringify({ type: "say", room, text, ref: `t${i}` }));
  await client.sendRaw(lines.join("\n") + "\n");
  const last = `t${texts.length - 1}`;
  await client.until((l) => l.includes(`"ack"`) && l.includes(`"ref":"${last}"`), 15000);
}

const roomButton = (tab: Tab, room: string) => tab.page.locator(`#rooms [data-room="${room}"]`);

const historyAsked = (tab: Tab) =>
  tab.page.evaluate(() =>
    (window as unknown as { sent: string[] }).sent.filter((t) => t === "history").length
  );

browserTest(
  "scrolling to the top pages through 500 messages: each once, in order, the line read kept still",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    let talker: LineClient | undefined;
    try {
      ({ client: talker } = await joinJson(server.port, "talker"));
      const all = Array.from({ length: 500 }, (_, i) => `m${i + 1}`);
      await sayAll(talker, "lobby", all);
      const tab = await newTab(browser);
      await tab.page.addInitScript(RECORD_SENT);
      await tab.page.goto(server.http);
      await join(tab, "alice");
      const log = tab.page.locator("#log");
      // The welcome brings the last 50.
      await eventually(async () => (await messageTexts(tab)).length === 50, 5000, "the welcome");
      assert.deepEqual(await messageTexts(tab), all.slice(450));

      let pages = 0;
      while (await log.getAttribute("data-beginning") === null) {
        const before = await tab.page.evaluate(() => {
          const list = document.getElementById("log")!;
          list.scrollTop = 0;
          const first = list.querySelector("li.msg")!;
          const at = first.getBoundingClientRect().top - list.getBoundingClientRect().top;
          return { count: list.querySelectorAll("li.msg").length, at };
        });
        await tab.page.waitForFunction(
          (n) =>
            document.querySelectorAll("#log li.msg").length > n ||
            document.getElementById("log")!.dataset.beginning !== undefined,
          before.count,
        );
        // The message that was at the top is where it was on the screen.
        const after = await tab.page.evaluate((n) => {
          const list = document.getElementById("log")!;
          const first = list.querySelectorAll("li.msg")[list.querySelectorAll("li.msg").length - n];
          return first.getBoundingClientRect().top - list.getBoundingClientRect().top;
        }, before.count);
        if (await log.getAttribute("data-beginning") === null) {
          assert.ok(Math.abs(after - before.at) <= 1, `kept still: ${before.at} -> ${after}`);
        }
        pages++;
        assert.ok(pages <= 10, "at most 5 pages of 100 to load");
      }
      assert.deepEqual(await messageTexts(tab), all, "every message once, in order");
      assert.match((await log.getAttribute("data-beginning"))!, /start of #lobby/);
      // ::before of the list shows it at the top.
      const shown = await log.evaluate((l) => getComputedStyle(l, "::before").content);
      assert.match(shown, /start of #lobby/);

      // Nothing older: scrolling to the top again asks for nothing more.
      const asked = await historyAsked(tab);
      await log.evaluate((l) => {
        l.scrollTop = 10;
        l.scrollTop = 0;
      });
      await tab.page.waitForTimeout(300);
      assert.equal(await historyAsked(tab), asked);
      assert.equal((await messageTexts(tab)).length, 500);

      // New messages still come in below, once.
      await sayAll(talker, "lobby", ["after the paging"]);
      await eventually(async () => (await messageTexts(tab)).at(-1) === "after the paging");
      assert.equal((await messageTexts(tab)).length, 501);
      assert.deepEqual(tab.problems, []);
    } finally {
      await talker?.close();
      await server.stop();
    }
  },
);

browserTest(
  "a room's older history is its own: each room pages back separately, and a short room says so at once",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    let talker: LineClient | undefined;
    try {
      ({ client: talker } = await joinJson(server.port, "talker", { rooms: ["lobby", "dev"] }));
      await sayAll(talker, "lobby", Array.from({ length: 120 }, (_, i) => `lobby ${i + 1}`));
      await sayAll(talker, "dev", ["dev 1", "dev 2", "dev 3"]);
      const tab = await open(browser, server);
      await join(tab, "alice");
      await tab.page.getByLabel("Message", { exact: true }).fill("/join dev");
      await tab.page.getByLabel("Message", { exact: true }).press("Enter");
      // Three messages do not fill the list: the page asks, and learns there is nothing older.
      await tab.page.locator("#log[data-beginning*='#dev']").waitFor();
      assert.deepEqual(await messageTexts(tab), ["dev 1", "dev 2", "dev 3"]);

      await roomButton(tab, "lobby").click();
      await eventually(async () => (await messageTexts(tab)).at(-1) === "lobby 120");
      assert.equal(await tab.page.locator("#log").getAttribute("data-beginning"), null);
      while (await tab.page.locator("#log").getAttribute("data-beginning") === null) {
        await tab.page.locator("#log").evaluate((l) => l.scrollTop = 0);
        await tab.page.waitForTimeout(100);
      }
      assert.deepEqual(
        await messageTexts(tab),
        Array.from({ length: 120 }, (_, i) => `lobby ${i + 1}`),
      );
      await roomButton(tab, "dev").click();
      assert.deepEqual(await messageTexts(tab), ["dev 1", "dev 2", "dev 3"]);
      assert.deepEqual(tab.problems, []);
    } finally {
      await talker?.close();
      await server.stop();
    }
  },
);

browserTest(
  "search finds a word in another case or with accents, not inside a word; a result opens its message in place",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    let talker: LineClient | undefined;
    try {
      ({ client: talker } = await joinJson(server.port, "talker", { rooms: ["lobby", "dev"] }));
      const texts = Array.from({ length: 400 }, (_, i) => `filler ${i + 1}`);
      texts[9] = "Le CAFÉ est prêt";
      texts[200] = "the cafeteria is closed";
      texts[380] = "one more cafe, please";
      await sayAll(talker, "lobby", texts);
      await sayAll(talker, "dev", ["coffee or café in dev?"]);
      const tab = await open(browser, server);
      await join(tab, "alice");
      await tab.page.getByLabel("Message", { exact: true }).fill("/join dev");
      await tab.page.getByLabel("Message", { exact: true }).press("Enter");
      await tab.page.locator("#room-title", { hasText: "#dev" }).waitFor();
      await roomButton(tab, "lobby").click();
      await tab.page.locator("#room-title", { hasText: "#lobby" }).waitFor();

      const toggle = tab.page.getByRole("button", { name: "Search", exact: true });
      await toggle.click();
      const box = tab.page.getByLabel("Words to search for in #lobby");
      await box.fill("Cafe");
      await box.press("Enter");
      const results = tab.page.locator("#search-results .result-text");
      await tab.page.locator("#search-status", { hasText: "newest first" }).waitFor();
      // Newest first; "cafeteria" is another word; #dev is not searched.
      assert.deepEqual(await results.allTextContents(), [
        "one more cafe, please",
        "Le CAFÉ est prêt",
      ]);

      // The old one is not loaded: clicking it pages back until it is, and shows it.
      assert.equal(
        await tab.page.locator("#log li.msg", { hasText: "Le CAFÉ est prêt" }).count(),
        0,
      );
      await results.nth(1).click();
      const target = tab.page.locator("#log li.msg", { hasText: "Le CAFÉ est prêt" });
      await target.waitFor();
      await tab.page.waitForFunction(() => {
        const li = [...document.querySelectorAll("#log li.msg")].find((l) =>
          l.textContent?.includes("Le CAFÉ est prêt")
        )!;
        const list = document.getElementById("log")!.getBoundingClientRect();
        const box = li.getBoundingClientRect();
        return box.top >= list.top && box.bottom <= list.bottom;
      });
      assert.match((await target.getAttribute("class")) ?? "", /\bflash\b/, "highlighted");
      // Loaded with what is between, in order and once.
      const shown = await messageTexts(tab);
      const from = shown.indexOf("Le CAFÉ est prêt");
      assert.deepEqual(shown.slice(from), texts.slice(9));
      assert.equal(new Set(shown).size, shown.length);

      // Every room: #dev's message too, and clicking it shows #dev.
      await tab.page.getByLabel("All my rooms").check();
      await tab.page.getByLabel("Words to search for in your rooms").press("Enter");
      await tab.page.locator("#search-status", { hasText: "in your rooms" }).waitFor();
      assert.deepEqual(await results.allTextContents(), [
        "coffee or café in dev?",
        "one more cafe, please",
        "Le CAFÉ est prêt",
      ]);
      assert.match(
        await tab.page.locator("#search-results .result-meta").first().textContent() ?? "",
        /#dev/,
      );
      await results.first().click();
      await tab.page.locator("#room-title", { hasText: "#dev" }).waitFor();
      await tab.page.locator("#log li.msg.flash", { hasText: "coffee or café in dev?" }).waitFor();

      // Nothing found, and no words at all, are said in the box.
      const everywhere = tab.page.getByLabel("Words to search for in your rooms");
      await everywhere.fill("zebra");
      await everywhere.press("Enter");
      await tab.page.locator("#search-status", { hasText: "Nothing in your rooms" }).waitFor();
      assert.equal(await results.count(), 0);
      await everywhere.fill("!!!");
      await everywhere.press("Enter");
      await tab.page.locator("#search-status.error", { hasText: "letters or digits" }).waitFor();
      // Escape closes the box, and the focus goes back to its button.
      await everywhere.press("Escape");
      assert.equal(await tab.page.locator("#search-panel").isHidden(), true);
      assert.equal(await tab.page.evaluate(() => document.activeElement?.id), "search-toggle");
      assert.deepEqual(tab.problems, []);
    } finally {
      await talker?.close();
      await server.stop();
    }
  },
);
