// Per-address limits over real sockets: one machine (127.0.0.1) fills its
// share with idle connections while another (127.0.0.2) still joins at
// once; behind a trusted proxy the limits apply to the forwarded address;
// dead peers are dropped with reason timeout.
import assert from "node:assert/strict";
import { joinJson, joinPlain, LineClient, startServer, waitFor } from "./helpers.ts";
import { RawWebSocket, startWebServer, WsClient } from "./web_helpers.ts";
import { type ByteConn, connectFrom } from "./node_conn.ts";
import { have } from "./line_process.ts";
import { makeCerts } from "./tls_helpers.ts";

async function closeAll(clients: { close(): unknown }[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
}

Deno.test("one address gets --max-per-ip connections; more are refused naming the limit; another address joins", async () => {
  const server = await startServer(["--max-per-ip", "5", "--max-pending-per-ip", "0"]);
  const held: LineClient[] = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await joinPlain(server.port, `m${i}`));
    for (let i = 0; i < 2; i++) held.push(await LineClient.connect(server.port)); // idle, no name
    for (const c of held.slice(3)) await c.line(); // banner: they are in
    const sixth = await LineClient.connect(server.port);
    assert.equal(
      await sixth.line(),
      "! server_full: too many connections from 127.0.0.1 (the limit is 5 per address), close some and try again",
    );
    await sixth.closed();
    const other = await joinPlain(server.port, "other", "127.0.0.2");
    held.push(other);
    // a freed place can be taken again
    await held[0].close();
    await waitFor(() => server.stderr.some((l) => l.includes("m0 left")), "m0 to leave");
    held.push(await joinPlain(server.port, "again"));
  } finally {
    await closeAll(held);
    await server.stop("SIGKILL");
  }
});

Deno.test("a slow-loris from one address runs out of its small handshake budget; the rest of the world does not notice", async () => {
  const server = await startServer(["--max-pending-per-ip", "3"]);
  const held: LineClient[] = [];
  try {
    // joined members do not count as pending
    for (let i = 0; i < 4; i++) held.push(await joinPlain(server.port, `ok${i}`));
    for (let i = 0; i < 3; i++) {
      const c = await LineClient.connect(server.port);
      await c.line();
      held.push(c);
    }
    const fourth = await LineClient.connect(server.port);
    assert.match(
      await fourth.line(),
      /^! server_full: too many connections from 127\.0\.0\.1 are still joining \(the limit is 3\), finish joining on those first$/,
    );
    await fourth.closed();
    const t0 = Date.now();
    const elsewhere = await joinPlain(server.port, "elsewhere", "127.0.0.2");
    assert.ok(Date.now() - t0 < 1000);
    held.push(elsewhere);
    // a pending one that finishes its handshake frees a place
    await held[4].send("latecomer");
    await held[4].until((l) => l.startsWith("* Welcome, latecomer"));
    const c = await LineClient.connect(server.port);
    assert.equal(await c.line(), "* Welcome to chat! Enter your name:");
    held.push(c);
  } finally {
    await closeAll(held);
    await server.stop("SIGKILL");
  }
});

Deno.test("WebSockets count toward the same per-address limit", async () => {
  const server = await startWebServer(["--max-per-ip", "2"]);
  const held: { close(): unknown }[] = [];
  try {
    held.push(await joinPlain(server.port, "tcp1"));
    held.push((await WsClient.join(server.http, "ws1")).client);
    const ws = await WsClient.connect(server.http);
    held.push(ws);
    const e = await ws.next();
    assert.equal(e.code, "server_full");
    assert.match(String(e.message), /the limit is 2 per address/);
  } finally {
    await closeAll(held);
    await server.stop("SIGKILL");
  }
});

