/// <reference lib="dom" />
// The page over HTTPS in headless Chromium: it loads with HSTS, asks for the
// room password when the server needs one, and joins over wss:// into the
// same room as a TLS netcat-style client.
import assert from "node:assert/strict";
import { browserTest, open, say, waitForLine } from "./browser_helpers.ts";
import { LineClient, waitFor } from "./helpers.ts";
import { makeCerts } from "./tls_helpers.ts";
import { startWebServer } from "./web_helpers.ts";

const certs = await makeCerts();
// Chromium trusts exactly this server's key (its SPKI hash), and nothing else new.
const spki = await (async () => {
  const pub = await new Deno.Command("sh", {
    args: [
      "-c",
      `openssl x509 -pubkey -noout -in '${certs.server.cert}' | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
    ],
  }).output();
  return new TextDecoder().decode(pub.stdout).trim();
})();
const password = `${certs.dir}/password`;
await Deno.writeTextFile(password, "tls and a password\n");

addEventListener("unload", () => Deno.removeSync(certs.dir, { recursive: true }));

browserTest(
  "the page over HTTPS asks for the room password and joins over wss://",
  async (browser) => {
    const server = await startWebServer([
      "--tls-cert",
      certs.server.cert,
      "--tls-key",
      certs.server.key,
      "--password-file",
      password,
    ]);
    let nc: LineClient | undefined;
    try {
      assert.match(server.http, /^https:\/\//);
      const tab = await open(browser, server);
      const page = tab.page;
      // the name alone is not enough: the password field appears, saying why
      const input = page.getByLabel("Your name", { exact: true });
      await input.waitFor();
      await page.keyboard.type("alice");
      await page.keyboard.press("Enter");
      await page.getByText("This room needs a password.").waitFor();
      const pw = page.getByLabel("Room password", { exact: true });
      assert.ok(await pw.isVisible());
      assert.equal(await pw.evaluate((e) => e === document.activeElement), true);
      await pw.fill("not it");
      await pw.press("Enter");
      await page.getByText("Wrong password, try again.").waitFor();
      await pw.fill("tls and a password");
      await pw.press("Enter");
      await page.locator("#chat-view").waitFor({ state: "visible" });
      await waitFor(
        () => server.stderr.some((l) => /alice joined \(wss 127\.0\.0\.1/.test(l)),
        "a wss join",
      );
      // a TLS line client in the same room
      nc = await LineClient.connectTls(server.port, certs.ca);
      await nc.line();
      await nc.send("nc");
      assert.equal(await nc.line(), "* Password:");
      await nc.send("tls and a password");
      await nc.until((l) => l.startsWith("* Welcome, nc!"));
      await waitForLine(tab, "nc joined");
      await say(tab, "hello over wss");
      assert.equal(await nc.until((l) => l.startsWith("alice:")), "alice: hello over wss");
      await nc.send("and back over tls");
      await waitForLine(tab, "nc: and back over tls");
      // the page comes with HSTS; a second page must give the password too
      const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(certs.ca)] });
      const res = await fetch(server.http.replace("127.0.0.1", "localhost") + "/", { client });
      await res.body?.cancel();
      client.close();
      assert.equal(res.headers.get("strict-transport-security"), "max-age=15552000");
      const bob = await open(browser, server);
      await bob.page.getByLabel("Your name", { exact: true }).fill("bob");
      await bob.page.getByLabel("Your name", { exact: true }).press("Enter");
      await bob.page.getByText("This room needs a password.").waitFor({ timeout: 5000 });
      assert.deepEqual(tab.problems, []);
    } finally {
      await nc?.close();
      await server.stop("SIGKILL");
    }
  },
  [`--ignore-certificate-errors-spki-list=${spki}`],
);
