/// <reference lib="dom" />
// Edits, deletions and links on the page, in a real headless Chromium
// against a real server: Up on an empty field edits our last message, and a
// message's ⋯ menu edits or deletes it (asking first); the other page sees
// "(edited)" and "message deleted"; refusals are shown as the page shows
// errors; only http and https addresses become links, opening in a new tab.
import assert from "node:assert/strict";
import {
  browserTest,
  join,
  messageTexts,
  newTab,
  open,
  say,
  type Tab,
  waitForLine,
} from "./browser_helpers.ts";
import type { WebSocketRoute } from "playwright-core";
import { joinJson, type LineClient } from "./helpers.ts";
import { startWebServer } from "./web_helpers.ts";

const OPS = { env: { CHAT_OP_PASSWORD: "sesame" } };

const message = (tab: Tab) => tab.page.getByLabel("Message", { exact: true });
const item = (tab: Tab, text: string) =>
  tab.page.locator("#log li.msg", { has: tab.page.locator(".text", { hasText: text }) }).last();

/** Waits until our message `text` is stored (acked: it has a seq and is no longer pending). */
async function stored(tab: Tab, text: string): Promise<void> {
  await tab.page.waitForFunction(
    (t) =>
      [...document.querySelectorAll("#log li.msg[data-seq]:not(.pending)")].some((l) =>
        l.querySelector(".text")?.textContent === t
      ),
    text,
  );
}

/** Opens the ⋯ menu of the message `text` (hovering it, as a mouse does) and picks `choice`. */
async function fromMenu(tab: Tab, text: string, choice: string): Promise<void> {
  const li = item(tab, text);
  await li.hover();
  await li.locator("button.more").click();
  await tab.page.locator("#message-menu").getByRole("menuitem", { name: choice }).click();
}

browserTest(
  "edit with Up and from the menu, delete from the menu: the other page sees (edited) and the placeholder",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    try {
      const alice = await open(browser, server);
      const bob = await open(browser, server);
      await join(alice, "alice");
      await join(bob, "bob");
      await say(alice, "helo wrld");
      await stored(alice, "helo wrld");
      await waitForLine(bob, "alice: helo wrld");

      // Up on an empty field: the last message's text, to fix; Escape gives up.
      await message(alice).focus();
      await alice.page.keyboard.press("ArrowUp");
      assert.equal(await message(alice).inputValue(), "helo wrld");
      assert.equal(await alice.page.locator("#edit-hint").isVisible(), true);
      await alice.page.keyboard.press("Escape");
      assert.equal(await message(alice).inputValue(), "");
      assert.equal(await alice.page.locator("#edit-hint").isVisible(), false);
      // Up with text typed is the field's own (nothing to edit then).
      await message(alice).fill("half typed");
      await alice.page.keyboard.press("ArrowUp");
      assert.equal(await message(alice).inputValue(), "half typed");
      await message(alice).fill("");

      await alice.page.keyboard.press("ArrowUp");
      await message(alice).fill("hello world");
      await alice.page.keyboard.press("Enter");
      assert.equal(await message(alice).inputValue(), "");
      await waitForLine(bob, "alice: hello world (edited)");
      await waitForLine(alice, "alice: hello world (edited)");
      assert.deepEqual(await messageTexts(bob), ["hello world"]);

      // From the menu: only our own messages have one (bob's page shows none for alice's).
      await say(alice, "second mesage");
      await stored(alice, "second mesage");
      await waitForLine(bob, "alice: second mesage");
      assert.equal(await item(bob, "second mesage").locator("button.more").isVisible(), false);
      await fromMenu(alice, "second mesage", "Edit");
      assert.equal(await message(alice).inputValue(), "second mesage");
      await message(alice).fill("second message");
      await message(alice).press("Enter");
      await waitForLine(bob, "alice: second message (edited)");

      // Delete asks first; Cancel keeps it.
      await fromMenu(alice, "second message", "Delete…");
      const dialog = alice.page.locator("#delete-dialog");
      await dialog.waitFor();
      assert.equal(await alice.page.locator("#delete-quote").textContent(), "second message");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      assert.equal(await dialog.isVisible(), false);
      assert.equal(await item(alice, "second message").count(), 1);
      await fromMenu(alice, "second message", "Delete…");
      await dialog.getByRole("button", { name: "Delete" }).click();
      for (const tab of [alice, bob]) {
        await waitForLine(tab, "alice: message deleted");
        assert.deepEqual(await messageTexts(tab), ["hello world"]);
        assert.equal(await tab.page.locator("#log li.msg.deleted button.more").count(), 0);
      }

      // A page that comes later gets the history as it is now.
      const carol = await open(browser, server);
      await join(carol, "carol");
      await waitForLine(carol, "alice: hello world (edited)");
      await waitForLine(carol, "alice: message deleted");
      for (const tab of [alice, bob, carol]) assert.deepEqual(tab.problems, []);
    } finally {
      await server.stop();
    }
  },
);

