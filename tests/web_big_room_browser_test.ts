/// <reference lib="dom" />
// The page in a big room: the welcome lists only some members, so the page
// asks for them all, and the members list shows everyone; joins and leaves
// then come as presence summaries, which it applies (asking again when a
// summary names only some).
import { LineClient } from "./helpers.ts";
import { startWebServer } from "./web_helpers.ts";
import { browserTest, join, open } from "./browser_helpers.ts";

const N = 520;

browserTest("in a room over 500 members the page's list shows them all", async (browser) => {
  const s = await startWebServer(["--max-per-ip", "0", "--max-pending-per-ip", "0"]);
  const crowd: LineClient[] = [];
  try {
    for (let i = 0; i < N; i += 40) {
      crowd.push(
        ...await Promise.all(
          Array.from({ length: Math.min(40, N - i) }, async (_, j) => {
            const c = await LineClient.connect(s.port);
            await c.line();
            await c.send(`m${i + j}`);
            await c.until((l) => l.startsWith("* Welcome"), 20_000);
            return c;
          }),
        ),
      );
    }
    const tab = await open(browser, s);
    await join(tab, "webby");
    await tab.page.waitForFunction(
      (want) => document.getElementById("member-count")?.textContent === want,
      `(${N + 1})`,
      { timeout: 10_000 },
    );
    // 30 more at once: summaries naming at most 20 each; the list is whole again after.
    const more = await Promise.all(Array.from({ length: 30 }, async (_, j) => {
      const c = await LineClient.connect(s.port);
      await c.line();
      await c.send(`late${j}`);
      await c.until((l) => l.startsWith("* Welcome"), 20_000);
      return c;
    }));
    crowd.push(...more);
    const count = (want: string) =>
      tab.page.waitForFunction(
        (want) => document.getElementById("member-count")?.textContent === want,
        want,
        { timeout: 10_000 },
      );
    await count(`(${N + 31})`);
    await tab.page.waitForFunction(
      () =>
        [...document.querySelectorAll("#log li")].some((li) =>
          / joined \(\d+ online\)/.test(li.textContent ?? "")
        ),
    );
    for (const c of more.slice(0, 25)) await c.close();
    await count(`(${N + 6})`);
    const names = await tab.page.$$eval("#members li button", (bs) => bs.map((b) => b.textContent));
    if (names.some((n) => /^late([0-9]|1[0-9]|2[0-4])$/.test(n ?? ""))) {
      throw new Error("a member who left is still listed");
    }
    await tab.page.close();
  } finally {
    for (const c of crowd) await c.close();
    await s.stop();
  }
});
