// The page's pure parts of message text and layout: which text becomes a
// link (web/links.ts) and what a day separator says (web/log_layout.ts).
import assert from "node:assert/strict";
import { findLinks } from "../web/links.ts";
import { dayLabel } from "../web/log_layout.ts";

const hrefs = (text: string) => findLinks(text).map((l) => l.href);
const texts = (text: string) => findLinks(text).map((l) => text.slice(l.start, l.end));

Deno.test("http and https addresses are links, without the punctuation around them", () => {
  assert.deepEqual(texts("see http://example.com/a, then https://example.org."), [
    "http://example.com/a",
    "https://example.org",
  ]);
  assert.deepEqual(texts("(https://en.wikipedia.org/wiki/Foo_(bar))"), [
    "https://en.wikipedia.org/wiki/Foo_(bar)",
  ]);
  assert.deepEqual(texts("[http://x.example/a] 'http://y.example/b'?!"), [
    "http://x.example/a",
    "http://y.example/b",
  ]);
  assert.deepEqual(hrefs("HTTPS://UPPER.Example/Path?q=1#f"), ["https://upper.example/Path?q=1#f"]);
  assert.deepEqual(texts("http://a.example/x…"), ["http://a.example/x"]);
  assert.deepEqual(texts("ports and users: http://u:p@host.example:8080/x"), [
    "http://u:p@host.example:8080/x",
  ]);
});

Deno.test("look-alikes and other schemes never become links", () => {
  for (
    const t of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox(1)",
      "javascript&#58;alert(1)",
      "jav\tascript:alert(1)",
      "hxxp://evil.example",
      "ｈｔｔｐ://fullwidth.example",
      "httpſ://long-s.example",
      "httр://cyrillic-er.example",
      "file:///etc/passwd",
      "//no-scheme.example",
      "http://",
      "https://[bad",
      "xhttp://glued.example",
      "javascript:http://after-a-scheme.example",
      "&#104;ttp://entity.example",
    ]
  ) assert.deepEqual(findLinks(t), [], t);
});

Deno.test("a link ends where invisible or markup characters start", () => {
  assert.deepEqual(texts("http://a.example/\u202Eexe.txt"), ["http://a.example/"]);
  assert.deepEqual(texts("http://a.example/\u200Bzero"), ["http://a.example/"]);
  assert.deepEqual(texts('<a href="http://a.example/x">'), ["http://a.example/x"]);
  // An address in look-alike letters opens its punycode (shown as the link's title).
  assert.deepEqual(hrefs("http://exаmple.com"), ["http://xn--exmple-4nf.com/"]);
});

Deno.test("a day separator says Today, Yesterday, or the date (with the year when not this one)", () => {
  const now = new Date(2024, 2, 2, 12, 0).getTime();
  assert.equal(dayLabel(new Date(2024, 2, 2, 0, 1).getTime(), now), "Today");
  assert.equal(dayLabel(new Date(2024, 2, 1, 23, 59).getTime(), now), "Yesterday");
  const older = dayLabel(new Date(2024, 1, 27, 9, 0).getTime(), now);
  assert.ok(!/Today|Yesterday|2024/.test(older), older);
  assert.match(dayLabel(new Date(2023, 11, 31, 9, 0).getTime(), now), /2023/);
});
