import assert from "node:assert/strict";
import fc from "fast-check";
import stringWidth from "string-width";
import { Renderer } from "../client/render.ts";
import { progressText } from "../client/transfer.ts";
import { displayWidth, fitCells, graphemeWidth, wrapCells } from "../client/width.ts";

// How many cells the terminal client gives text, and that wrapping and
// cutting never split a grapheme cluster: CJK, emoji ZWJ sequences, flags,
// combining marks. tests/join_width_tty_test.ts checks the same in tmux.

const segmenter = new Intl.Segmenter();
const clusters = (text: string) => [...segmenter.segment(text)].map((s) => s.segment);

const FAMILY = "👩\u200d👩\u200d👧"; // woman, ZWJ, woman, ZWJ, girl: one cluster
const FLAG = "🇫🇷"; // two regional indicators: one cluster
const E_ACUTE = "e\u0301"; // e + COMBINING ACUTE ACCENT: one cluster
const THUMB = "👍🏽"; // thumbs up + skin tone modifier

Deno.test("widths: CJK, flags, combining marks, zero-width characters", () => {
  assert.equal(displayWidth("日本語"), 6);
  assert.equal(displayWidth("한국어"), 6);
  assert.equal(displayWidth("ｆｕｌｌ"), 8);
  assert.equal(displayWidth("ｶﾀｶﾅ"), 4); // halfwidth katakana
  assert.equal(displayWidth(FLAG), 2);
  assert.equal(displayWidth(FLAG + "🇯🇵"), 4);
  assert.equal(displayWidth(E_ACUTE), 1);
  assert.equal(displayWidth("cafe\u0301"), 4);
  assert.equal(displayWidth("\u00e9"), 1); // é precomposed
  assert.equal(displayWidth("a\u200bb"), 2); // zero-width space
  assert.equal(displayWidth("a\u00adb"), 2); // soft hyphen: not drawn
  assert.equal(displayWidth("\u2764\ufe0f"), 2); // ❤️ with emoji presentation
  assert.equal(displayWidth(""), 0);
});

Deno.test("widths the old hand-kept table had wrong are Unicode's", () => {
  // Wide (East Asian Width W) but missing from the old ranges: counted as one
  // cell, so the terminal wrapped such lines itself.
  assert.equal(displayWidth("\u4dc0"), 2); // ䷀ hexagram
  assert.equal(displayWidth("\u2329"), 2); // 〈 left-pointing angle bracket
  assert.equal(displayWidth("\u{1f210}"), 2); // 🈐 squared katakana
  assert.equal(displayWidth("\u{18d00}"), 2); // Tangut supplement
  // Narrow (text-style symbols inside the old emoji block ranges).
  assert.equal(displayWidth("\u{1f321}"), 1); // 🌡 thermometer without VS16
  assert.equal(displayWidth("\u3164"), 0); // Hangul filler
});

Deno.test("emoji ZWJ and modifier sequences: one cluster, measured at the widest reading", () => {
  assert.equal(clusters(FAMILY).length, 1);
  // string-width says two cells (as tmux 3.3, kitty and iTerm draw it); a
  // terminal that draws each part takes six, so the client counts six.
  assert.equal(stringWidth(FAMILY), 2);
  assert.equal(displayWidth(FAMILY), 6);
  assert.equal(graphemeWidth(FAMILY), 6);
  // tmux 3.3 draws 👍🏽 in four cells.
  assert.equal(displayWidth(THUMB), 4);
  assert.equal(displayWidth("👍"), 2);
  assert.equal(displayWidth(`${THUMB} ok`), 7);
  // A ZWJ between letters (Indic half forms) is no emoji sequence.
  assert.equal(displayWidth("\u0915\u094d\u200d\u0937"), stringWidth("\u0915\u094d\u200d\u0937"));
});

Deno.test("the width of text is the sum of its clusters' widths", () => {
  const text = `日本 ${FAMILY} ${FLAG} ${E_ACUTE} ${THUMB} abc \u4dc0`;
  const sum = clusters(text).reduce((n, g) => n + graphemeWidth(g), 0);
  assert.equal(displayWidth(text), sum);
  assert.equal(sum, 4 + 1 + 6 + 1 + 2 + 1 + 1 + 1 + 4 + 5 + 2);
});

