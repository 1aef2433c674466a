/// <reference lib="dom" />
// Sharing files from the page, in a real headless Chromium against a real
// server: the file button (a real file input), files dropped on the chat
// and pasted into the message field; the uploads' progress and Cancel; the
// server's refusals shown; file messages (live and in history) as
// thumbnails that open full size, or as cards with a download link.
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { browserTest, join, open, type Tab, waitForLine } from "./browser_helpers.ts";
import { joinJson, type LineClient } from "./helpers.ts";
import { eventually, metrics, startWebServer, type WebServerProcess } from "./web_helpers.ts";
import { isImage, kindLabel, sameOriginPath } from "../web/file_view.ts";
import { pastedName } from "../web/uploads.ts";

// --- the pure parts ------------------------------------------------------------

Deno.test("file links stay on the page's origin; which files are thumbnails; pasted names", () => {
  assert.equal(
    sameOriginPath("http://chat.example:8081/files/abc/report%20v2.pdf"),
    "/files/abc/report%20v2.pdf",
  );
  assert.equal(sameOriginPath("/files/upload/xyz"), "/files/upload/xyz");
  assert.equal(sameOriginPath("https://evil.example/files/a/b?x=1"), "/files/a/b?x=1");
  assert.equal(sameOriginPath("javascript:alert(1)"), null);
  assert.equal(sameOriginPath("http://host/elsewhere"), null);
  assert.equal(sameOriginPath("data:text/html,<b>"), null);
  for (const t of ["image/png", "image/jpeg", "image/gif", "image/webp"]) assert.ok(isImage(t));
  for (const t of ["image/svg+xml", "text/html", "application/pdf", ""]) assert.ok(!isImage(t));
  assert.equal(kindLabel("report.pdf"), "PDF");
  assert.equal(kindLabel("archive.tar.gz"), "GZ");
  assert.equal(kindLabel("Makefile"), "FILE");
  const at = new Date(2026, 11, 1, 9, 5, 7);
  assert.equal(pastedName("image.png", "image/png", at), "pasted-2026-12-01-090507.png");
  assert.equal(pastedName("", "image/jpeg", at), "pasted-2026-12-01-090507.jpg");
  assert.equal(pastedName("notes.txt", "text/plain", at), "notes.txt");
});

// --- helpers -----------------------------------------------------------------

