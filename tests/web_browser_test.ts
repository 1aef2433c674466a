/// <reference lib="dom" />
// The page in a real headless Chromium, against a real server: people on two
// pages and one on a raw TCP socket chat together; hostile text stays text;
// a restarted server is resumed without gaps or duplicates; screenshots.
import assert from "node:assert/strict";
import { browserTest, join, messageTexts, open, say, waitForLine } from "./browser_helpers.ts";
import { joinPlain, type LineClient, REPO_ROOT } from "./helpers.ts";
import { startWebServer } from "./web_helpers.ts";

browserTest("two pages and a TCP client chat in every direction, with DMs", async (browser) => {
  const server = await startWebServer();
  let carol: LineClient | undefined;
  try {
    const alice = await open(browser, server);
    const bob = await open(browser, server);
    await join(alice, "alice");
    await join(bob, "bob");
    carol = await joinPlain(server.port, "carol");
    await waitForLine(alice, "carol joined");

    await say(alice, "hello everyone");
    await waitForLine(bob, "alice: hello everyone");
    assert.equal(await carol.until((l) => l.startsWith("alice")), "alice: hello everyone");

    await say(bob, "/me waves");
    await waitForLine(alice, "* bob waves");
    assert.equal(await carol.until((l) => l.includes("waves")), "* bob waves");

    await carol.send("hi from the terminal, alice");
    await waitForLine(alice, "carol: hi from the terminal, alice");
    await waitForLine(bob, "carol: hi from the terminal, alice");
    // alice is mentioned: her copy is highlighted, bob's is not
    const mention = alice.page.locator("#log li.mention").last();
    assert.equal(await mention.locator("mark").textContent(), "alice");
    assert.equal(await bob.page.locator("#log li.mention").count(), 0);

    const members = await alice.page.locator("#members li").allTextContents();
    assert.deepEqual(members, ["alice (you)", "bob", "carol"]);

    // A DM from a name's menu in the members list: the composer is prefilled.
    await alice.page.locator("#members button", { hasText: "bob" }).click();
    await alice.page.getByRole("menuitem", { name: "Direct message" }).click();
    assert.equal(await alice.page.getByLabel("Message", { exact: true }).inputValue(), "/msg bob ");
    await alice.page.getByLabel("Message", { exact: true }).press("End");
    await alice.page.keyboard.type("just between us");
    await alice.page.keyboard.press("Enter");
    await waitForLine(bob, "privatealice: just between us");
    await waitForLine(alice, "privateto bob: just between us");
    await carol.send("/msg alice psst from the terminal");
    await waitForLine(alice, "privatecarol: psst from the terminal");
    await say(bob, "after the dm");
    const seen = [];
    for (let i = 0; i < 5; i++) {
      const l = await carol.line();
      seen.push(l);
      if (l === "bob: after the dm") break;
    }
    assert.ok(!seen.some((l) => l.includes("just between us")), "carol saw no DM");

    // /nick: everyone sees the rename, the member lists follow.
    await say(bob, "/nick robert");
    await waitForLine(alice, "bob is now robert");
    await waitForLine(bob, "You are now robert");
    assert.deepEqual(await alice.page.locator("#members li").allTextContents(), [
      "alice (you)",
      "carol",
      "robert",
    ]);
    await carol.close();
    carol = undefined;
    await waitForLine(alice, "carol left");
    assert.deepEqual(alice.problems, []);
    assert.deepEqual(bob.problems, []);
  } finally {
    await carol?.close();
    await server.stop();
  }
});

