import assert from "node:assert/strict";
import { AddressLimits, type Slot } from "./address_limits.ts";

const slot = (s: Slot | string): Slot => {
  if (typeof s === "string") throw new Error(`refused: ${s}`);
  return s;
};

Deno.test("one address gets at most perAddress connections; others are not affected", () => {
  const limits = new AddressLimits({ perAddress: 3, pendingPerAddress: 0 });
  const held = [1, 2, 3].map(() => slot(limits.take("192.0.2.1")));
  const refused = limits.take("192.0.2.1");
  assert.equal(typeof refused, "string");
  assert.match(
    refused as string,
    /too many connections from 192\.0\.2\.1 \(the limit is 3 per address\)/,
  );
  slot(limits.take("192.0.2.2"));
  held[0].release();
  held[0].release(); // twice is harmless
  slot(limits.take("192.0.2.1"));
  assert.equal(typeof limits.take("192.0.2.1"), "string");
});

Deno.test("only a few connections per address may be joining at once", () => {
  const limits = new AddressLimits({ perAddress: 100, pendingPerAddress: 2 });
  const a = slot(limits.take("::1"));
  slot(limits.take("::1"));
  assert.match(limits.take("::1") as string, /still joining \(the limit is 2\)/);
  a.joined();
  a.joined();
  slot(limits.take("::1"));
  assert.equal(typeof limits.take("::1"), "string");
});

Deno.test("IPv6 addresses of one /64 share a budget; 0 means no limit; released addresses are forgotten", () => {
  const limits = new AddressLimits({ perAddress: 1, pendingPerAddress: 0 });
  const s = slot(limits.take("2001:db8::1"));
  assert.equal(typeof limits.take("2001:db8::2"), "string");
  s.release();
  assert.equal(limits.addresses, 0);
  const open = new AddressLimits({ perAddress: 0, pendingPerAddress: 0 });
  for (let i = 0; i < 1000; i++) slot(open.take("127.0.0.1"));
  assert.equal(open.addresses, 1);
});