type FileInfo = { name: string; size: number; sha256: string; type: string; url: string };

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes that are not all the same, so a mix-up would show. */
function bytesOf(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** The next file message `c` gets. */
async function fileMessage(
  c: LineClient,
  timeoutMs = 5000,
): Promise<FileInfo & { from: string; seq: number }> {
  const m = await c.event("message", timeoutMs);
  assert.ok(m.file, `a file message: ${JSON.stringify(m)}`);
  return { ...(m.file as FileInfo), from: m.from as string, seq: m.seq as number };
}

/** Shares `bytes` as `name` from a line client: the grant, then the PUT. */
async function shareFrom(
  c: LineClient,
  server: WebServerProcess,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  await c.sendJson({ type: "upload", name, size: bytes.length, ref: "x1" });
  const g = await c.event("upload");
  const res = await fetch(server.http + new URL(g.url as string).pathname, {
    method: "PUT",
    body: bytes as BodyInit,
  });
  assert.equal(res.status, 201, await res.text());
  await c.event("ack");
}

/** Picks files with the "Share a file" button (by keyboard), through the real file chooser. */
async function pick(
  tab: Tab,
  files: { name: string; mimeType: string; buffer: Uint8Array }[],
): Promise<void> {
  const chooser = tab.page.waitForEvent("filechooser");
  await tab.page.getByRole("button", { name: "Share a file", exact: true }).focus();
  await tab.page.keyboard.press("Enter");
  await (await chooser).setFiles(files.map((f) => ({ ...f, buffer: Buffer.from(f.buffer) })));
}

/** A PNG drawn in the page (w×h), as bytes. */
async function pngFrom(tab: Tab, w: number, h: number): Promise<Uint8Array> {
  const b64 = await tab.page.evaluate(async ([w, h]) => {
    const c = document.createElement("canvas");
    c.width = w;
    c.height = h;
    const g = c.getContext("2d")!;
    g.fillStyle = "#0a58ca";
    g.fillRect(0, 0, w, h);
    g.fillStyle = "#ffe066";
    g.fillRect(w / 4, h / 4, w / 2, h / 2);
    const blob = await new Promise<Blob>((r) => c.toBlob((b) => r(b!), "image/png"));
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = "";
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s);
  }, [w, h]);
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

/** The file messages the page shows: their names, and whether each is a thumbnail. */
function shownFiles(tab: Tab): Promise<{ name: string; image: boolean; pending: boolean }[]> {
  return tab.page.locator("#log li.msg.file").evaluateAll((lis) =>
    lis.map((li) => ({
      name: li.querySelector(".file-name")?.textContent ?? "",
      image: li.querySelector(".file-image img") !== null,
      pending: li.classList.contains("pending"),
    }))
  );
}

/** No errors in the pages but those `expected` (the browser logs every failed request). */
function noProblems(tabs: Tab[], expected?: RegExp): void {
  for (const t of tabs) {
    assert.deepEqual(
      t.problems.filter((p) => !/WebSocket/.test(p) && !(expected?.test(p) ?? false)),
      [],
    );
  }
}

async function withServer(
  args: string[],
  fn: (server: WebServerProcess, clients: LineClient[]) => Promise<void>,
): Promise<void> {
  const server = await startWebServer(args);
  const clients: LineClient[] = [];
  try {
    await fn(server, clients);
  } finally {
    for (const c of clients) await c.close();
    await server.stop();
  }
}

// --- the browser -------------------------------------------------------------

browserTest(
  "a file picked with the button reaches the room whole; the page shows it as a card, live and in history",
  (browser: Browser) =>
    withServer([], async (server, clients) => {
      const alice = await open(browser, server);
      await join(alice, "alice");
      const { client: bob } = await joinJson(server.port, "bob");
      clients.push(bob);
      await waitForLine(alice, "bob joined");

      const bytes = bytesOf(48213);
      await pick(alice, [{ name: "report.pdf", mimeType: "application/pdf", buffer: bytes }]);
      const f = await fileMessage(bob);
      assert.equal(f.from, "alice");
      assert.deepEqual([f.name, f.size, f.type], ["report.pdf", 48213, "application/pdf"]);
      assert.equal(f.sha256, await sha256(bytes));
      const res = await fetch(server.http + new URL(f.url).pathname);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-disposition") ?? "", /^attachment/);
      const got = new Uint8Array(await res.arrayBuffer());
      assert.equal(await sha256(got), f.sha256);
      assert.deepEqual(got, bytes);

      // the sender's copy: a card, acked, with the name, the size and a download link
      await alice.page.waitForFunction((seq) =>
        document.querySelector("#log li.msg.file:not(.pending)")?.getAttribute("data-seq") ===
          String(seq), f.seq);
      const card = alice.page.locator("#log li.msg.file .file-card");
      assert.equal(await card.locator(".file-name").textContent(), "report.pdf");
      assert.equal(await card.locator(".file-size").textContent(), "47.1 kB");
      const link = alice.page.getByRole("link", { name: "Download report.pdf (47.1 kB)" });
      assert.equal(await link.getAttribute("href"), new URL(f.url).pathname);
      assert.equal(await link.getAttribute("download"), "report.pdf");
      assert.ok(await alice.page.locator("#uploads").isHidden(), "no upload left in the list");
      assert.equal(
        await alice.page.evaluate(() =>
          document.activeElement?.id
        ),
        "text",
        "the message field has the focus back",
      );

      // a file bob shares shows live; an SVG is a card, never an image
      await shareFrom(bob, server, "chart.svg", new TextEncoder().encode("<svg xmlns='x'/>"));
      await alice.page.waitForFunction(() =>
        [...document.querySelectorAll("#log .file-name")].some((e) => e.textContent === "chart.svg")
      );
      // the download link works from the page (same origin, attachment)
      const download = alice.page.waitForEvent("download");
      await alice.page.getByRole("link", { name: "Download report.pdf (47.1 kB)" }).click();
      const saved = await download;
      assert.equal(saved.suggestedFilename(), "report.pdf");
      assert.equal(await sha256(await Deno.readFile(await saved.path())), f.sha256);

      // the PUT's answer held back until the ack has come: the message shows once, acked
      let release!: () => void;
      const held = new Promise<void>((r) => release = r);
      await alice.page.route("**/files/upload/*", async (route) => {
        const response = await route.fetch();
        await held;
        await route.fulfill({ response });
      });
      await alice.page.locator("#file-input").setInputFiles({
        name: "late.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("answered late"),
      });
      const late = await fileMessage(bob);
      assert.equal(late.name, "late.txt");
      // bob's next line comes after the ack on alice's socket: the ack is in when it shows
      await bob.sendJson({ type: "say", text: "got it" });
      await waitForLine(alice, "bob: got it");
      assert.deepEqual((await shownFiles(alice)).map((f) => f.name), ["report.pdf", "chart.svg"]);
      release();
      await alice.page.waitForFunction((seq) =>
        document.querySelector("#log li.msg.file:last-child:not(.pending)")?.getAttribute(
          "data-seq",
        ) === String(seq), late.seq);
      await alice.page.unroute("**/files/upload/*");

      // a page opened later gets them from history, the same way
      const carol = await open(browser, server);
      await join(carol, "carol");
      await carol.page.locator("#log li.msg.file").nth(1).waitFor();
      await carol.page.locator("#log li.msg.file").nth(2).waitFor();
      assert.deepEqual(await shownFiles(carol), [
        { name: "report.pdf", image: false, pending: false },
        { name: "chart.svg", image: false, pending: false },
        { name: "late.txt", image: false, pending: false },
      ]);
      assert.deepEqual(await shownFiles(alice), await shownFiles(carol));
      assert.equal(await carol.page.locator("#log li.msg.file img").count(), 0);
      noProblems([alice, carol]);
    }),
);

browserTest(
  "files dropped on the conversation are shared, with a drop target shown while dragging",
  (browser: Browser) =>
    withServer([], async (server, clients) => {
      const alice = await open(browser, server, "/#dev");
      await join(alice, "alice");
      await waitForLine(alice, "Now in #dev: 1 online: alice.");
      const { client: bob } = await joinJson(server.port, "bob", { rooms: ["dev"] });
      clients.push(bob);
      await waitForLine(alice, "bob joined");

      const target = alice.page.locator("#drop-target");
      assert.ok(await target.isHidden());
      const dt = await alice.page.evaluateHandle(() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["first line\nsecond line\n"], "notes.txt", { type: "text/plain" }));
        dt.items.add(new File([new Uint8Array(3000)], "zeros.bin"));
        return dt;
      });
      await alice.page.dispatchEvent("#log", "dragenter", { dataTransfer: dt });
      await alice.page.dispatchEvent("#log", "dragover", { dataTransfer: dt });
      assert.ok(await target.isVisible(), "the drop target shows while dragging");
      assert.equal(await target.textContent(), "Drop to share in #dev");
      // leaving hides it; coming back shows it again
      await alice.page.dispatchEvent("#log", "dragleave", { dataTransfer: dt });
      assert.ok(await target.isHidden());
      await alice.page.dispatchEvent("#log", "dragenter", { dataTransfer: dt });
      assert.ok(await target.isVisible());
      await alice.page.dispatchEvent("#log", "drop", { dataTransfer: dt });
      assert.ok(await target.isHidden(), "gone once dropped");

      const got = [await fileMessage(bob), await fileMessage(bob)];
      const byName = new Map(got.map((f) => [f.name, f]));
      const notes = byName.get("notes.txt")!;
      assert.equal(notes.size, 23);
      assert.equal(
        notes.sha256,
        await sha256(new TextEncoder().encode("first line\nsecond line\n")),
      );
      assert.equal(
        await (await fetch(server.http + new URL(notes.url).pathname)).text(),
        "first line\nsecond line\n",
      );
      assert.equal(byName.get("zeros.bin")!.size, 3000);
      assert.equal(byName.get("zeros.bin")!.sha256, await sha256(new Uint8Array(3000)));
      await alice.page.waitForFunction(() =>
        document.querySelectorAll("#log li.msg.file:not(.pending)").length === 2
      );
      assert.deepEqual(
        (await shownFiles(alice)).map((f) => f.name).sort(),
        ["notes.txt", "zeros.bin"],
      );
      // text dragged about the page is no file drop
      const text = await alice.page.evaluateHandle(() => {
        const dt = new DataTransfer();
        dt.setData("text/plain", "just words");
        return dt;
      });
      await alice.page.dispatchEvent("#log", "dragenter", { dataTransfer: text });
      assert.ok(await target.isHidden());
      noProblems([alice]);
    }),
);

