// TLS on the TCP port, end to end: `chat join --tls --ca`, ncat --ssl and
// openssl s_client in one room; certificates that do not verify are refused
// with a reason; plain bytes on the TLS port; SIGHUP reloads; bad pairs stop
// the server before it listens.
import assert from "node:assert/strict";
import { LineClient, REPO_ROOT, type ServerProcess, startServer, waitFor } from "./helpers.ts";
import { runJoinPiped } from "./join_helpers.ts";
import { have, LineProcess } from "./line_process.ts";
import { type Certs, makeCerts } from "./tls_helpers.ts";
import { startWebServer } from "./web_helpers.ts";
import { connectFrom } from "./node_conn.ts";
import { ASSETS } from "../web/assets.gen.ts";

const HAVE_TOOLS = have("openssl", ["version"]) && have("ncat");
if (!HAVE_TOOLS) {
  console.warn("SKIPPING TLS tests: they need openssl and ncat (apt-get install openssl ncat)");
}

async function withTls(
  extra: string[],
  fn: (server: ServerProcess, certs: Certs) => Promise<void>,
  pair?: (c: Certs) => { cert: string; key: string },
): Promise<void> {
  const certs = await makeCerts();
  const p = pair ? pair(certs) : certs.server;
  const server = await startServer(["--tls-cert", p.cert, "--tls-key", p.key, ...extra]);
  try {
    await fn(server, certs);
  } finally {
    await server.stop("SIGKILL");
    await certs.remove();
  }
}

async function joinTls(port: number, ca: string, name: string): Promise<LineClient> {
  const c = await LineClient.connectTls(port, ca);
  await c.line(); // banner
  await c.send(name);
  await c.until((l) => l.startsWith("* Welcome,"));
  return c;
}

Deno.test({
  name: "chat join --tls --ca, ncat --ssl and openssl s_client chat in one room over TLS",
  ignore: !HAVE_TOOLS,
  async fn() {
    await withTls([], async (server, certs) => {
      assert.match(server.stdout[0], /^chat listening on tls:\/\/127\.0\.0\.1:\d+$/);
      const ncat = new LineProcess("ncat", [
        "--ssl",
        "--ssl-verify",
        "--ssl-trustfile",
        certs.ca,
        "localhost",
        String(server.port),
      ]);
      const sclient = new LineProcess("openssl", [
        "s_client",
        "-quiet",
        "-verify_return_error",
        "-verify_hostname",
        "localhost",
        "-CAfile",
        certs.ca,
        "-connect",
        `127.0.0.1:${server.port}`,
      ]);
      try {
        await ncat.until((l) => l.includes("Enter your name"), "ncat's banner");
        await ncat.send("nc");
        await ncat.until((l) => l.startsWith("* Welcome, nc!"), "ncat's welcome");
        await sclient.until((l) => l.includes("Enter your name"), "s_client's banner");
        await sclient.send("ossl");
        await sclient.until((l) => l.startsWith("* Welcome, ossl!"), "s_client's welcome");
        const r = await runJoinPiped([
          "--name",
          "ci",
          "--host",
          "localhost",
          "--port",
          String(server.port),
          "--ca",
          certs.ca,
        ], "hello over tls\n");
        assert.equal(r.code, 0, r.stderr);
        await ncat.until((l) => l === "ci: hello over tls", "the join message at ncat");
        await sclient.until((l) => l === "ci: hello over tls", "the join message at s_client");
        await ncat.send("hi from ncat");
        await sclient.until((l) => l === "nc: hi from ncat", "ncat's message at s_client");
      } finally {
        await ncat.stop();
        await sclient.stop();
      }
    });
  },
});

