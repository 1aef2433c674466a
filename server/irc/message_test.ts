import assert from "node:assert/strict";
import { formatIrc, parseIrc, stripFormatting, withoutTags } from "./message.ts";
import { splitUtf8 } from "./split.ts";
import { maskTarget } from "./irc_modes.ts";

Deno.test("parseIrc: tags, prefix, command, middle and trailing parameters", () => {
  const m = parseIrc("@time=2026-01-01T00:00:00Z;label=a\\sb :nick!u@h privmsg #dev :hi there");
  assert.ok(m);
  assert.equal(m.command, "PRIVMSG");
  assert.equal(m.prefix, "nick!u@h");
  assert.deepEqual(m.params, ["#dev", "hi there"]);
  assert.equal(m.tags.get("label"), "a b");
  assert.deepEqual(parseIrc("PING")?.params, []);
  assert.deepEqual(parseIrc("JOIN   #a,#b   key")?.params, ["#a,#b", "key"]);
  assert.deepEqual(parseIrc("TOPIC #x :")?.params, ["#x", ""]);
  assert.equal(parseIrc(""), null);
  assert.equal(parseIrc(":onlyprefix"), null);
  assert.equal(parseIrc("@a=1"), null);
  // The 15th parameter takes the rest.
  const many = parseIrc("X " + Array.from({ length: 20 }, (_, i) => `p${i}`).join(" "));
  assert.equal(many?.params.length, 15);
  assert.equal(many?.params[14], "p14 p15 p16 p17 p18 p19");
  assert.equal(withoutTags("@a=1 PING x"), "PING x");
});

Deno.test("formatIrc: a colon where the last parameter needs one, or always for text", () => {
  assert.equal(formatIrc("s", "JOIN", ["#dev"]), ":s JOIN #dev");
  assert.equal(formatIrc("s", "PRIVMSG", ["#dev", "hi there"]), ":s PRIVMSG #dev :hi there");
  assert.equal(formatIrc("s", "PRIVMSG", ["#dev", ":)"]), ":s PRIVMSG #dev ::)");
  assert.equal(formatIrc("s", "TOPIC", ["#dev", ""]), ":s TOPIC #dev :");
  assert.equal(formatIrc("s", "KICK", ["#dev", "bob", "spam"], true), ":s KICK #dev bob :spam");
});

Deno.test("stripFormatting removes bold, colours (with their numbers) and resets", () => {
  assert.equal(
    stripFormatting("\x02b\x02 \x0304,12red\x03 \x0399x \x1ditalic\x0f"),
    "b red x italic",
  );
  assert.equal(stripFormatting("\x04ff0000hex"), "hex");
});

Deno.test("splitUtf8: pieces within the limit, on character boundaries, joining to the text", () => {
  const text = "aé€😀".repeat(50);
  for (const max of [4, 5, 7, 100, 510]) {
    const pieces = splitUtf8(text, max);
    assert.equal(pieces.join(""), text);
    for (const p of pieces) {
      assert.ok(new TextEncoder().encode(p).length <= max);
      assert.ok(p.isWellFormed());
    }
  }
  assert.deepEqual(splitUtf8("short", 510), ["short"]);
});

Deno.test("ban masks map to chat's targets: names, addresses, CIDRs; wildcards inside are refused", () => {
  assert.equal(maskTarget("bob!*@*"), "bob");
  assert.equal(maskTarget("bob"), "bob");
  assert.equal(maskTarget("*!*@10.0.0.1"), "10.0.0.1");
  assert.equal(maskTarget("*!*@10.0.0.0/8"), "10.0.0.0/8");
  assert.equal(maskTarget("*!*@2001:db8::1"), "2001:db8::1");
  assert.equal(maskTarget("b*b!*@*"), null);
  assert.equal(maskTarget("*!*@10.*"), null);
  assert.equal(maskTarget("bob!*@1.2.3.4"), null);
});