browserTest(
  "a pasted screenshot shows as a thumbnail that opens full size; history shows it too",
  (browser: Browser) =>
    withServer([], async (server, clients) => {
      const alice = await open(browser, server);
      await join(alice, "alice");
      const { client: bob } = await joinJson(server.port, "bob");
      clients.push(bob);
      const png = await pngFrom(alice, 640, 400);
      // a paste of an image, as Chromium gives a screenshot: a file called image.png
      await alice.page.locator("#text").focus();
      await alice.page.evaluate((b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], "image.png", { type: "image/png" }));
        const e = new ClipboardEvent("paste", {
          clipboardData: dt,
          bubbles: true,
          cancelable: true,
        });
        document.getElementById("text")!.dispatchEvent(e);
      }, btoa(String.fromCharCode(...png)));
      const f = await fileMessage(bob);
      assert.match(f.name, /^pasted-\d{4}-\d\d-\d\d-\d{6}\.png$/);
      assert.equal(f.type, "image/png");
      assert.equal(f.sha256, await sha256(png));
      assert.equal(await alice.page.locator("#text").inputValue(), "", "nothing pasted as text");

      // the thumbnail: an <img> on the page's origin, loaded, no taller than the style allows
      const img = alice.page.locator("#log li.msg.file .file-image img");
      await img.waitFor();
      await alice.page.waitForFunction(() => {
        const i = document.querySelector<HTMLImageElement>("#log .file-image img");
        return i !== null && i.complete && i.naturalWidth > 0;
      });
      const shown = await img.evaluate((i: HTMLImageElement) => ({
        src: i.getAttribute("src"),
        alt: i.alt,
        natural: [i.naturalWidth, i.naturalHeight],
        height: i.getBoundingClientRect().height,
      }));
      assert.equal(shown.src, new URL(f.url).pathname);
      assert.equal(shown.alt, f.name);
      assert.deepEqual(shown.natural, [640, 400]);
      assert.ok(shown.height > 20 && shown.height <= 161, `thumbnail height ${shown.height}`);

      // a click opens it full size; Escape closes
      await alice.page.getByRole("link", { name: new RegExp(`^${f.name} .*open full size$`) })
        .click();
      const viewer = alice.page.locator("#viewer");
      await viewer.waitFor({ state: "visible" });
      assert.equal(await alice.page.locator("#viewer-title").textContent(), f.name);
      await alice.page.waitForFunction(() =>
        document.querySelector<HTMLImageElement>("#viewer .viewer-img")?.naturalWidth === 640
      );
      const big = await alice.page.locator("#viewer .viewer-img").evaluate((i) =>
        i.getBoundingClientRect().width
      );
      assert.ok(big > 400, `the overlay shows it large (${big}px wide)`);
      assert.equal(
        await alice.page.locator("#viewer-open").getAttribute("href"),
        new URL(f.url).pathname,
      );
      await alice.page.keyboard.press("Escape");
      await viewer.waitFor({ state: "hidden" });
      assert.equal(await alice.page.locator("#viewer img").count(), 0, "closed, it holds no image");

      // the file itself is served inline (an image), with the sandboxing CSP
      const res = await fetch(server.http + new URL(f.url).pathname);
      assert.match(res.headers.get("content-disposition") ?? "", /^inline/);
      assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), png);

      // another page sees it from history as a thumbnail as well
      const carol = await open(browser, server);
      await join(carol, "carol");
      await carol.page.waitForFunction(() => {
        const i = document.querySelector<HTMLImageElement>("#log .file-image img");
        return i !== null && i.complete && i.naturalWidth === 640;
      });
      // text pastes as text still
      await carol.page.locator("#text").focus();
      await carol.page.evaluate(() => {
        const dt = new DataTransfer();
        dt.setData("text/plain", "plain words");
        const e = new ClipboardEvent("paste", {
          clipboardData: dt,
          bubbles: true,
          cancelable: true,
        });
        document.getElementById("text")!.dispatchEvent(e);
        if (!e.defaultPrevented) {
          (document.getElementById("text") as HTMLInputElement).value = "plain words";
        }
      });
      assert.equal(await carol.page.locator("#text").inputValue(), "plain words");
      noProblems([alice, carol]);
    }),
);