Deno.test({
  name: "chat join --tls trusts the system's roots: a CA in SSL_CERT_FILE's bundle needs no --ca",
  ignore: !HAVE_TOOLS,
  async fn() {
    await withTls([], async (server, certs) => {
      const join = (env: Record<string, string>) =>
        runJoinPiped(
          ["--name", "ci", "--host", "localhost", "--port", String(server.port), "--tls"],
          "hello\n",
          20000,
          env,
        );
      // A system-style bundle: some other root, then the private CA.
      const bundle = `${certs.dir}/ca-certificates.crt`;
      const pem = (f: string) => Deno.readTextFile(f);
      await Deno.writeTextFile(bundle, (await pem(certs.ca2)) + (await pem(certs.ca)));
      let r = await join({ SSL_CERT_FILE: bundle });
      assert.equal(r.code, 0, r.stderr);
      // without the CA in it, the same server is an unknown issuer
      await Deno.writeTextFile(bundle, await pem(certs.ca2));
      r = await join({ SSL_CERT_FILE: bundle });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /unknown issuer/);
      // a bundle that is not there is named
      r = await join({ SSL_CERT_FILE: `${certs.dir}/nope.crt` });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot read SSL_CERT_FILE .*nope\.crt: no such file/);
    });
  },
});

Deno.test({
  name: "a certificate that does not verify is refused with why and what to do",
  ignore: !HAVE_TOOLS,
  async fn() {
    const join = (port: number, ...args: string[]) =>
      runJoinPiped(["--name", "ci", "--host", "localhost", "--port", String(port), ...args], "x\n");
    await withTls([], async (server, certs) => {
      // no --ca: the private CA is unknown to this machine
      let r = await join(server.port, "--tls");
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /unknown issuer\): for a private CA or a self-signed certificate, pass it with --ca FILE/,
      );
      assert.doesNotMatch(r.stderr, /Is chat serve running/);
      // the wrong CA
      r = await join(server.port, "--ca", certs.ca2);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not signed by the CA in --ca/);
      // the right CA works, by IP address too (the certificate names 127.0.0.1)
      r = await runJoinPiped(
        ["--name", "ci", "--port", String(server.port), "--ca", certs.ca],
        "x\n",
      );
      assert.equal(r.code, 0, r.stderr);
    });
    await withTls([], async (server, certs) => {
      const r = await join(server.port, "--ca", certs.ca);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /certificate is not for localhost \(it is for example\.org\): connect with --host/,
      );
    }, (c) => c.wrongHost);
    await withTls([], async (server, certs) => {
      const r = await join(server.port, "--ca", certs.ca);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /certificate has expired: its operator must renew it/);
      assert.ok(server.stderr.some((l) => /WARN .*expired on/.test(l)), server.stderr.join("\n"));
    }, (c) => c.expired);
    // a self-signed pair made as the README says is trusted with --ca itself
    await withTls([], async (server, certs) => {
      const r = await join(server.port, "--ca", certs.selfSigned.cert);
      assert.equal(r.code, 0, r.stderr);
    }, (c) => c.selfSigned);
  },
});

Deno.test({
  name: "plain bytes to the TLS port get no banner and are closed quickly; the server carries on",
  ignore: !HAVE_TOOLS,
  async fn() {
    await withTls(["--handshake-timeout", "2"], async (server, certs) => {
      const plain = await LineClient.connect(server.port);
      const t0 = Date.now();
      await plain.send("bob");
      await plain.send("hello, is this chat?");
      await plain.closed(3000);
      assert.ok(Date.now() - t0 < 2000, `closed after ${Date.now() - t0} ms`);
      // at most a TLS alert record (binary, 0x15 ...), never the banner or any text
      assert.ok(plain.buffered.every((l) => !l.includes("Welcome")), plain.buffered.join("|"));
      const bob = await joinTls(server.port, certs.ca, "bob");
      await bob.send("/who");
      assert.match(await bob.until((l) => l.includes("online")), /1 online: bob/);
      await bob.close();
      // chat join without --tls is told what may be wrong
      const r = await runJoinPiped(["--name", "x", "--port", String(server.port)], "", 25000);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(if it uses TLS, add --tls\)/);
    });
  },
});

Deno.test({
  name: "a TLS handshake that does not finish within the handshake timeout is closed",
  ignore: !HAVE_TOOLS,
  async fn() {
    await withTls(["--handshake-timeout", "1"], async (server) => {
      const idle = await LineClient.connect(server.port); // TCP only, no ClientHello
      const t0 = Date.now();
      await idle.closed(5000);
      const took = Date.now() - t0;
      assert.ok(took >= 800 && took < 3000, `closed after ${took} ms`);
    });
  },
});

