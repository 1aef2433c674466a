/// <reference lib="dom" />
// Moderation on the page, in a real headless Chromium against a real server
// started with an operator password: an operator page kicks, bans and mutes
// from a member's menu (keyboard and mouse) and by typed commands; a
// non-operator sees no moderation items; a kicked page waits on the join
// form; a banned name is told there; a locked topic is not editable. The TCP
// victim connects from 127.0.0.2, so that banning its address leaves the
// pages (127.0.0.1) in.
import assert from "node:assert/strict";
import { browserTest, join, open, say, type Tab, waitForLine } from "./browser_helpers.ts";
import { joinPlain, type LineClient } from "./helpers.ts";
import { startWebServer } from "./web_helpers.ts";

const OPS = { env: { CHAT_OP_PASSWORD: "sesame" } };
// Names are not reserved: kicked pages join again with no key.
const NO_RESERVE = ["--reserve-names", "off"];

/** The menu items shown for `name` in `tab`'s members list (opened with a click). */
async function menuItems(tab: Tab, name: string): Promise<string[]> {
  await tab.page.locator("#members button.who", { hasText: name }).click();
  await tab.page.locator("#member-menu").waitFor({ state: "visible" });
  return await tab.page.getByRole("menuitem").allTextContents();
}

/** Waits for a line in the log that starts with `start`; returns its text. */
async function lineStarting(tab: Tab, start: string): Promise<string> {
  const li = tab.page.locator("#log li", { hasText: start }).last();
  await li.waitFor();
  return (await li.textContent()) ?? "";
}

browserTest(
  "an operator page kicks and bans a TCP client from its member menu; others see no such items",
  async (browser) => {
    const server = await startWebServer(NO_RESERVE, OPS);
    const tcp: LineClient[] = [];
    try {
      const alice = await open(browser, server);
      const carol = await open(browser, server);
      await join(alice, "alice");
      await join(carol, "carol");
      tcp.push(await joinPlain(server.port, "bob", "127.0.0.2"));
      await waitForLine(alice, "bob joined");
      await waitForLine(carol, "bob joined");

      // Not an operator: a name's menu has a private message only.
      assert.deepEqual(await menuItems(carol, "bob"), ["Direct message"]);
      await carol.page.keyboard.press("Escape");
      await carol.page.locator("#member-menu").waitFor({ state: "hidden" });
      assert.equal(
        await carol.page.evaluate(() => (document.activeElement as HTMLElement).dataset.name),
        "bob",
        "Escape gives the focus back to the name",
      );

      // /op: the password shows as dots while typed, and is never in the log.
      const box = alice.page.getByLabel("Message", { exact: true });
      await box.fill("");
      await box.pressSequentially("/op sesame");
      assert.equal(await box.evaluate((e) => e.classList.contains("secret")), true);
      await box.press("Enter");
      await waitForLine(alice, "You are now an operator.");
      assert.equal(await box.evaluate((e) => e.classList.contains("secret")), false);
      assert.equal(await alice.page.locator("#log li", { hasText: "sesame" }).count(), 0);
      // Everyone's members list marks the operator (a fresh members event), and says so once.
      await carol.page.locator("#members li", { hasText: "alice" }).locator(".op-badge")
        .waitFor();
      await waitForLine(carol, "alice is now an operator");
      assert.equal(await alice.page.locator("#log li", { hasText: "online:" }).count(), 0);
      assert.deepEqual(await alice.page.locator("#members li").allTextContents(), [
        "alice op (you)",
        "bob",
        "carol",
      ]);

      // By keyboard: Enter on the name opens the menu, Down moves, Enter picks.
      await alice.page.locator("#members button.who", { hasText: "bob" }).focus();
      await alice.page.keyboard.press("Enter");
      assert.deepEqual(await alice.page.getByRole("menuitem").allTextContents(), [
        "Direct message",
        "Kick…",
        "Ban…",
        "Mute…",
      ]);
      await alice.page.keyboard.press("ArrowDown");
      await alice.page.keyboard.press("Enter");
      const dialog = alice.page.getByRole("dialog", { name: "Kick bob" });
      await dialog.waitFor();
      assert.equal(await alice.page.locator("#mod-duration-row").isHidden(), true);
      await alice.page.keyboard.type("flooding");
      await alice.page.keyboard.press("Enter");
      await dialog.waitFor({ state: "hidden" });
      assert.equal(
        await tcp[0].until((l) => l.includes("kicked")),
        "* bob was kicked by alice: flooding",
      );
      await tcp[0].closed();
      await waitForLine(alice, "bob was kicked by alice: flooding");
      await waitForLine(carol, "bob was kicked by alice: flooding");
      await carol.page.locator("#members li", { hasText: "bob" }).waitFor({ state: "detached" });
      // The moderation line said it: no "bob left" besides.
      assert.equal(await carol.page.locator("#log li", { hasText: "bob left" }).count(), 0);

      // bob comes back and is banned, with the mouse: a bad duration is refused in the dialog.
      tcp.push(await joinPlain(server.port, "bob", "127.0.0.2"));
      await waitForLine(alice, "bob joined");
      await menuItems(alice, "bob");
      await alice.page.getByRole("menuitem", { name: "Ban…" }).click();
      const ban = alice.page.getByRole("dialog", { name: "Ban bob" });
      await ban.getByLabel("Duration").fill("a week");
      await ban.getByLabel("Reason").fill("spam");
      await ban.getByRole("button", { name: "Ban" }).click();
      assert.match(
        await ban.getByRole("alert").textContent() ?? "",
        /^DURATION is a number and s, m, h or d/,
      );
      await ban.getByLabel("Duration").fill("1h");
      await ban.getByRole("button", { name: "Ban" }).click();
      await ban.waitFor({ state: "hidden" });
      await tcp[1].closed();
      assert.match(
        await lineStarting(carol, "bob was banned"),
        /^bob was banned by alice until \d{4}-\d\d-\d\d \d\d:\d\d UTC: spam$/,
      );
      await say(alice, "/bans");
      assert.match(
        await lineStarting(alice, "Bans: "),
        /^Bans: bob \(by alice until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: spam\)/,
      );
      // Banned, bob is refused before the banner.
      const again = await joinPlain(server.port, "bob", "127.0.0.2").then(
        () => "joined",
        (e: Error) => e.message,
      );
      assert.notEqual(again, "joined");
      assert.deepEqual(alice.problems, []);
      assert.deepEqual(carol.problems, []);
    } finally {
      for (const c of tcp) await c.close();
      await server.stop();
    }
  },
);

