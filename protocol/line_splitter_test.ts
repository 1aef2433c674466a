import assert from "node:assert/strict";
import { LineSplitter, type SplitLine, TOO_LONG } from "./line_splitter.ts";

const enc = new TextEncoder();

function feed(s: LineSplitter, chunks: (string | Uint8Array)[]): SplitLine[] {
  return chunks.flatMap((c) => s.push(typeof c === "string" ? enc.encode(c) : c));
}

Deno.test("lines split across chunks and coalesced in one chunk come out the same", () => {
  const whole = "alpha\nbeta\r\ngamma\n";
  const once = feed(new LineSplitter(100), [whole]);
  const bytes = enc.encode(whole);
  const oneByOne = feed(new LineSplitter(100), [...bytes].map((b) => new Uint8Array([b])));
  assert.deepEqual(once, ["alpha", "beta", "gamma"]);
  assert.deepEqual(oneByOne, once);
});

Deno.test("a multi-byte character split between chunks is decoded whole", () => {
  const bytes = enc.encode("é\u{1F600}\n");
  const s = new LineSplitter(100);
  assert.deepEqual(feed(s, [bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)]), [
    "é\u{1F600}",
  ]);
});

Deno.test("invalid UTF-8 becomes U+FFFD", () => {
  assert.deepEqual(feed(new LineSplitter(100), [new Uint8Array([0x61, 0xff, 0x0a])]), ["a\uFFFD"]);
});

Deno.test("a long line is reported once, as soon as it is known, and discarded to its newline", () => {
  const s = new LineSplitter(10);
  assert.deepEqual(feed(s, ["ok\n0123456789ABC"]), ["ok", TOO_LONG]);
  assert.deepEqual(feed(s, ["more of the long line"]), []);
  assert.equal(s.pendingBytes, 0);
  assert.deepEqual(feed(s, ["tail\nnext\n"]), ["next"]);
});

Deno.test("the limit counts bytes: exactly the limit passes, one more does not", () => {
  const s = new LineSplitter(4);
  assert.deepEqual(feed(s, ["abcd\nabcde\nééx\né\r\n"]), ["abcd", TOO_LONG, TOO_LONG, "é"]);
});

Deno.test("nothing is buffered beyond the limit", () => {
  const s = new LineSplitter(1000);
  for (let i = 0; i < 100; i++) s.push(enc.encode("x".repeat(999)));
  assert.ok(s.pendingBytes <= 1001);
});