browserTest(
  "keyboard only: Tab from the log reaches the newest message's ⋯, ↑/↓ move between them, Enter opens the menu",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    try {
      const alice = await open(browser, server);
      const bob = await open(browser, server);
      await join(alice, "alice");
      await join(bob, "bob");
      for (const text of ["first one", "second one"]) {
        await say(alice, text);
        await stored(alice, text);
      }
      await say(bob, "bob's, no menu for alice");
      await waitForLine(alice, "bob: bob's, no menu for alice");
      const focused = () =>
        alice.page.evaluate(() => {
          const f = document.activeElement as HTMLElement;
          const li = f.closest("li.msg");
          return `${f.id || f.className}: ${li?.querySelector(".text")?.textContent ?? ""}`;
        });
      await alice.page.locator("#log").focus();
      await alice.page.keyboard.press("Tab");
      assert.equal(await focused(), "more: second one", "the newest of alice's buttons");
      await alice.page.keyboard.press("ArrowUp");
      assert.equal(await focused(), "more: first one");
      await alice.page.keyboard.press("ArrowUp");
      assert.equal(await focused(), "more: first one", "stays at the first");
      await alice.page.keyboard.press("ArrowDown");
      assert.equal(await focused(), "more: second one");
      // One tab stop: Tab leaves the log, Shift+Tab comes back to the same button.
      await alice.page.keyboard.press("Tab");
      assert.notEqual(await focused(), "more: first one");
      await alice.page.keyboard.press("Shift+Tab");
      assert.equal(await focused(), "more: second one");
      await alice.page.keyboard.press("ArrowUp");
      await alice.page.keyboard.press("Enter");
      const menu = alice.page.locator("#message-menu");
      await menu.waitFor();
      assert.equal(await alice.page.evaluate(() => document.activeElement?.textContent), "Edit");
      await alice.page.keyboard.press("ArrowDown");
      await alice.page.keyboard.press("Enter");
      const dialog = alice.page.locator("#delete-dialog");
      await dialog.waitFor();
      assert.equal(await alice.page.locator("#delete-quote").textContent(), "first one");
      await dialog.getByRole("button", { name: "Delete" }).focus();
      await alice.page.keyboard.press("Enter");
      for (const tab of [alice, bob]) await waitForLine(tab, "alice: message deleted");
      assert.deepEqual(await messageTexts(bob), ["second one", "bob's, no menu for alice"]);
      for (const tab of [alice, bob]) assert.deepEqual(tab.problems, []);
    } finally {
      await server.stop();
    }
  },
);

