import assert from "node:assert/strict";
import { sanitize } from "./sanitize.ts";

Deno.test("clean text is returned as it is", () => {
  assert.equal(sanitize("hello, wörld \u{1F600}\ttab"), "hello, wörld \u{1F600}\ttab");
});

Deno.test("whole escape sequences are removed, not just their ESC", () => {
  assert.equal(sanitize("\x1b[1;31mred\x1b[0m"), "red");
  assert.equal(sanitize("a\x1b]0;title\x07b"), "ab");
  assert.equal(sanitize("a\x1b]0;title\x1b\\b"), "ab");
  assert.equal(sanitize("a\x1bPdcs\x1b\\b"), "ab");
  assert.equal(sanitize("a\x1b7b\x1b8c"), "abc");
  assert.equal(sanitize("a\x1b(Bb"), "ab");
  assert.equal(sanitize("a\u009b31mb"), "ab");
  assert.equal(sanitize("trailing\x1b"), "trailing");
});

Deno.test("C0 (but TAB), DEL and C1 controls are removed", () => {
  assert.equal(sanitize("a\x00b\x07c\x08d\x7fe\u0085f\u009fg\rh\ni\tj"), "abcdefghi\tj");
});

Deno.test("lone surrogates become U+FFFD", () => {
  assert.equal(sanitize("a\ud800b"), "a\uFFFDb");
});

Deno.test("an unterminated OSC loses its introducer and shows the rest as harmless text", () => {
  assert.equal(sanitize("a\x1b]0;title"), "a0;title");
});
