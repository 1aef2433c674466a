import assert from "node:assert/strict";
import { freePort, startRedis } from "../../tests/redis_helpers.ts";
import { makeCerts } from "../../tests/tls_helpers.ts";
import type { Log } from "../core/peer.ts";
import {
  connectRedis,
  durabilityWarnings,
  parseRedisUrl,
  type RedisLink,
  RedisStartError,
} from "./redis_connect.ts";

const encoder = new TextEncoder();

function recorder(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, message) => lines.push(`${level} ${message}`) };
}

/** Resolves on the link's next `name` event; rejects after `ms`. */
function next(link: RedisLink, name: "up" | "down", ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      link.removeEventListener(name, done);
      reject(new Error(`no "${name}" within ${ms} ms`));
    }, ms);
    function done() {
      clearTimeout(timer);
      resolve();
    }
    link.addEventListener(name, done, { once: true });
  });
}

/** What `promise` rejects with; fails if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

/** The RedisStartError that connecting throws, and how long it took. */
async function startFailure(
  url: string,
  connectTimeoutMs = 5000,
): Promise<{ message: string; ms: number }> {
  const t0 = performance.now();
  const err = await rejection(connectRedis(url, { log: () => {}, connectTimeoutMs }));
  assert(err instanceof RedisStartError, String(err));
  assert(!err.message.includes("\n"), `one line: ${err.message}`);
  return { message: err.message, ms: performance.now() - t0 };
}

/** A TCP server that is not Redis: it answers HTTP garbage, or stays silent. */
function fakeServer(mode: "http" | "silent"): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serving = (async () => {
    const tasks: Promise<void>[] = [];
    for await (const conn of listener) {
      conns.add(conn);
      tasks.push((async () => {
        const buf = new Uint8Array(4096);
        try {
          while (await conn.read(buf) !== null) {
            if (mode === "http") {
              await conn.write(encoder.encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
            }
          }
        } catch { /* closed by close() */ }
        conns.delete(conn);
        try {
          conn.close();
        } catch { /* already closed */ }
      })());
    }
    await Promise.all(tasks);
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      for (const c of conns) c.close();
      await serving;
    },
  };
}

Deno.test("a Redis URL is read into host, port, credentials, database and TLS", () => {
  assert.deepEqual(parseRedisUrl("redis://127.0.0.1:6380"), {
    host: "127.0.0.1",
    port: 6380,
    username: undefined,
    password: undefined,
    db: 0,
    tls: false,
    masked: "redis://127.0.0.1:6380",
  });
  const full = parseRedisUrl("rediss://bob:p%40ss@redis.example.org:6379/3");
  assert.deepEqual([full.username, full.password, full.db, full.tls], ["bob", "p@ss", 3, true]);
  assert.deepEqual(full.masked, "rediss://bob:***@redis.example.org:6379/3");
  assert.deepEqual(parseRedisUrl("redis://:s3cret@h:1").masked, "redis://:***@h:1");
  assert.deepEqual(parseRedisUrl("redis://localhost").port, 6379);
  assert.deepEqual(parseRedisUrl("redis://[::1]:7000").host, "::1");
});

Deno.test("a URL that is not redis:// is refused with one line that says what to write", () => {
  const cases: [string, RegExp][] = [
    ["http://x", /^--redis must look like redis:\/\/HOST:PORT \(got http:\/\/x\)$/],
    ["localhost:6379", /must look like redis:\/\/HOST:PORT/],
    ["", /must look like/],
    ["redis://", /with a host/],
    ["redis://h:99999", /must look like/],
    ["redis://h:1/zero", /database must be a number, as in redis:\/\/HOST:PORT\/0/],
    ["redis://h:1?db=2", /takes no \?query/],
  ];
  for (const [raw, expected] of cases) {
    let message = "";
    try {
      parseRedisUrl(raw);
    } catch (err) {
      assert(err instanceof TypeError);
      message = err.message;
    }
    assert.match(message, expected, raw);
    assert(!message.includes("\n"));
  }
  let message = "";
  try {
    parseRedisUrl("redis://:hun@ter2@h:1/x");
  } catch (err) {
    message = (err as Error).message;
  }
  assert(message.includes("redis://:***@h:1/x") && !message.includes("ter2"), message);
});

Deno.test("a running Redis is connected, and the link is up and closes twice", async () => {
  await using redis = await startRedis();
  const { log, lines } = recorder();
  const link = await connectRedis(redis.url, { log });
  assert(link.up);
  assert.deepEqual(link.url, redis.url);
  assert.deepEqual(await link.client.ping(), "PONG");
  await link.close();
  await link.close();
  assert.deepEqual(lines, []);
});