Deno.test("behind --trust-proxy the web side limits the forwarded client; an untrusted peer's header is ignored", async () => {
  const trusted = await startWebServer(["--max-per-ip", "1", "--trust-proxy", "127.0.0.1"]);
  const held: RawWebSocket[] = [];
  try {
    const viaProxy = (client: string) =>
      RawWebSocket.open(trusted.webPort, { "X-Forwarded-For": `${client}, 127.0.0.1` });
    const a = await viaProxy("203.0.113.7");
    held.push(a);
    assert.equal(a.status, 101);
    await a.sendText(JSON.stringify({ type: "hello", name: "a" }));
    await waitFor(() => trusted.stderr.some((l) => /a joined \(wss? 203\.0\.113\.7/.test(l)), "a");
    const b = await viaProxy("203.0.113.7");
    held.push(b);
    await waitFor(
      () => trusted.stderr.some((l) => l.includes("too many connections from 203.0.113.7")),
      "the second connection of 203.0.113.7 to be refused",
    );
    const c = await viaProxy("198.51.100.1");
    held.push(c);
    await c.sendText(JSON.stringify({ type: "hello", name: "c" }));
    await waitFor(() => trusted.stderr.some((l) => /c joined \(wss? 198\.51\.100\.1/.test(l)), "c");
  } finally {
    held.forEach((c) => c.close());
    await trusted.stop("SIGKILL");
  }
  const untrusted = await startWebServer([]);
  try {
    const r = await RawWebSocket.open(untrusted.webPort, { "X-Forwarded-For": "203.0.113.9" });
    await r.sendText(JSON.stringify({ type: "hello", name: "d" }));
    await waitFor(() => untrusted.stderr.some((l) => /d joined \(ws 127\.0\.0\.1:/.test(l)), "d");
    r.close();
  } finally {
    await untrusted.stop("SIGKILL");
  }
});

Deno.test("a WebSocket that stops answering pings, and a JSON client that stops pinging, leave with reason timeout", async () => {
  const server = await startWebServer(["--ping-timeout", "15"]);
  const held: { close(): unknown }[] = [];
  try {
    const { client: watcher } = await joinJson(server.port, "watcher");
    held.push(watcher);
    // the raw socket never reads, so it never answers the server's pings
    const ghost = await RawWebSocket.open(server.webPort);
    held.push(ghost);
    await ghost.sendText(JSON.stringify({ type: "hello", name: "ghost" }));
    const { client: quiet } = await joinJson(server.port, "quiet");
    held.push(quiet);
    await quiet.sendJson({ type: "ping" }); // from now on it is expected to keep pinging
    const t0 = Date.now();
    const reasons = new Map<string, string>();
    while (reasons.size < 2) {
      const e = await watcher.event("leave", 40000);
      reasons.set(String(e.name), String(e.reason));
    }
    assert.deepEqual(Object.fromEntries(reasons), { ghost: "timeout", quiet: "timeout" });
    assert.ok(Date.now() - t0 < 35000);
    // a client that never pinged is not held to it (TCP keepalive watches it)
    await watcher.sendJson({ type: "who" });
    assert.deepEqual((await watcher.event("members")).names, ["watcher"]);
  } finally {
    await closeAll(held);
    await server.stop("SIGKILL");
  }
});

Deno.test("a WebSocket client that never answers the server's close frame loses its socket, not the server's limits", async () => {
  const server = await startWebServer(["--handshake-timeout", "1", "--max-per-ip", "5"]);
  const zombies: RawWebSocket[] = [];
  try {
    // never a hello, never a read: each gets the timeout notice and a close frame it ignores
    for (let i = 0; i < 5; i++) zombies.push(await RawWebSocket.open(server.webPort));
    const t0 = Date.now();
    // bounded: a socket still open after 10 s is closed by us, and fails the test below
    const bound = setTimeout(() => zombies.forEach((z) => z.close()), 10000);
    const eofs = await Promise.all(zombies.map(async (z) => {
      const buf = new Uint8Array(4096);
      try {
        while ((await z.conn.read(buf)) !== null) { /* the notice and the close frame */ }
      } catch {
        // reset: closed too
      }
      return Date.now() - t0;
    }));
    clearTimeout(bound);
    assert.ok(Math.max(...eofs) < 8000, `cut after ${eofs} ms`);
    // their places are free again: five more from the same address get in
    const { client } = await WsClient.join(server.http, "after");
    await client.close();
  } finally {
    zombies.forEach((z) => z.close());
    await server.stop("SIGKILL");
  }
});

/** `GET /` over a fresh connection from `from` (TLS when `ca` is given): status line and body. */
async function rawGet(port: number, from: string, ca?: string) {
  const conn = await connectFrom(
    from,
    port,
    ca === undefined ? undefined : await Deno.readTextFile(ca),
  );
  await conn.write(
    new TextEncoder().encode("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
  );
  return await readAnswer(conn);
}

/** Reads an HTTP answer to its end (the server closes after it): status line and body. */
async function readAnswer(conn: ByteConn) {
  const buf = new Uint8Array(64 * 1024);
  let text = "";
  const decoder = new TextDecoder();
  while (true) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += decoder.decode(buf.subarray(0, n), { stream: true });
  }
  conn.close();
  const [head, ...body] = text.split("\r\n\r\n");
  return { status: head.split("\r\n")[0], head, body: body.join("\r\n\r\n") };
}

Deno.test("the web port: idle HTTP connections use the joining budget, a request ends it, refusals get a 503 naming the limit", async () => {
  const server = await startWebServer(["--max-per-ip", "4", "--max-pending-per-ip", "2"]);
  const held: { close(): unknown }[] = [];
  try {
    // A slow-loris: two sockets that never send a byte.
    for (let i = 0; i < 2; i++) {
      held.push(await Deno.connect({ hostname: "127.0.0.1", port: server.webPort }));
    }
    const refused = await rawGet(server.webPort, "127.0.0.1");
    assert.equal(refused.status, "HTTP/1.1 503 Service Unavailable");
    assert.equal(
      refused.body,
      "server_full: too many connections from 127.0.0.1 are still joining (the limit is 2), finish joining on those first\n",
    );
    await waitFor(
      () =>
        server.stderr.some((l) =>
          /WARN {2}refused a web connection: too many .* still joining/.test(l)
        ),
      "the refusal in the log",
    );
    // Another machine is served at once.
    const t0 = Date.now();
    const other = await rawGet(server.webPort, "127.0.0.2");
    assert.equal(other.status, "HTTP/1.1 200 OK");
    assert.ok(Date.now() - t0 < 1000, `127.0.0.2 waited ${Date.now() - t0} ms`);
    // A request on one of the idle sockets ends its joining: a place is free again.
    const idle = held[0] as Deno.TcpConn;
    await idle.write(new TextEncoder().encode("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    const buf = new Uint8Array(4096);
    assert.match(
      new TextDecoder().decode(buf.subarray(0, (await idle.read(buf))!)),
      /^HTTP\/1.1 200/,
    );
    assert.equal((await rawGet(server.webPort, "127.0.0.1")).status, "HTTP/1.1 200 OK");
    // One budget over every port: 2 chat members + 2 web connections = the 4 per address.
    held.push(await joinPlain(server.port, "tcp1"), await joinPlain(server.port, "tcp2"));
    const full = await rawGet(server.webPort, "127.0.0.1");
    assert.equal(full.status, "HTTP/1.1 503 Service Unavailable");
    assert.match(
      full.body,
      /^server_full: too many connections from 127\.0\.0\.1 \(the limit is 4 per address\)/,
    );
    const tcp = await LineClient.connect(server.port);
    held.push(tcp);
    assert.match(await tcp.line(), /^! server_full: .*the limit is 4 per address/);
    // A WebSocket over the limit is told server_full, as on the chat port.
    const ws = await WsClient.connect(server.http);
    held.push(ws);
    const e = await ws.next();
    assert.equal(e.code, "server_full");
    assert.match(String(e.message), /the limit is 4 per address/);
  } finally {
    await closeAll(held);
    await server.stop("SIGKILL");
  }
});

Deno.test({
  name:
    "the TLS ports: per-address and joining limits, told after the handshake; another address joins at once",
  ignore: !have("openssl", ["version"]),
  async fn() {
    const certs = await makeCerts();
    const tls = ["--tls-cert", certs.server.cert, "--tls-key", certs.server.key];
    const server = await startWebServer([...tls, "--max-per-ip", "3", "--max-pending-per-ip", "2"]);
    const held: { close(): unknown }[] = [];
    try {
      // Two sockets that never start their TLS handshake fill the joining budget.
      for (let i = 0; i < 2; i++) {
        held.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
      }
      const third = await LineClient.connectTls(server.port, certs.ca);
      held.push(third);
      assert.match(
        await third.line(),
        /^! server_full: too many connections from 127\.0\.0\.1 are still joining \(the limit is 2\)/,
      );
      const https = await rawGet(server.webPort, "127.0.0.1", certs.ca);
      assert.equal(https.status, "HTTP/1.1 503 Service Unavailable");
      assert.match(https.body, /^server_full: .* still joining \(the limit is 2\)/);
      const t0 = Date.now();
      const other = await LineClient.connectTls(server.port, certs.ca, "127.0.0.2");
      held.push(other);
      assert.equal(await other.line(), "* Welcome to chat! Enter your name:");
      assert.ok(Date.now() - t0 < 1000, `127.0.0.2 waited ${Date.now() - t0} ms`);
      assert.equal((await rawGet(server.webPort, "127.0.0.2", certs.ca)).status, "HTTP/1.1 200 OK");
      // The idle ones go; three members fill the per-address budget.
      for (const c of held.splice(0, 2)) c.close();
      const deadline = Date.now() + 3000;
      for (let i = 0; i < 3; i++) {
        const c = await LineClient.connectTls(server.port, certs.ca);
        held.push(c);
        const first = await c.line();
        if (/still joining/.test(first) && Date.now() < deadline) {
          i--; // the server has not seen the idle ones close yet
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        assert.equal(first, "* Welcome to chat! Enter your name:");
        await c.send(`m${i}`);
        await c.until((l) => l.startsWith("* Welcome, "));
      }
      const fourth = await LineClient.connectTls(server.port, certs.ca);
      held.push(fourth);
      assert.match(await fourth.line(), /^! server_full: .*\(the limit is 3 per address\)/);
      assert.match(
        (await rawGet(server.webPort, "127.0.0.1", certs.ca)).body,
        /\(the limit is 3 per address\)/,
      );
    } finally {
      await closeAll(held);
      await server.stop("SIGKILL");
      await certs.remove();
    }
  },
});
