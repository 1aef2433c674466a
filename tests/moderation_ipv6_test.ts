import assert from "node:assert/strict";
import { joinPlain, LineClient, withServer } from "./helpers.ts";

// Bans of IPv6 addresses and ranges, and of IPv4 ranges written as
// IPv4-mapped IPv6, against a real server listening on `::` (both IPv4 and
// IPv6): the operator connects from 127.0.0.1, victims from ::1 and
// 127.0.0.2. A box without an IPv6 loopback (or without dual-stack
// sockets) skips these tests and says why.

const OPS = { env: { CHAT_OP_PASSWORD: "hunter2" } };

/** Why IPv6 tests cannot run here, or null when they can. */
async function noIpv6(): Promise<string | null> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: "::", port: 0 });
  } catch (err) {
    return `cannot listen on :: (${(err as Error).message})`;
  }
  try {
    for (const hostname of ["::1", "127.0.0.1"]) {
      const accepted = listener.accept();
      try {
        (await Deno.connect({ hostname, port: listener.addr.port })).close();
        (await accepted).close();
      } catch (err) {
        return `cannot connect to ${hostname} on a socket bound to :: (${(err as Error).message})`;
      }
    }
    return null;
  } finally {
    listener.close();
  }
}

const WHY = await noIpv6();
if (WHY) console.warn(`skipping the IPv6 ban tests: ${WHY}`);

/** Joins in plain mode from ::1. */
async function fromV6(port: number, name: string): Promise<LineClient> {
  const c = await LineClient.connectHost("::1", port);
  await c.line(); // banner
  await c.send(name);
  assert.match(
    await c.until((l) => l.startsWith("* Welcome,") || l.startsWith("!")),
    /^\* Welcome/,
  );
  return c;
}

/** A connection from ::1 gets `banned` before the banner, and is closed. */
async function refusedV6(port: number): Promise<void> {
  const c = await LineClient.connectHost("::1", port);
  assert.match(await c.line(), /^! banned: you are banned from this chat/);
  await c.closed();
}

Deno.test({
  name:
    "IPv6: a name ban bans the ::1 it came from; ::1 and ::1/128 bans refuse ::1 before the banner; unban lets it back",
  ignore: WHY !== null,
  fn: async () => {
    await withServer(["--host", "::"], async ({ port }) => {
      const alice = await joinPlain(port, "alice");
      await alice.send("/op hunter2");
      await alice.until((l) => l === "* You are now an operator.");
      const bob = await fromV6(port, "bob");
      await alice.send("/ban bob");
      assert.match(await alice.until((l) => l.includes("banned")), /\* bob was banned by alice/);
      await bob.closed();
      await alice.send("/bans");
      assert.match(await alice.until((l) => l.startsWith("* Bans")), /bob \(by alice\), ::1 /);
      await refusedV6(port);
      await alice.send("/unban bob");
      await alice.until((l) => l.includes("unbanned"));
      for (const target of ["::1", "::1/128", "0:0:0:0:0:0:0:1/128"]) {
        const carol = await fromV6(port, "carol");
        await alice.send(`/ban ${target} 10m`);
        await carol.closed();
        await refusedV6(port);
        await alice.send("/bans");
        const shown = target === "::1" ? "::1" : "::1/128";
        assert.match(
          await alice.until((l) => l.startsWith("* Bans")),
          new RegExp(`^\\* Bans: ${shown.replace("/", "\\/")} \\(by alice until `),
        );
        // Lifted by the same target however it is written.
        await alice.send(`/unban ${shown}`);
        assert.match(await alice.until((l) => l.includes("unbanned")), /was unbanned by alice/);
      }
      const back = await fromV6(port, "carol");
      await back.close();
      await alice.close();
    }, OPS);
  },
});

Deno.test({
  name:
    "IPv6 and mapped ranges: a /32 is kept as its network and leaves others in; ::ffff:127.0.0.2/127 bans 127.0.0.2 as 127.0.0.2/31",
  ignore: WHY !== null,
  fn: async () => {
    await withServer(["--host", "::"], async ({ port }) => {
      const alice = await joinPlain(port, "alice");
      await alice.send("/op hunter2");
      await alice.until((l) => l === "* You are now an operator.");
      const dave = await fromV6(port, "dave");
      await alice.until((l) => l.includes("dave"));
      await alice.send("/ban 2001:db8:1::5/32 documentation range");
      assert.match(
        await alice.until((l) => l.includes("banned")),
        /^\* 2001:db8::\/32 was banned by alice: documentation range$/,
      );
      await alice.send("/bans");
      assert.match(await alice.until((l) => l.startsWith("* Bans")), /^\* Bans: 2001:db8::\/32 /);
      // ::1 is not in it: dave is still here and talks.
      await dave.send("still here");
      assert.equal(await alice.until((l) => l.startsWith("dave:")), "dave: still here");
      await alice.send("/unban 2001:db8::/32");
      await alice.until((l) => l.includes("unbanned"));
      // An IPv4 range written as IPv4-mapped IPv6 matches IPv4 clients.
      const erin = await joinPlain(port, "erin", "127.0.0.2");
      await alice.send("/ban ::ffff:127.0.0.2/127");
      assert.match(
        await alice.until((l) => l.includes("banned")),
        /^\* 127\.0\.0\.2\/31 was banned/,
      );
      await erin.closed();
      const again = await LineClient.connect(port, "127.0.0.2");
      assert.match(await again.line(), /^! banned:/);
      await again.closed();
      // Kept as its network: the same range written from another address in it lifts it.
      await alice.send("/unban 127.0.0.3/31");
      assert.match(
        await alice.until((l) => l.includes("unbanned")),
        /127\.0\.0\.2\/31 was unbanned/,
      );
      const free = await joinPlain(port, "erin", "127.0.0.2");
      await free.close();
      await alice.send("/ban ::ffff:0:0/90");
      assert.match(
        await alice.until((l) => l.startsWith("!")),
        /^! bad_request: ::ffff:0:0\/90 is wider than the IPv4-mapped range ::ffff:0:0\/96/,
      );
      await alice.send("/bans");
      assert.equal(await alice.until((l) => l.includes("ans")), "* No bans.");
      await dave.close();
      await alice.close();
    }, OPS);
  },
});
