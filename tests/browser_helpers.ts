// Shared by the browser tests: headless Chromium driven by playwright-core.
import { type Browser, chromium, type Page } from "playwright-core";
import type { WebServerProcess } from "./web_helpers.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const haveChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);
if (!haveChromium) {
  console.warn(
    `SKIPPING browser tests: ${CHROMIUM} not found. Install it with: apt-get install -y chromium`,
  );
}

export async function launch(extraArgs: string[] = []): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      ...extraArgs,
    ],
  });
}

/** A page with every console error, page error and dialog recorded. */
export interface Tab {
  page: Page;
  problems: string[];
}

/** A new page (not yet opened anywhere), with every console error, page error and dialog recorded. */
export async function newTab(browser: Browser): Promise<Tab> {
  const page = await browser.newPage({
    viewport: { width: 900, height: 560 },
    locale: "en-GB",
    timezoneId: "UTC",
  });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { page, problems };
}

/** A page at `path` (e.g. "/#dev"), with every console error, page error and dialog recorded. */
export async function open(browser: Browser, server: WebServerProcess, path = "/"): Promise<Tab> {
  const tab = await newTab(browser);
  await tab.page.goto(server.http + path);
  return tab;
}

/** Joins by keyboard alone: the name field has focus, type, Enter. */
export async function join(tab: Tab, name: string): Promise<void> {
  const input = tab.page.getByLabel("Your name", { exact: true });
  await input.waitFor();
  await tab.page.keyboard.type(name);
  await tab.page.keyboard.press("Enter");
  await tab.page.locator("#chat-view").waitFor({ state: "visible" });
}

export async function say(tab: Tab, text: string): Promise<void> {
  const box = tab.page.getByLabel("Message", { exact: true });
  await box.fill(text);
  await box.press("Enter");
}

/** The texts of room messages shown, in order. */
export async function messageTexts(tab: Tab): Promise<string[]> {
  return await tab.page.locator("#log li.msg:not(.dm) .text").allTextContents();
}

export async function waitForLine(tab: Tab, line: string, timeout = 5000): Promise<void> {
  await tab.page.waitForFunction(
    (want) =>
      [...document.querySelectorAll("#log li")].some((e) =>
        (e.textContent ?? "").slice(e.querySelector("time")?.textContent?.length ?? 0) === want
      ),
    line,
    { timeout },
  );
}

export const browserTest = (
  name: string,
  fn: (browser: Browser) => Promise<void>,
  launchArgs: string[] = [],
) =>
  Deno.test({
    name,
    ignore: !haveChromium,
    // Playwright keeps its pipe to the browser open between tests' awaits.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const browser = await launch(launchArgs);
      try {
        await fn(browser);
      } finally {
        await browser.close();
      }
    },
  });
