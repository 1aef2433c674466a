import assert from "node:assert/strict";
import { addressKey, CidrList, clientAddress } from "./address.ts";

Deno.test("addresses are written one way: IPv4-mapped IPv6 is IPv4, IPv6 is compressed", () => {
  assert.equal(clientAddress("127.0.0.1"), "127.0.0.1");
  assert.equal(clientAddress("::ffff:10.0.0.7"), "10.0.0.7");
  assert.equal(clientAddress("[2001:0db8:0000:0000:0000:0000:0000:0001]"), "2001:db8::1");
  assert.equal(clientAddress(" ::1 "), "::1");
  assert.equal(clientAddress("not an address"), "not an address");
});

Deno.test("limits count IPv4 per address and IPv6 per /64", () => {
  assert.equal(addressKey("192.0.2.1"), "192.0.2.1");
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
  assert.notEqual(addressKey("2001:db8:1:3::1"), addressKey("2001:db8:1:2::1"));
  assert.equal(addressKey("::1"), "::/64");
});

Deno.test("a CIDR list matches addresses of its own family, mapped IPv4 included", () => {
  const list = CidrList.parse("10.0.0.0/8, 192.168.1.5,fd00::/8, ::ffff:172.16.0.0/108");
  assert.equal(list.size, 4);
  assert.ok(list.contains("10.1.2.3"));
  assert.ok(list.contains("::ffff:10.1.2.3"));
  assert.ok(list.contains("192.168.1.5"));
  assert.ok(!list.contains("192.168.1.6"));
  assert.ok(list.contains("fd12::1"));
  assert.ok(!list.contains("fe80::1"));
  assert.ok(list.contains("172.16.9.9"));
  assert.ok(!list.contains("junk"));
  assert.ok(!CidrList.none.contains("10.0.0.1"));
});

Deno.test("a bad CIDR entry is named in the error", () => {
  assert.throws(
    () => CidrList.parse("10.0.0.0/8,10.0.0.0/99"),
    /"10\.0\.0\.0\/99" is not an address/,
  );
  assert.throws(() => CidrList.parse("example.org"), /"example\.org" is not/);
  assert.equal(CidrList.parse(" , ").size, 0);
});