Deno.test("nothing listening on the port fails at once with 'connection refused'", async () => {
  const port = freePort();
  const { message, ms } = await startFailure(`redis://127.0.0.1:${port}`);
  assert.deepEqual(
    message,
    `cannot reach Redis at redis://127.0.0.1:${port}: connection refused; is redis-server running?`,
  );
  assert(ms < 1000, `took ${ms} ms`);
  assert.match((await startFailure("http://x")).message, /^--redis must look like/);
});

Deno.test("a Redis with a password says it needs one, or that it refused the one given", async () => {
  await using redis = await startRedis({ password: "s3cret" });
  const bare = `redis://127.0.0.1:${redis.port}`;
  assert.deepEqual(
    (await startFailure(bare)).message,
    `Redis at ${bare} needs a password: put it in the URL, redis://:PASSWORD@HOST:PORT`,
  );
  const wrong = await startFailure(`redis://:wrong@127.0.0.1:${redis.port}`);
  assert.deepEqual(
    wrong.message,
    `Redis at redis://:***@127.0.0.1:${redis.port} refused the password: check the user and password in the URL`,
  );
  const link = await connectRedis(redis.url, { log: () => {} });
  assert.deepEqual(await link.client.ping(), "PONG");
  await link.close();
});

for (const mode of ["http", "silent"] as const) {
  Deno.test(`a server that is not Redis (${mode}) is named as such within the timeout`, async () => {
    const fake = fakeServer(mode);
    try {
      const url = `redis://127.0.0.1:${fake.port}`;
      const { message, ms } = await startFailure(url, 1000);
      const within = mode === "silent" ? " within 1s" : "";
      assert.deepEqual(
        message,
        `${url} did not answer like a Redis server${within}; is that the Redis port?`,
      );
      assert(ms < 1500, `took ${ms} ms`);
    } finally {
      await fake.close();
    }
  });
}

Deno.test("a Redis with INFO renamed away refuses the handshake, and the error says so", async () => {
  await using redis = await startRedis({ args: ["--rename-command", "INFO", ""] });
  assert.match(
    (await startFailure(redis.url)).message,
    /^Redis at redis:\/\/127\.0\.0\.1:\d+ refused the handshake: ERR unknown command 'info'/i,
  );
});

Deno.test("a Redis older than 7.0 is refused, with its version", async () => {
  // Just enough of a Redis 6.2 for the handshake: no HELLO (RESP2), INFO says 6.2.14.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const info = "# Server\r\nredis_version:6.2.14\r\nloading:0\r\n";
  const serving = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(4096);
    try {
      for (let n = await conn.read(buf); n !== null; n = await conn.read(buf)) {
        // Commands come pipelined as RESP arrays ("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n"):
        // answer each by its name. Reads are small enough here not to split one.
        const parts = new TextDecoder().decode(buf.subarray(0, n)).split("\r\n");
        let reply = "";
        for (let i = 0; i < parts.length; i++) {
          if (!parts[i].startsWith("*")) continue;
          const name = parts[i + 2].toUpperCase();
          i += 2 * Number(parts[i].slice(1));
          reply += name === "HELLO"
            ? "-ERR unknown command 'HELLO'\r\n"
            : name === "INFO"
            ? `$${info.length}\r\n${info}\r\n`
            : "+OK\r\n";
        }
        await conn.write(encoder.encode(reply));
      }
    } catch { /* the client hung up */ }
    conn.close();
  })();
  try {
    const url = `redis://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    assert.deepEqual(
      (await startFailure(url, 2000)).message,
      `Redis at ${url} is version 6.2.14; chat needs Redis 7.0 or newer`,
    );
  } finally {
    listener.close();
    await serving;
  }
});

Deno.test("durability warnings: appendonly no and everysec say what to set, always says nothing", async () => {
  for (
    const [opts, expected] of [
      [{ appendonly: false }, /appendonly no: .* lost when Redis restarts; set appendonly yes/],
      [{ appendfsync: "everysec" }, /everysec: .* up to a second .*; set appendfsync always$/],
    ] as const
  ) {
    await using redis = await startRedis(opts);
    const link = await connectRedis(redis.url, { log: () => {} });
    const warnings = await durabilityWarnings(link.client);
    await link.close();
    assert.deepEqual(warnings.length, 1);
    assert.match(warnings[0], expected);
  }
  await using redis = await startRedis();
  const link = await connectRedis(redis.url, { log: () => {} });
  assert.deepEqual(await durabilityWarnings(link.client), []);
  await link.close();
});

Deno.test("durability: without CONFIG, INFO tells appendonly; without INFO too, one warning says so", async () => {
  await using off = await startRedis({
    appendonly: false,
    args: ["--rename-command", "CONFIG", ""],
  });
  let link = await connectRedis(off.url, { log: () => {} });
  const [warning] = await durabilityWarnings(link.client);
  await link.close();
  assert.match(warning, /appendonly no/);
  await using on = await startRedis({ args: ["--rename-command", "CONFIG", ""] });
  link = await connectRedis(on.url, { log: () => {} });
  const warnings = await durabilityWarnings(link.client);
  await link.close();
  assert.deepEqual(warnings.length, 1);
  assert.match(warnings[0], /could not read Redis's appendfsync .* set appendfsync always/);
  // A user without CONFIG and INFO: ioredis skips its ready check on NOPERM (and says so on the console).
  const acl = ["--user", "chat", "on", ">pw", "~*", "&*", "+@all", "-config", "-info"];
  await using blind = await startRedis({ args: acl });
  link = await connectRedis(`redis://chat:pw@127.0.0.1:${blind.port}`, { log: () => {} });
  const unknown = await durabilityWarnings(link.client);
  await link.close();
  assert.equal(unknown.length, 1);
  assert.match(unknown[0], /^could not check .*: set appendonly yes and appendfsync always$/);
});