Deno.test({
  name:
    "SIGHUP loads a new certificate for new connections; existing ones stay; a broken pair is refused and the old kept",
  ignore: !HAVE_TOOLS,
  async fn() {
    const certs = await makeCerts();
    const live = `${certs.dir}/live`;
    await Deno.mkdir(live);
    const use = async (p: { cert: string; key: string }) => {
      await Deno.copyFile(p.cert, `${live}/cert.pem`);
      await Deno.copyFile(p.key, `${live}/key.pem`);
    };
    await use(certs.server);
    const server = await startWebServer([
      "--tls-cert",
      `${live}/cert.pem`,
      "--tls-key",
      `${live}/key.pem`,
    ]);
    const https = server.http.replace("127.0.0.1", "localhost");
    const clients = [certs.ca, certs.ca2].map(async (f) =>
      Deno.createHttpClient({ caCerts: [await Deno.readTextFile(f)] })
    );
    const [viaCa, viaCa2] = await Promise.all(clients);
    try {
      const alice = await joinTls(server.port, certs.ca, "alice");
      // and a member over wss://, on the web port
      const wss = await wssMember(server.webPort, await Deno.readTextFile(certs.ca), "walice");
      assert.equal((await fetch(`${https}/healthz`, { client: viaCa })).status, 200);
      await use(certs.server2);
      server.child.kill("SIGHUP");
      await waitFor(
        () => server.stderr.some((l) => l.includes("reloaded the TLS certificate")),
        "the reload",
      );
      // new connections get the new certificate (signed by the second CA) ...
      const bob = await joinTls(server.port, certs.ca2, "bob");
      await assert.rejects(LineClient.connectTls(server.port, certs.ca), /UnknownIssuer/);
      // ... on the web port too ...
      assert.equal((await fetch(`${https}/healthz`, { client: viaCa2 })).status, 200);
      // (a client of its own: viaCa may keep its connection from before, which stays)
      const fresh = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(certs.ca)] });
      await assert.rejects(fetch(`${https}/healthz`, { client: fresh }), (err: Error) => {
        assert.match(String(err.cause ?? err), /UnknownIssuer/);
        return true;
      });
      fresh.close();
      // ... and the connections made before the reload were not dropped
      await alice.send("still here");
      assert.equal(await bob.until((l) => l.startsWith("alice:")), "alice: still here");
      await waitFor(() => wss.received().includes("still here"), "the wss member to hear alice");
      wss.send({ type: "say", text: "wss still here" });
      assert.equal(await bob.until((l) => l.startsWith("walice:")), "walice: wss still here");
      wss.close();
      // a broken file: logged, the pair loaded before is kept
      await Deno.writeTextFile(`${live}/cert.pem`, "not a certificate\n");
      server.child.kill("SIGHUP");
      await waitFor(
        () =>
          server.stderr.some((l) =>
            /ERROR .*holds no PEM certificate.*keeping the certificate loaded before/.test(l)
          ),
        "the failed reload's log line",
      );
      const carol = await joinTls(server.port, certs.ca2, "carol");
      await carol.send("hi");
      assert.equal(await alice.until((l) => l.startsWith("carol:")), "carol: hi");
      for (const c of [alice, bob, carol]) await c.close();
      assert.ok(!server.stderr.some((l) => /BUG|Uncaught/.test(l)), server.stderr.join("\n"));
    } finally {
      viaCa.close();
      viaCa2.close();
      await server.stop("SIGKILL");
      await certs.remove();
    }
  },
});

/**
 * A member over wss:// by hand (Deno's WebSocket cannot be given a CA):
 * joins as `name`; `received` is every text the server sent so far.
 */
