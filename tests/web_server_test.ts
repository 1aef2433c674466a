// The HTTP side over real sockets: the WebSocket speaks JSON mode through
// the same sessions as TCP, /healthz and /metrics report what happens.
import assert from "node:assert/strict";
import { joinPlain, LineClient } from "./helpers.ts";
import {
  eventually,
  healthz,
  metrics,
  RawWebSocket,
  startWebServer,
  WsClient,
} from "./web_helpers.ts";

Deno.test("a WebSocket client and a netcat-style client chat in both directions", async () => {
  const server = await startWebServer();
  try {
    const { client: alice, welcome } = await WsClient.join(server.http, "alice");
    assert.deepEqual(welcome.members, ["alice"]);
    const bob = await joinPlain(server.port, "bob");
    assert.equal((await alice.event("join")).name, "bob");

    await bob.send("hello from tcp");
    const m = await alice.event("message");
    assert.equal(m.from, "bob");
    assert.equal(m.text, "hello from tcp");

    alice.send({ type: "say", text: "hello from the web", ref: "r1" });
    const ack = await alice.event("ack");
    assert.equal(ack.ref, "r1");
    assert.equal(ack.seq, (m.seq as number) + 1);
    assert.equal(await bob.until((l) => l.startsWith("alice")), "alice: hello from the web");

    alice.send({ type: "me", text: "waves" });
    assert.equal(await bob.until((l) => l.includes("waves")), "* alice waves");
    alice.send({ type: "dm", to: "bob", text: "psst", ref: "d1" });
    assert.equal(await bob.until((l) => l.includes("psst")), "(private) alice: psst");
    const echo = await alice.event("dm");
    assert.equal(echo.to, "bob");
    assert.equal(echo.ref, "d1");

    await bob.send("/msg alice back at you");
    const dm = await alice.event("dm");
    assert.equal(dm.from, "bob");
    assert.equal(dm.text, "back at you");

    await bob.close();
    const leave = await alice.event("leave");
    assert.equal(leave.name, "bob");
    await alice.close();
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

Deno.test("the banner is a JSON notice; before hello, anything else is a bad_request", async () => {
  const server = await startWebServer();
  try {
    const c = await WsClient.connect(server.http);
    assert.deepEqual(await c.next(), {
      type: "notice",
      text: "Welcome to chat! Enter your name:",
    });
    // A WebSocket is always JSON mode: a plain line is not taken as a name.
    c.send("carol");
    assert.equal((await c.next()).code, "bad_request");
    c.send({ type: "say", text: "hi" });
    const e = await c.next();
    assert.equal(e.code, "bad_request");
    assert.match(e.message as string, /hello/);
    c.send({ type: "hello", name: "bad name" });
    assert.equal((await c.next()).code, "bad_name");
    c.send({ type: "hello", name: "carol" });
    assert.equal((await c.next()).type, "welcome");
    await c.close();
  } finally {
    await server.stop();
  }
});

Deno.test("binary and over-long frames are refused and the connection goes on", async () => {
  const server = await startWebServer(["--max-line", "100"]);
  try {
    const { client } = await WsClient.join(server.http, "dave");
    client.send({ type: "say", text: "x".repeat(200) });
    assert.equal((await client.next()).code, "line_too_long");
    client.ws.send(new Uint8Array([1, 2, 3]));
    assert.equal((await client.next()).code, "bad_request");
    client.send("{not json");
    assert.equal((await client.next()).code, "bad_request");
    client.send({ type: "say", text: "still here", ref: "ok" });
    assert.equal((await client.event("ack")).ref, "ok");
    await client.close();
  } finally {
    await server.stop();
  }
});

Deno.test("a WebSocket from another site's page is refused; ours and non-browsers get in", async () => {
  const server = await startWebServer();
  try {
    const evil = await RawWebSocket.open(server.webPort, { Origin: "http://evil.example" });
    assert.equal(evil.status, 403);
    evil.close();
    const sneaky = await RawWebSocket.open(server.webPort, {
      Origin: `http://127.0.0.1:${server.webPort + 1}`,
    });
    assert.equal(sneaky.status, 403);
    sneaky.close();
    const ours = await RawWebSocket.open(server.webPort, {
      Origin: `http://127.0.0.1:${server.webPort}`,
    });
    assert.equal(ours.status, 101);
    ours.close();
    const bot = await RawWebSocket.open(server.webPort);
    assert.equal(bot.status, 101);
    bot.close();
  } finally {
    await server.stop();
  }
});

Deno.test("the page is served with a CSP that forbids inline script", async () => {
  const server = await startWebServer();
  try {
    for (const path of ["/", "/app.js", "/style.css"]) {
      const res = await fetch(server.http + path);
      const body = await res.text();
      assert.equal(res.status, 200, path);
      assert.ok(body.length > 100, path);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self';/);
      assert.match(csp, /style-src 'self';/);
      assert.match(csp, new RegExp(`connect-src 'self' ws://127\\.0\\.0\\.1:${server.webPort}`));
      assert.doesNotMatch(csp, /unsafe/);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    }
    const html = await (await fetch(server.http + "/")).text();
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, "no inline script");
    assert.doesNotMatch(html, /https?:\/\//, "nothing from outside the server");
    const missing = await fetch(server.http + "/nope");
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const post = await fetch(server.http + "/", { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
    const plainWs = await fetch(server.http + "/ws");
    assert.equal(plainWs.status, 426);
    await plainWs.body?.cancel();
  } finally {
    await server.stop();
  }
});

Deno.test("a WebSocket client that stops reading is dropped as slow and nobody waits", async () => {
  const server = await startWebServer(["--rate-limit", "0", "--max-outbox", "1m"]);
  try {
    const stuck = await RawWebSocket.open(server.webPort);
    assert.equal(stuck.status, 101);
    await stuck.sendText(JSON.stringify({ type: "hello", name: "stuck" }));
    // stuck never reads again
    const { client: watcher } = await WsClient.join(server.http, "watcher");
    const flood = await joinPlain(server.port, "flood");
    await eventually(async () => (await healthz(server.http)).members === 3, 5000, "3 members");
    // 10 MB: more than the stuck socket's kernel buffers and its outbox hold.
    const N = 5000;
    const text = "y".repeat(2000);
    const sending = flood.sendRaw(Array.from({ length: N }, (_, i) => `${i} ${text}\n`).join(""));
    let leave: Record<string, unknown> | undefined;
    let got = 0;
    for (let i = 0; i < N + 10 && got < N; i++) {
      const e = await watcher.next(10000);
      if (e.type === "message") {
        assert.equal(e.text, `${got} ${text}`);
        got++;
      } else if (e.type === "leave") leave = e;
    }
    await sending;
    assert.equal(got, N, "the watcher got every message");
    leave ??= await watcher.event("leave");
    assert.equal(leave.name, "stuck");
    assert.equal(leave.reason, "slow");
    const m = await metrics(server.http);
    assert.equal(m.value("chat_slow_drops_total", { transport: "ws" }), 1);
    assert.equal(m.value("chat_members"), 2);
    stuck.close();
    await watcher.close();
    await flood.close();
  } finally {
    await server.stop();
  }
});

Deno.test("flood control paces WebSocket frames without losing any", async () => {
  const server = await startWebServer(["--rate-limit", "200:5"]);
  try {
    const { client } = await WsClient.join(server.http, "eve");
    const plain = await joinPlain(server.port, "frank");
    for (let i = 0; i < 30; i++) client.send({ type: "say", text: `n${i}`, ref: `${i}` });
    let told = 0;
    for (let acked = 0; acked < 30;) {
      const e = await client.next();
      if (e.type === "error" && e.code === "rate_limited") told++;
      else if (e.type === "ack") assert.equal(e.ref, String(acked++));
    }
    assert.equal(told, 1);
    for (let i = 0; i < 30; i++) assert.equal(await plain.line(), `eve: n${i}`);
    const m = await metrics(server.http);
    assert.ok(m.value("chat_rate_limited_total", { transport: "ws" }) >= 1);
    await client.close();
    await plain.close();
  } finally {
    await server.stop();
  }
});

Deno.test("a WebSocket client that sends far beyond its rate is disconnected", async () => {
  const server = await startWebServer(["--rate-limit", "1:1"]);
  try {
    const { client } = await WsClient.join(server.http, "spammer");
    for (let i = 0; i < 1200; i++) client.send({ type: "say", text: `s${i}` });
    const e = await client.event("error");
    assert.equal(e.code, "rate_limited");
    const last = await client.event("error");
    assert.equal(last.code, "rate_limited");
    assert.match(last.message as string, /disconnected/);
    await client.closedPromise;
  } finally {
    await server.stop();
  }
});

Deno.test("WebSocket clients count toward --max-clients", async () => {
  const server = await startWebServer(["--max-clients", "1"]);
  try {
    const { client } = await WsClient.join(server.http, "only");
    const second = await WsClient.connect(server.http);
    const e = await second.next();
    assert.equal(e.code, "server_full");
    await second.closedPromise;
    const tcp = await LineClient.connect(server.port);
    assert.match(await tcp.line(), /^! server_full/);
    await tcp.closed();
    await client.close();
  } finally {
    await server.stop();
  }
});

Deno.test("a WebSocket that gives no name in time is closed and counted", async () => {
  const server = await startWebServer(["--handshake-timeout", "0.3"]);
  try {
    const c = await WsClient.connect(server.http);
    await c.next(); // banner
    const bye = await c.next();
    assert.equal(bye.type, "notice");
    assert.match(bye.text as string, /No name/);
    await c.closedPromise;
    const m = await metrics(server.http);
    assert.equal(m.value("chat_handshake_failures_total"), 1);
  } finally {
    await server.stop();
  }
});

Deno.test("/healthz and /metrics move as clients join and talk", async () => {
  const server = await startWebServer();
  try {
    const first = await healthz(server.http);
    assert.deepEqual(
      { ...first, uptime: 0, config: { ...first.config as object, since: "" } },
      {
        ok: true,
        uptime: 0,
        members: 0,
        rooms: 1,
        connections: 0,
        config: { generation: 1, file: null, since: "" },
      },
    );
    let m = await metrics(server.http);
    assert.equal(m.families.get("chat_connections")?.type, "gauge");
    assert.equal(m.families.get("chat_messages_relayed_total")?.type, "counter");
    assert.equal(m.families.get("chat_storage_append_seconds")?.type, "summary");
    assert.equal(m.value("chat_up"), 1);
    assert.equal(m.value("chat_connections", { transport: "ws" }), 0);
    assert.equal(m.value("chat_history_messages"), 0);

    const { client: web } = await WsClient.join(server.http, "web");
    const tcp = await joinPlain(server.port, "tcp");
    await web.event("join");
    const h = await healthz(server.http);
    assert.equal(h.members, 2);
    assert.equal(h.connections, 2);
    assert.equal(typeof h.uptime, "number");

    for (let i = 0; i < 3; i++) await tcp.send(`t${i}`);
    for (let i = 0; i < 3; i++) await web.event("message");
    for (let i = 0; i < 2; i++) web.send({ type: "say", text: `w${i}` });
    for (let i = 0; i < 2; i++) await web.event("ack");
    for (let i = 0; i < 2; i++) await tcp.until((l) => l.startsWith("web: "));

    m = await metrics(server.http);
    assert.equal(m.value("chat_members"), 2);
    assert.equal(m.value("chat_connections", { transport: "ws" }), 1);
    assert.equal(m.value("chat_connections", { transport: "tcp" }), 1);
    assert.equal(m.value("chat_connections_accepted_total", { transport: "ws" }), 1);
    assert.equal(m.value("chat_messages_received_total", { transport: "ws" }), 2);
    assert.equal(m.value("chat_messages_received_total", { transport: "tcp" }), 3);
    assert.equal(m.value("chat_messages_relayed_total", { transport: "ws" }), 3);
    assert.equal(m.value("chat_messages_relayed_total", { transport: "tcp" }), 2);
    assert.equal(m.value("chat_history_messages"), 5);
    assert.equal(m.value("chat_last_seq"), 5);
    assert.ok(m.value("chat_bytes_sent_total", { transport: "ws" }) > 0);
    assert.ok(m.value("chat_storage_append_seconds_count") >= 1);
    assert.ok(m.value("chat_storage_append_seconds_sum") >= 0);
    assert.ok(m.value("chat_uptime_seconds") >= 0);

    await web.close();
    await tcp.close();
    await eventually(async () => (await healthz(server.http)).connections === 0, 5000, "closed");
    m = await metrics(server.http);
    assert.equal(m.value("chat_members"), 0);
    assert.equal(m.value("chat_connections", { transport: "ws" }), 0);
  } finally {
    await server.stop();
  }
});

Deno.test("on SIGTERM WebSocket members are told and the server exits 0", async () => {
  const server = await startWebServer();
  const { client } = await WsClient.join(server.http, "stayer");
  const code = server.stop("SIGTERM");
  const e = await client.event("shutdown");
  assert.match(e.message as string, /shutting down/);
  await client.closedPromise;
  assert.equal(await code, 0);
});

Deno.test("--no-web serves no HTTP and prints no web line", async () => {
  const { startServer } = await import("./helpers.ts");
  const server = await startServer(["--no-web"]);
  try {
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!server.stdout.some((l) => l.startsWith("chat web on")));
  } finally {
    await server.stop();
  }
});
