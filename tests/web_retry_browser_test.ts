/// <reference lib="dom" />
// The page's message ids in a real headless Chromium against a real server.
// The server's storage cannot be made to fail on demand, nor a connection to
// drop between a line and its ack, so the page's WebSocket goes through
// Playwright's routeWebSocket: every frame passes on to the real server but
// the one the test answers itself (a server_error) or holds back (then the
// socket is closed, as a network drop would). The page, its bundle and the
// server are the real ones.
import assert from "node:assert/strict";
import type { Browser, WebSocketRoute } from "playwright-core";
import {
  browserTest,
  join,
  messageTexts,
  newTab,
  say,
  type Tab,
  waitForLine,
} from "./browser_helpers.ts";
import { joinJson, type LineClient } from "./helpers.ts";
import { startWebServer, type WebServerProcess } from "./web_helpers.ts";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

interface Frame {
  type: string;
  [k: string]: unknown;
}

/**
 * A tab whose WebSocket frames to the server pass through `fromPage`: it
 * returns true to forward the frame, false to drop it (it may answer itself).
 */
async function openRouted(
  browser: Browser,
  server: WebServerProcess,
  fromPage: (f: Frame, ws: WebSocketRoute, toServer: WebSocketRoute) => boolean,
): Promise<Tab> {
  const tab = await newTab(browser);
  const { page } = tab;
  await page.routeWebSocket(/\/ws$/, (ws) => {
    const toServer = ws.connectToServer();
    ws.onMessage((m) => {
      if (fromPage(JSON.parse(String(m)), ws, toServer)) toServer.send(m);
    });
  });
  await page.goto(server.http + "/");
  return tab;
}

/** The message events a JSON client gets until the answer to a `who` (so: all of them so far). */
async function messagesSoFar(c: LineClient): Promise<string[]> {
  await c.sendJson({ type: "who" });
  const got: string[] = [];
  while (true) {
    const e = await c.json(10000);
    if (e.type === "members") return got;
    if (e.type === "message") got.push(String(e.text));
  }
}

browserTest(
  "server_error: the page sends the same message (same id) again, quietly; it shows once",
  async (browser) => {
    const server = await startWebServer();
    let watch: LineClient | undefined;
    try {
      const sent: Frame[] = [];
      let refusals = 2;
      const tab = await openRouted(browser, server, (f, ws) => {
        if (f.type !== "say" && f.type !== "me") return true;
        sent.push(f);
        if (refusals-- <= 0) return true;
        ws.send(JSON.stringify({
          type: "error",
          code: "server_error",
          message: "your message could not be stored and was not sent, try again",
          ref: f.ref,
        }));
        return false;
      });
      ({ client: watch } = await joinJson(server.port, "watch"));
      await join(tab, "bob");
      await say(tab, "hello");
      // Refused twice: 0.5 s and then 1 s of a note on the status line, nothing in the log.
      await tab.page.locator("#status", { hasText: "online as bob, retrying 1 message…" })
        .waitFor({ timeout: 3000 });
      assert.equal(await tab.page.locator("#log li.msg.pending").count(), 1);
      await tab.page.locator("#log li.msg.pending").waitFor({ state: "detached", timeout: 8000 });
      await tab.page.locator("#status", { hasText: /^online as bob$/ }).waitFor();
      await say(tab, "/me waves");
      await waitForLine(tab, "* bob waves");
      assert.deepEqual(await messagesSoFar(watch), ["hello", "waves"], "each stored once");
      assert.deepEqual(sent.map((f) => [f.type, f.text]), [
        ["say", "hello"],
        ["say", "hello"],
        ["say", "hello"],
        ["me", "waves"],
      ]);
      for (const f of sent) assert.match(String(f.id), ID);
      assert.equal(sent[1].id, sent[0].id);
      assert.equal(sent[2].id, sent[0].id);
      assert.notEqual(sent[3].id, sent[0].id);
      assert.deepEqual(await messageTexts(tab), ["hello", "waves"]);
      assert.equal(await tab.page.locator("#log li.failed").count(), 0);
      assert.ok(
        !(await tab.page.locator("#log").textContent())?.includes("server_error"),
        "a retry that succeeds says nothing in the log",
      );
      assert.deepEqual(tab.problems, []);
    } finally {
      await watch?.close();
      await server.stop();
    }
  },
);

browserTest(
  "a drop before the ack: after the reconnect the page sends it again with its id",
  async (browser) => {
    const server = await startWebServer();
    let watch: LineClient | undefined;
    try {
      const sent: Frame[] = [];
      let dropped = false;
      const tab = await openRouted(browser, server, (f, ws) => {
        if (f.type !== "say") return true;
        sent.push(f);
        if (dropped) return true;
        // Lost on the way, and the connection with it.
        dropped = true;
        ws.close().catch(() => {});
        return false;
      });
      ({ client: watch } = await joinJson(server.port, "watch"));
      await join(tab, "bob");
      await say(tab, "hello");
      await waitForLine(tab, "Reconnected.", 10000);
      await tab.page.locator("#log li.msg.pending").waitFor({ state: "detached", timeout: 8000 });
      assert.deepEqual(await messagesSoFar(watch), ["hello"]);
      assert.equal(sent.length, 2);
      assert.match(String(sent[0].id), ID);
      assert.equal(sent[1].id, sent[0].id, "the resend carries the same id");
      assert.deepEqual(await messageTexts(tab), ["hello"]);
      assert.equal(await tab.page.locator("#log li.failed").count(), 0);
      assert.deepEqual(tab.problems, []);
    } finally {
      await watch?.close();
      await server.stop();
    }
  },
);