browserTest(
  "a mute, a lock and a kick as a page sees them; a banned name is told on the join form",
  async (browser) => {
    const server = await startWebServer(NO_RESERVE, OPS);
    try {
      const alice = await open(browser, server);
      const carol = await open(browser, server);
      await join(alice, "alice");
      await join(carol, "carol");
      await waitForLine(alice, "carol joined");
      await say(alice, "/op sesame");
      await waitForLine(alice, "You are now an operator.");

      // A mute from the menu: carol's message is refused where she typed it.
      await menuItems(alice, "carol");
      await alice.page.getByRole("menuitem", { name: "Mute…" }).click();
      const mute = alice.page.getByRole("dialog", { name: "Mute carol" });
      assert.equal(await alice.page.locator("#mod-reason-row").isHidden(), true);
      await mute.getByLabel("Duration").fill("10m");
      await mute.getByRole("button", { name: "Mute" }).click();
      await lineStarting(carol, "carol was muted by alice until");
      await say(carol, "can I talk?");
      assert.match(
        await lineStarting(carol, "you are muted"),
        /^you are muted by alice until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: your messages are not sent \(muted\)$/,
      );
      await carol.page.locator("#log li.msg.failed", { hasText: "can I talk?" }).waitFor();
      await say(alice, "/unmute carol");
      await waitForLine(carol, "carol was unmuted by alice");

      // A lock: the topic is no longer editable but by operators.
      await say(alice, "/lock");
      await waitForLine(carol, "#lobby was locked by alice: only operators can change its topic");
      const topic = carol.page.locator("#topic");
      assert.equal(await topic.getAttribute("aria-disabled"), "true");
      await topic.click({ force: true }); // aria-disabled: Playwright would not click it
      assert.equal(await carol.page.locator("#topic-form").isHidden(), true);
      await say(carol, "/topic mine now");
      await lineStarting(carol, "the topic of #lobby is locked");
      assert.equal(await alice.page.locator("#topic").getAttribute("aria-disabled"), null);
      await alice.page.locator("#topic").click();
      assert.equal(await alice.page.locator("#topic-form").isVisible(), true);
      await alice.page.keyboard.press("Escape");
      await say(alice, "/unlock");
      await waitForLine(carol, "#lobby was unlocked by alice");
      assert.equal(await topic.getAttribute("aria-disabled"), null);

      // A kick: the page says so on the join form and does not come back by itself.
      await say(alice, "/kick carol enough");
      await carol.page.locator("#join-view").waitFor({ state: "visible" });
      assert.equal(
        await carol.page.locator("#name-error").textContent(),
        "You were kicked by alice: enough. Join again when you want to come back.",
      );
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await carol.page.locator("#join-view").isVisible(), true);
      assert.equal(await alice.page.locator("#log li", { hasText: "carol joined" }).count(), 1);
      // Join comes back, once.
      await carol.page.getByRole("button", { name: "Join" }).click();
      await carol.page.locator("#chat-view").waitFor({ state: "visible" });
      await alice.page.locator("#log li", { hasText: "carol joined" }).nth(1).waitFor();

      // A banned name (not connected: the name only) is told on the join form.
      await say(alice, "/kick carol");
      await carol.page.locator("#join-view").waitFor({ state: "visible" });
      await say(alice, "/ban carol 2h trolling");
      await lineStarting(alice, "carol was banned by alice until");
      await carol.page.getByRole("button", { name: "Join" }).click();
      await carol.page.locator("#name-error", { hasText: "banned" }).waitFor();
      assert.match(
        await carol.page.locator("#name-error").textContent() ?? "",
        /you are banned from this chat until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC: trolling/,
      );
      assert.equal(await carol.page.locator("#join-view").isVisible(), true);

      // On a phone, a name's menu stays on the screen.
      await alice.page.setViewportSize({ width: 360, height: 640 });
      await say(alice, "/unban carol");
      await lineStarting(alice, "carol was unbanned by alice");
      await carol.page.getByRole("button", { name: "Join" }).click();
      await carol.page.locator("#chat-view").waitFor({ state: "visible" });
      await alice.page.locator("#members button.who", { hasText: "carol" }).click();
      const box = await alice.page.locator("#member-menu").boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 360 && box.y + box.height <= 640);
      assert.ok(
        await alice.page.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
        "fits a phone's width",
      );
      assert.deepEqual(alice.problems, []);
      assert.deepEqual(carol.problems, []);
    } finally {
      await server.stop();
    }
  },
);