async function wssMember(port: number, ca: string, name: string) {
  const conn = await connectFrom("127.0.0.1", port, ca);
  const enc = new TextEncoder();
  await conn.write(enc.encode(
    `GET /ws HTTP/1.1\r\nHost: localhost:${port}\r\nUpgrade: websocket\r\n` +
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
      "Sec-WebSocket-Version: 13\r\n\r\n",
  ));
  let text = "";
  const buf = new Uint8Array(65536);
  const reading = (async () => {
    for (let n; (n = await conn.read(buf)) !== null;) {
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  })();
  const send = (o: unknown) => {
    // One masked text frame, as a client must send (short texts only).
    const payload = enc.encode(JSON.stringify(o));
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const frame = new Uint8Array([0x81, 0x80 | payload.length, ...mask, ...payload]);
    for (let i = 0; i < payload.length; i++) frame[6 + i] ^= mask[i & 3];
    conn.write(frame);
  };
  await waitFor(() => text.includes("\r\n\r\n"), "the upgrade's answer");
  assert.match(text, /^HTTP\/1\.1 101/);
  send({ type: "hello", name, reserve: false });
  await waitFor(() => text.includes(`"welcome"`), `${name}'s welcome`);
  return {
    send,
    received: () => text,
    close: () => (conn.close(), reading),
  };
}

Deno.test({
  name: "a missing, unreadable or mismatched certificate or key stops the server before it listens",
  ignore: !HAVE_TOOLS,
  async fn() {
    const certs = await makeCerts();
    const serve = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${REPO_ROOT}main.ts`,
          "serve",
          "--port",
          "0",
          "--no-web",
          "--db",
          ":memory:",
          ...args,
        ],
        stdin: "null",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    };
    try {
      const { cert, key } = certs.server;
      const cases: [string[], RegExp][] = [
        [
          ["--tls-cert", `${certs.dir}/nope.pem`, "--tls-key", key],
          /cannot read --tls-cert .*nope\.pem: no such file/,
        ],
        [
          ["--tls-cert", cert, "--tls-key", certs.dir],
          /cannot read --tls-key .*: it is a directory/,
        ],
        [
          ["--tls-cert", cert, "--tls-key", certs.server2.key],
          /--tls-key .*server2\.key does not match the certificate in --tls-cert .*server\.crt/,
        ],
        [
          ["--tls-cert", key, "--tls-key", key],
          /--tls-cert .*server\.key holds no PEM certificate/,
        ],
        [
          ["--tls-cert", cert, "--tls-key", cert],
          /--tls-key .*server\.crt holds no PEM private key/,
        ],
      ];
      for (const [args, re] of cases) {
        const r = await serve(...args);
        assert.equal(r.code, 1, args.join(" "));
        assert.equal(r.stdout, "", "nothing listened");
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], re);
      }
      const half = await serve("--tls-cert", cert);
      assert.equal(half.code, 2);
      assert.match(half.stderr, /--tls-cert needs --tls-key too/);
    } finally {
      await certs.remove();
    }
  },
});

Deno.test({
  name:
    "CHAT_TLS_CERT/CHAT_TLS_KEY start TLS; HTTPS serves large responses intact, with Strict-Transport-Security",
  ignore: !HAVE_TOOLS,
  async fn() {
    const certs = await makeCerts();
    // The pair from the environment, not from flags.
    const server = await startWebServer([], {
      env: { CHAT_TLS_CERT: certs.server.cert, CHAT_TLS_KEY: certs.server.key },
    });
    const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(certs.ca)] });
    try {
      assert.match(server.stdout[0], /^chat listening on tls:\/\/127\.0\.0\.1:\d+$/);
      assert.match(server.stdout[1], /^chat web on https:\/\//);
      const url = server.http.replace("127.0.0.1", "localhost");
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${url}/app.js`, { client });
        assert.equal(res.headers.get("strict-transport-security"), "max-age=15552000");
        assert.equal(await res.text(), ASSETS["/app.js"].body);
      }
      const lineClient = await LineClient.connectTls(server.port, certs.ca);
      assert.equal(await lineClient.line(), "* Welcome to chat! Enter your name:");
      await lineClient.close();
    } finally {
      client.close();
      await server.stop("SIGKILL");
      await certs.remove();
    }
  },
});
