import assert from "node:assert/strict";
import { CidrList } from "../core/address.ts";
import { realClient } from "./forwarded.ts";

const trusted = CidrList.parse("10.0.0.0/8,::1");
const h = (o: Record<string, string>) => new Headers(o);

Deno.test("an untrusted peer's forwarding headers are ignored", () => {
  assert.equal(
    realClient(h({ "x-forwarded-for": "1.2.3.4" }), "203.0.113.5", trusted),
    "203.0.113.5",
  );
  assert.equal(realClient(h({}), "10.0.0.2", CidrList.none), "10.0.0.2");
});

Deno.test("a trusted proxy's X-Forwarded-For gives the first untrusted hop from the right", () => {
  assert.equal(
    realClient(h({ "x-forwarded-for": "198.51.100.7" }), "10.0.0.2", trusted),
    "198.51.100.7",
  );
  // a client may send its own X-Forwarded-For: only what our proxies appended counts
  assert.equal(
    realClient(h({ "x-forwarded-for": "6.6.6.6, 198.51.100.7, 10.0.0.9" }), "10.0.0.2", trusted),
    "198.51.100.7",
  );
  assert.equal(realClient(h({ "x-forwarded-for": "10.0.0.3" }), "::1", trusted), "10.0.0.3");
  assert.equal(realClient(h({}), "10.0.0.2", trusted), "10.0.0.2");
});

Deno.test("Forwarded (RFC 7239) wins over X-Forwarded-For and may carry ports and IPv6", () => {
  assert.equal(
    realClient(
      h({ forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https', "x-forwarded-for": "1.1.1.1" }),
      "10.0.0.2",
      trusted,
    ),
    "2001:db8:cafe::17",
  );
  assert.equal(
    realClient(h({ forwarded: `for="192.0.2.60:8080"` }), "10.0.0.2", trusted),
    "192.0.2.60",
  );
});

Deno.test("a hop that is not an address stops the walk at the last one known", () => {
  assert.equal(realClient(h({ forwarded: "for=unknown" }), "10.0.0.2", trusted), "10.0.0.2");
  assert.equal(realClient(h({ forwarded: "for=;;;" }), "10.0.0.2", trusted), "10.0.0.2");
  assert.equal(
    realClient(h({ "x-forwarded-for": "garbage, 10.0.0.5" }), "10.0.0.2", trusted),
    "10.0.0.5",
  );
});