browserTest(
  "refusals show the server's reason: too large for --max-file-size 1k, and a failed PUT",
  (browser: Browser) =>
    withServer(["--max-file-size", "1k"], async (server, clients) => {
      const alice = await open(browser, server);
      await join(alice, "alice");
      const { client: bob } = await joinJson(server.port, "bob");
      clients.push(bob);
      await alice.page.locator("#file-input").setInputFiles({
        name: "big.bin",
        mimeType: "application/octet-stream",
        buffer: Buffer.from(bytesOf(2000)),
      });
      const error = alice.page.locator("#uploads .upload.failed .upload-error");
      await error.waitFor();
      assert.equal(
        await error.textContent(),
        "big.bin is 2.0 kB: this server takes files up to 1.0 kB (--max-file-size); share a link instead",
      );
      assert.equal(await error.getAttribute("role"), "alert");
      assert.equal(await alice.page.locator("#log li.msg.file").count(), 0);
      await alice.page.getByRole("button", { name: "Dismiss the error about big.bin" }).click();
      assert.ok(await alice.page.locator("#uploads").isHidden());

      // the PUT's own refusal (here: a full disk, faked) is shown as the server worded it
      await alice.page.route("**/files/upload/*", (route) =>
        route.fulfill({
          status: 507,
          contentType: "text/plain",
          body: "upload failed: no space left on the server's disk\n",
        }));
      await alice.page.locator("#file-input").setInputFiles({
        name: "small.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("tiny"),
      });
      await error.waitFor();
      assert.equal(await error.textContent(), "upload failed: no space left on the server's disk");
      await alice.page.unroute("**/files/upload/*");

      // within the limit, the same page shares fine
      await alice.page.locator("#file-input").setInputFiles({
        name: "ok.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("fits"),
      });
      assert.equal((await fileMessage(bob)).name, "ok.txt", "only the file that fits was shared");
      noProblems([alice], /status of 507/);
    }),
);