browserTest("a bad or taken name is shown by the form with the reason", async (browser) => {
  const server = await startWebServer();
  try {
    const holder = await joinPlain(server.port, "bob");
    const tab = await open(browser, server);
    const name = tab.page.getByLabel("Your name", { exact: true });
    const error = tab.page.locator("#name-error");
    await name.fill("BOB");
    await name.press("Enter");
    await error.waitFor({ state: "visible" });
    assert.match(await error.textContent() ?? "", /taken/);
    assert.equal(await name.getAttribute("aria-invalid"), "true");
    // Names cannot hold markup: the server refuses, the page shows the reason as text.
    await name.fill("<img src=x onerror=alert(1)>");
    await name.press("Enter");
    await tab.page.waitForFunction(() =>
      /may only contain/.test(document.getElementById("name-error")?.textContent ?? "")
    );
    assert.equal(await tab.page.locator("img").count(), 0);
    await name.fill("bobby");
    await name.press("Enter");
    await tab.page.locator("#chat-view").waitFor({ state: "visible" });
    assert.deepEqual(tab.problems, []);
    await holder.close();
  } finally {
    await server.stop();
  }
});

browserTest("markup in messages shows as text and runs nothing", async (browser) => {
  const server = await startWebServer();
  try {
    const victim = await open(browser, server);
    await join(victim, "victim");
    const attacker = await open(browser, server);
    await join(attacker, "mallory");
    const tcp = await joinPlain(server.port, "tcpmallory");
    const hostile = [
      "<img src=x onerror=alert(1)>",
      "<script>alert(2)</script>",
      '<b>bold</b><a href="javascript:alert(3)">link</a>',
      "<svg onload=alert(4)>",
      "&lt;not an entity&gt; ${'{'}alert(5)}",
    ];
    for (const h of hostile) await say(attacker, h);
    // The page's lines go through the web front: let the last one land before the TCP line.
    await waitForLine(victim, `mallory: ${hostile.at(-1)}`);
    await tcp.send("<iframe src=javascript:alert(6)></iframe>");
    await waitForLine(victim, "tcpmallory: <iframe src=javascript:alert(6)></iframe>");
    const texts = await messageTexts(victim);
    assert.deepEqual(texts, [...hostile, "<iframe src=javascript:alert(6)></iframe>"]);
    // The sender's own copies are text too.
    assert.deepEqual((await messageTexts(attacker)).slice(0, hostile.length), hostile);
    for (const tab of [victim, attacker]) {
      for (
        const tag of ["#log img", "#log script", "#log b", "#log a", "#log svg", "#log iframe"]
      ) {
        assert.equal(await tab.page.locator(tag).count(), 0, tag);
      }
      assert.deepEqual(tab.problems, []);
    }
    await tcp.close();
  } finally {
    await server.stop();
  }
});

browserTest(
  "unread count in the title while hidden; phone width; keyboard labels",
  async (browser) => {
    const server = await startWebServer();
    try {
      const tab = await open(browser, server);
      await join(tab, "reader");
      // Joining by keyboard left the focus in the message box.
      assert.equal(await tab.page.evaluate(() => document.activeElement?.id), "text");
      const tcp = await joinPlain(server.port, "writer");
      await waitForLine(tab, "writer joined");
      const setHidden = (hidden: boolean) =>
        tab.page.evaluate((h) => {
          Object.defineProperty(document, "hidden", { value: h, configurable: true });
          document.dispatchEvent(new Event("visibilitychange"));
        }, hidden);
      await setHidden(true);
      await tcp.send("one");
      await tcp.send("two");
      await waitForLine(tab, "writer: two");
      assert.equal(await tab.page.title(), "(2) chat");
      await setHidden(false);
      assert.equal(await tab.page.title(), "chat");

      // Scrolled up: new messages do not pull the view down.
      for (let i = 0; i < 40; i++) await tcp.send(`filler ${i}`);
      await waitForLine(tab, "writer: filler 39");
      const log = tab.page.locator("#log");
      const atEnd = () => log.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight < 48);
      assert.ok(await atEnd(), "follows new messages");
      await log.evaluate((l) => l.scrollTop = 0);
      await tcp.send("while scrolled up");
      await waitForLine(tab, "writer: while scrolled up");
      assert.equal(await log.evaluate((l) => l.scrollTop), 0);
      await tab.page.locator("#jump").click();
      assert.ok(await atEnd());

      // A phone: nothing wider than the screen.
      await tab.page.setViewportSize({ width: 360, height: 640 });
      assert.ok(
        await tab.page.evaluate(() => document.documentElement.scrollWidth <= innerWidth),
        "fits a phone's width",
      );
      // Every name in the member list is reachable by keyboard.
      assert.equal(await tab.page.locator("#members button[tabindex='0']").count(), 2);
      assert.deepEqual(tab.problems, []);
      await tcp.close();
    } finally {
      await server.stop();
    }
  },
);

