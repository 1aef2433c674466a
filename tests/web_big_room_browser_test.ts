/// <reference lib="dom" />
// The page in a big room: the welcome lists only some members, so the page
// asks for them all, and the members list shows everyone.
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
    await tab.page.close();
  } finally {
    for (const c of crowd) await c.close();
    await s.stop();
  }
});