browserTest(
  "an upload in flight shows its progress; Cancel stops it and nothing is shared",
  (browser: Browser) =>
    withServer([], async (server, clients) => {
      const alice = await open(browser, server);
      await join(alice, "alice");
      const { client: bob } = await joinJson(server.port, "bob");
      clients.push(bob);
      // a slow link: 256 kB/s up, so 4 MB take about 16 s
      const cdp = await alice.page.context().newCDPSession(alice.page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 256 * 1024,
      });
      await alice.page.locator("#file-input").setInputFiles({
        name: "huge.iso",
        mimeType: "application/octet-stream",
        buffer: Buffer.from(bytesOf(4 << 20)),
      });
      const row = alice.page.locator("#uploads .upload");
      await row.waitFor();
      assert.equal(await row.locator(".upload-name").textContent(), "huge.iso");
      assert.equal(await row.locator(".upload-room").textContent(), "to #lobby");
      // the bar moves, and the percentage says so
      await alice.page.waitForFunction(
        () => {
          const bar = document.querySelector<HTMLProgressElement>("#uploads progress");
          return bar !== null && bar.value > 0 && bar.value < 50;
        },
        undefined,
        { timeout: 10_000 },
      );
      assert.match(await row.locator(".upload-percent").textContent() ?? "", /^\d{1,2}%$/);
      assert.equal(
        await row.locator("progress").getAttribute("aria-label"),
        "Uploading huge.iso",
      );
      await alice.page.getByRole("button", { name: "Cancel uploading huge.iso" }).click();
      assert.ok(await alice.page.locator("#uploads").isHidden(), "the row goes at once");
      // the server saw the PUT cut short and kept nothing
      await eventually(
        async () =>
          (await metrics(server.http)).value("chat_files_refused_total", { reason: "cut" }) === 1,
        5000,
        "the cut upload counted",
      );
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      // the next file goes through, and is the first (and only) file bob hears of
      await alice.page.locator("#file-input").setInputFiles({
        name: "after.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("after the cancel"),
      });
      assert.equal((await fileMessage(bob)).name, "after.txt");
      await alice.page.locator("#log li.msg.file:not(.pending)").waitFor();
      assert.deepEqual(await shownFiles(alice), [
        { name: "after.txt", image: false, pending: false },
      ]);
      assert.equal((await metrics(server.http)).value("chat_files_shared_total"), 1);
      noProblems([alice]);
    }),
);