browserTest(
  "edits and deletions made while the page was away show after it reconnects, in every room",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"]);
    let bob: LineClient | undefined;
    try {
      // The page's WebSocket goes through a route that can be cut, and kept
      // cut: connections tried meanwhile are closed at once, as when offline.
      let down = false;
      let live: WebSocketRoute | null = null;
      const tab = await newTab(browser);
      await tab.page.routeWebSocket(/\/ws$/, (ws) => {
        if (down) return void ws.close().catch(() => {});
        live = ws;
        ws.connectToServer();
      });
      await tab.page.goto(server.http + "/#dev");
      await join(tab, "alice");
      await tab.page.locator("#room-title", { hasText: "dev" }).waitFor();
      ({ client: bob } = await joinJson(server.port, "bob", { rooms: ["lobby", "dev"] }));
      const seqs: Record<string, number> = {};
      for (
        const [room, text] of [["dev", "helo dev"], ["dev", "gone soon"], ["lobby", "helo lobby"]]
      ) {
        await bob.sendJson({ type: "say", room, text, ref: text });
        const ack = JSON.parse(await bob.until((l) => l.includes(`"ref":"${text}"`)));
        seqs[text] = ack.seq;
      }
      await waitForLine(tab, "bob: gone soon");

      down = true;
      await live!.close();
      await tab.page.locator("#status", { hasText: /reconnecting|offline|lost/i }).waitFor();
      await bob.sendJson({ type: "edit", room: "dev", seq: seqs["helo dev"], text: "hello dev" });
      await bob.sendJson({ type: "delete", room: "dev", seq: seqs["gone soon"] });
      await bob.sendJson({
        type: "edit",
        room: "lobby",
        seq: seqs["helo lobby"],
        text: "hello lobby",
      });
      await bob.sendJson({ type: "say", room: "dev", text: "said while away", ref: "w" });
      await bob.until((l) => l.includes(`"ref":"w"`));
      down = false;

      await waitForLine(tab, "Reconnected.", 15000);
      await waitForLine(tab, "bob: said while away");
      await waitForLine(tab, "bob: hello dev (edited)");
      await waitForLine(tab, "bob: message deleted");
      assert.deepEqual(await messageTexts(tab), ["hello dev", "said while away"]);
      await tab.page.getByRole("button", { name: /lobby/ }).first().click();
      await waitForLine(tab, "bob: hello lobby (edited)");
      assert.deepEqual(tab.problems.filter((p) => !p.includes("WebSocket")), []);
    } finally {
      await bob?.close();
      await server.stop();
    }
  },
);

browserTest(
  "refusals are shown as errors: an edit past the edit window, a delete of a message gone",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0", "--edit-window", "2s"], OPS);
    let op: LineClient | undefined;
    try {
      const alice = await open(browser, server);
      await join(alice, "alice");
      await say(alice, "said long ago");
      await stored(alice, "said long ago");
      await alice.page.waitForTimeout(2500);
      await message(alice).focus();
      await alice.page.keyboard.press("ArrowUp");
      await message(alice).fill("too late to change");
      await message(alice).press("Enter");
      const refusal = alice.page.locator("#log li.sys.error[role='alert']", {
        hasText: "not_allowed",
      });
      await refusal.waitFor();
      assert.match(await refusal.textContent() ?? "", /edit window/);
      assert.deepEqual(await messageTexts(alice), ["said long ago"]);

      // The dialog is open when an operator deletes the message: Delete is then refused.
      ({ client: op } = await joinJson(server.port, "oscar"));
      await op.sendJson({ type: "op", password: "sesame" });
      await fromMenu(alice, "said long ago", "Delete…");
      const seq = Number(await alice.page.locator("#log li.msg").first().getAttribute("data-seq"));
      await op.sendJson({ type: "delete", room: "lobby", seq });
      await waitForLine(alice, "alice: message deleted");
      await alice.page.locator("#delete-dialog").getByRole("button", { name: "Delete" }).click();
      await alice.page.locator("#log li.sys.error", { hasText: "no_such_message" }).waitFor();
      assert.deepEqual(alice.problems, []);
    } finally {
      await op?.close();
      await server.stop();
    }
  },
);