browserTest(
  "after a server restart the page resumes with no gap and no duplicate",
  async (browser) => {
    const dir = await Deno.makeTempDir({ prefix: "chat-web-" });
    const db = `${dir}/chat.db`;
    let server = await startWebServer(["--db", db]);
    const webPort = server.webPort;
    try {
      const tab = await open(browser, server);
      await join(tab, "resumer");
      let tcp = await joinPlain(server.port, "talker");
      await tcp.send("m1");
      await tcp.send("m2");
      await waitForLine(tab, "talker: m2");
      await tcp.close();
      assert.equal(await server.stop(), 0);
      await tab.page.waitForFunction(() =>
        /reconnecting/.test(document.getElementById("status")?.textContent ?? "")
      );
      // Same web port, so the page finds the server again; same database.
      server = await startWebServer(["--db", db, "--web-port", String(webPort)]);
      tcp = await joinPlain(server.port, "talker");
      await tcp.send("m3"); // most likely before the page is back: it comes with `since`
      await tab.page.waitForFunction(
        () => /online/.test(document.getElementById("status")?.textContent ?? ""),
        undefined,
        { timeout: 10000 },
      );
      await waitForLine(tab, "talker: m3");
      await tcp.send("m4");
      await waitForLine(tab, "talker: m4");
      assert.deepEqual(await messageTexts(tab), ["m1", "m2", "m3", "m4"]);
      assert.deepEqual(tab.problems.filter((p) => !/WebSocket/.test(p)), []);
      await tcp.close();
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

browserTest("screenshots of a conversation, light and dark", async (browser) => {
  const server = await startWebServer();
  const people: LineClient[] = [];
  try {
    const tab = await open(browser, server);
    await tab.page.setViewportSize({ width: 960, height: 540 });
    const other = await open(browser, server);
    await join(other, "grace");
    await join(tab, "alice");
    const bob = await joinPlain(server.port, "bob");
    const carol = await joinPlain(server.port, "carol");
    people.push(bob, carol);
    await bob.send("morning all! deploy went out at 9:40");
    await carol.send("nice. any alerts overnight?");
    await say(other, "none here, dashboards are green");
    await bob.send("/me pours coffee");
    await carol.send("alice, can you check the migration logs?");
    await say(tab, "on it, give me five minutes");
    await bob.send("/msg alice the staging password rotated, see the vault");
    await waitForLine(tab, "privatebob: the staging password rotated, see the vault");
    await say(other, "lunch at noon?");
    await waitForLine(tab, "grace: lunch at noon?");
    await tab.page.getByLabel("Message", { exact: true }).fill("sounds good");
    await tab.page.emulateMedia({ colorScheme: "light" });
    await tab.page.screenshot({ path: `${REPO_ROOT}docs/screenshot-light.png` });
    await tab.page.emulateMedia({ colorScheme: "dark" });
    await tab.page.screenshot({ path: `${REPO_ROOT}docs/screenshot-dark.png` });
    for (const scheme of ["light", "dark"]) {
      const png = await Deno.readFile(`${REPO_ROOT}docs/screenshot-${scheme}.png`);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    }
  } finally {
    for (const p of people) await p.close();
    await server.stop();
  }
});
