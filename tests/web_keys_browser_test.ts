/// <reference lib="dom" />
import assert from "node:assert/strict";
import { browserTest, join } from "./browser_helpers.ts";
import { startWebServer, WsClient } from "./web_helpers.ts";

// The page keeps the keys of reserved names in localStorage, by server and name.

browserTest(
  "the page keeps its name's key in localStorage and joins with it after a reload; others are refused",
  async (browser) => {
    const server = await startWebServer();
    try {
      const context = await browser.newContext();
      const first = await context.newPage();
      await first.goto(server.http);
      await join({ page: first, problems: [] }, "pat");
      const stored = JSON.parse(
        await first.evaluate(() => localStorage.getItem("chat.keys") ?? "{}"),
      );
      const key = stored[new URL(server.http).host]?.pat;
      assert.match(key, /^[A-Za-z0-9_-]{43}$/, JSON.stringify(stored));
      await first.close();

      // Somebody else (no key) cannot have pat.
      let refused: Record<string, unknown> = {};
      for (let i = 0; i < 50; i++) {
        const other = await WsClient.connect(server.http);
        await other.next(); // banner
        other.send({ type: "hello", name: "pat" });
        refused = await other.next();
        await other.close();
        if (String(refused.message).includes("reserved")) break; // not "taken": the page has left
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(refused.code, "name_taken");
      assert.match(String(refused.message), /the name pat is reserved/);

      const again = await context.newPage();
      await again.goto(server.http);
      await join({ page: again, problems: [] }, "pat");
      await again.getByText("online as pat").waitFor();
      await context.close();
    } finally {
      await server.stop();
    }
  },
);