Deno.test("Redis killed: down, commands fail fast; restarted: up, and the acked data is back", async () => {
  await using redis = await startRedis();
  const { log, lines } = recorder();
  const link = await connectRedis(redis.url, { log });
  const sub = await link.subscriber();
  const heard: string[] = [];
  sub.on("message", (_channel: string, text: string) => heard.push(text));
  await sub.subscribe("room");
  try {
    assert.deepEqual(await link.client.xadd("room:lobby", "0-5", "text", "hi"), "0-5");

    const down = next(link, "down");
    await redis.kill9();
    await down;
    assert(!link.up);
    const t0 = performance.now();
    await rejection(link.client.xrange("room:lobby", "-", "+"));
    const ms = performance.now() - t0;
    assert(ms < 200, `a command while down took ${ms} ms to fail`);

    const up = next(link, "up");
    await redis.restart();
    await up;
    assert(link.up);
    assert.deepEqual(await link.client.xrange("room:lobby", "-", "+"), [["0-5", ["text", "hi"]]]);
    // The subscriber resubscribed by itself; wait until Redis knows it again.
    for (let i = 0; i < 100 && (await redis.cli("PUBSUB", "NUMSUB", "room")).endsWith("0"); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await link.client.publish("room", "after restart");
    for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(heard, ["after restart"]);
  } finally {
    await link.close();
  }
  const said = lines.filter((l) => !l.startsWith("debug"));
  assert.deepEqual(said.length, 2, said.join("\n"));
  assert.match(said[0], /^warn Redis at redis:\/\/127\.0\.0\.1:\d+ went away; reconnecting/);
  assert.match(said[1], /^info Redis at redis:\/\/127\.0\.0\.1:\d+ is back$/);
});

Deno.test("a Redis that stops answering: commands time out, the link goes down, then back up", async () => {
  await using redis = await startRedis();
  const link = await connectRedis(redis.url, { log: () => {}, commandTimeoutMs: 300 });
  try {
    redis.signal("SIGSTOP");
    const down = next(link, "down", 3000);
    const t0 = performance.now();
    assert.match((await rejection(link.client.ping())).message, /timed out/);
    const ms = performance.now() - t0;
    assert(ms < 800, `took ${ms} ms`);
    await down;
    const up = next(link, "up", 5000);
    redis.signal("SIGCONT");
    await up;
    assert.deepEqual(await link.client.ping(), "PONG");
  } finally {
    await link.close();
  }
});

Deno.test("a link closed while Redis is down leaves nothing running", async () => {
  await using redis = await startRedis();
  const link = await connectRedis(redis.url, { log: () => {} });
  await link.subscriber();
  const down = next(link, "down");
  await redis.kill9();
  await down;
  await link.close();
  assert.match((await rejection(link.subscriber())).message, /closed/);
});

Deno.test("rediss:// connects with the CA given, and names a certificate it cannot check", async () => {
  const certs = await makeCerts();
  const tlsPort = freePort();
  try {
    await using redis = await startRedis({
      args: [
        ...["--tls-port", String(tlsPort), "--tls-auth-clients", "no"],
        ...["--tls-cert-file", certs.server.cert, "--tls-key-file", certs.server.key],
      ],
    });
    assert(redis.port !== tlsPort);
    const url = `rediss://127.0.0.1:${tlsPort}`;
    const link = await connectRedis(url, {
      log: () => {},
      tlsCa: await Deno.readTextFile(certs.ca),
    });
    assert.deepEqual(await link.client.ping(), "PONG");
    await link.close();
    assert.match(
      (await startFailure(url)).message,
      /^cannot check the TLS certificate of Redis at rediss:\/\/127\.0\.0\.1:\d+: /,
    );
  } finally {
    await certs.remove();
  }
});