// Whole clusters that stay whole when put side by side (no lone regional
// indicators or conjoining jamo, which would pair up with a neighbour).
const PIECES = [
  "a",
  "word",
  " ",
  " ",
  "日",
  "本語",
  "한",
  FAMILY,
  FLAG,
  E_ACUTE,
  "cafe\u0301",
  THUMB,
  "👍",
  "\u4dc0",
  "ｆ",
  "\u200b",
];
const textArb = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((a) => a.join(""));
const noSpaces = (gs: string[]) => gs.filter((g) => g !== " ");

Deno.test("wrapping: every piece fits and is whole clusters; nothing but spaces is lost", () => {
  fc.assert(
    fc.property(textArb, fc.integer({ min: 2, max: 40 }), (text, width) => {
      const pieces = wrapCells(text, width);
      for (const p of pieces) {
        // A cluster wider than the line (a ZWJ sequence at width < 6) stands alone.
        assert.ok(
          displayWidth(p) <= width || clusters(p).length === 1,
          `${JSON.stringify(p)} fits ${width}`,
        );
        assert.ok(p !== "" || text === "", "no empty piece");
      }
      // Cutting inside a cluster would change how the pieces segment.
      assert.deepEqual(noSpaces(pieces.flatMap(clusters)), noSpaces(clusters(text)));
    }),
    { numRuns: 500 },
  );
  assert.deepEqual(wrapCells(`${FAMILY}${FAMILY}${FAMILY}`, 13), [`${FAMILY}${FAMILY}`, FAMILY]);
  assert.deepEqual(wrapCells(`${FAMILY}${FAMILY}`, 4), [FAMILY, FAMILY]);
  assert.deepEqual(wrapCells(`${FLAG}${FLAG}${FLAG}`, 5), [`${FLAG}${FLAG}`, FLAG]);
  assert.deepEqual(wrapCells("cafe\u0301 cafe\u0301", 4), ["cafe\u0301", "cafe\u0301"]);
  assert.deepEqual(wrapCells("e\u0301e\u0301e\u0301", 2), ["e\u0301e\u0301", "e\u0301"]);
});

Deno.test("cutting to a width: whole clusters, an ellipsis, never wider than asked", () => {
  fc.assert(
    fc.property(textArb, fc.integer({ min: 1, max: 40 }), (text, cells) => {
      const cut = fitCells(text, cells);
      if (cut === text) {
        assert.ok(displayWidth(text) <= cells);
        return;
      }
      assert.ok(cut.endsWith("…"));
      assert.ok(displayWidth(cut) <= cells, `${JSON.stringify(cut)} fits ${cells}`);
      const kept = clusters(cut.slice(0, -1));
      assert.deepEqual(kept, clusters(text).slice(0, kept.length));
    }),
    { numRuns: 500 },
  );
  assert.equal(fitCells(`${FLAG}${FLAG}${FLAG}`, 5), `${FLAG}${FLAG}…`);
  assert.equal(fitCells(`ab${FAMILY}`, 5), "ab…");
  assert.equal(fitCells(`cafe\u0301s`, 5), "cafe\u0301s");
  assert.equal(fitCells(`cafe\u0301s!`, 5), "cafe\u0301…");
});

Deno.test("a message's layout: wrapped under the text column, each row within the screen", () => {
  const r = new Renderer({ me: "bob", color: false, time: () => "12:00", columns: 30 });
  const text =
    `家族 ${FAMILY} from ${FLAG} at the cafe\u0301 ${THUMB} 日本語のテキスト${FAMILY}${FLAG}`;
  const { lines } = r.message({ type: "message", seq: 1, ts: "", from: "alice", text });
  const indent = "12:00 alice: ".length;
  assert.ok(lines.length >= 3, lines.join("\n"));
  assert.ok(lines[0].startsWith("12:00 alice: "));
  for (const l of lines) assert.ok(displayWidth(l) <= 30, `${JSON.stringify(l)} fits 30`);
  for (const l of lines.slice(1)) assert.match(l, new RegExp(`^ {${indent}}\\S`));
  const body = lines.map((l) => l.slice(indent));
  assert.deepEqual(noSpaces(body.flatMap(clusters)), noSpaces(clusters(text)));
});

Deno.test("a transfer's status line cuts a long file name between clusters", () => {
  const name = `${FAMILY}${FLAG}写真${E_ACUTE}`.repeat(5) + ".jpg";
  const line = progressText("sending", name, 10, 100, 0);
  const shown = line.slice("sending ".length, line.indexOf(" [="));
  assert.ok(shown.endsWith("…"));
  assert.ok(displayWidth(shown) <= 32);
  const kept = clusters(shown.slice(0, -1));
  assert.deepEqual(kept, clusters(name).slice(0, kept.length));
});