browserTest(
  "an operator's page deletes anyone's message from its menu (it cannot edit it)",
  async (browser) => {
    const server = await startWebServer(["--rate-limit", "0"], OPS);
    try {
      const alice = await open(browser, server);
      const bob = await open(browser, server);
      await join(alice, "alice");
      await join(bob, "bob");
      await say(bob, "spam spam spam");
      await waitForLine(alice, "bob: spam spam spam");
      await stored(bob, "spam spam spam");
      assert.equal(await item(alice, "spam spam spam").locator("button.more").isVisible(), false);
      await say(alice, "/op sesame");
      await alice.page.locator("#log.moderator").waitFor();
      await fromMenu(alice, "spam spam spam", "Delete…");
      assert.deepEqual(
        await alice.page.locator("#message-menu").getByRole("menuitem").allTextContents(),
        [],
        "the menu closed",
      );
      await alice.page.locator("#delete-dialog").getByRole("button", { name: "Delete" }).click();
      for (const tab of [alice, bob]) await waitForLine(tab, "bob: message deleted");
      // Only Delete… was offered: an operator edits nobody's words.
      await say(bob, "more spam");
      await waitForLine(alice, "bob: more spam");
      const li = item(alice, "more spam");
      await li.hover();
      await li.locator("button.more").click();
      assert.deepEqual(
        await alice.page.locator("#message-menu").getByRole("menuitem").allTextContents(),
        ["Delete…"],
      );
      for (const tab of [alice, bob]) assert.deepEqual(tab.problems, []);
    } finally {
      await server.stop();
    }
  },
);

browserTest(
  "only http and https addresses become links, in a new tab with no opener; look-alikes stay text",
  async (browser) => {
    const server = await startWebServer();
    let talker: LineClient | undefined;
    try {
      const tab = await open(browser, server);
      await join(tab, "alice");
      ({ client: talker } = await joinJson(server.port, "talker"));
      const text = [
        "see http://example.com/a, and (https://example.org/wiki/Foo_(bar)).",
        "HTTPS://UPPER.example/x?q=1&r=2#frag!",
        "javascript:alert(1) JavaScript:alert(2) data:text/html,<script>alert(3)</script>",
        "vbscript:msgbox(4) javascript&#58;alert(5) jav\u0009ascript:alert(6) hxxp://evil.example",
        "ｈｔｔｐ://fullwidth.example httpſ://long-s.example javascript:http://x.example",
        "file:///etc/passwd //no-scheme.example http:// https://[bad",
      ].join(" ");
      await talker.sendJson({ type: "say", text });
      // As stored (the server may have turned the tab into a space).
      await talker.event("ack");
      await talker.sendJson({ type: "history", room: "lobby" });
      const said = ((await talker.event("history")).messages as { text: string }[])[0].text;
      await tab.page.locator("#log li.msg .text").first().waitFor();
      const shown = await messageTexts(tab);
      assert.deepEqual(shown, [said], "the text reads as it was written, links and all");
      const links = await tab.page.locator("#log .text a").evaluateAll((as) =>
        as.map((a) => ({
          text: a.textContent,
          href: a.getAttribute("href"),
          target: a.getAttribute("target"),
          rel: a.getAttribute("rel"),
        }))
      );
      const want = (t: string, href: string) => ({
        text: t,
        href,
        target: "_blank",
        rel: "noopener noreferrer",
      });
      assert.deepEqual(links, [
        want("http://example.com/a", "http://example.com/a"),
        want("https://example.org/wiki/Foo_(bar)", "https://example.org/wiki/Foo_(bar)"),
        want("HTTPS://UPPER.example/x?q=1&r=2#frag", "https://upper.example/x?q=1&r=2#frag"),
      ]);
      assert.equal(await tab.page.locator("#log script").count(), 0);
      // A click opens a new tab that cannot reach back to the page, nor learn where it came from.
      await tab.page.context().route(
        "http://example.com/**",
        (r) => r.fulfill({ status: 200, contentType: "text/html", body: "<p>elsewhere</p>" }),
      );
      const [popup] = await Promise.all([
        tab.page.context().waitForEvent("page"),
        tab.page.locator("#log .text a").first().click(),
      ]);
      await popup.waitForLoadState();
      assert.deepEqual(await popup.evaluate(() => [globalThis.opener, document.referrer]), [
        null,
        "",
      ]);
      await popup.close();
      assert.match(tab.page.url(), new RegExp(`^${server.http}`));
      assert.deepEqual(tab.problems, []);
    } finally {
      await talker?.close();
      await server.stop();
    }
  },
);
