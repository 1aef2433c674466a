import assert from "node:assert/strict";
import { joinJson, withServer } from "./helpers.ts";
import { HAS_TMUX, Terminal } from "./join_helpers.ts";

// The terminal client's layout in a real terminal (tmux) with CJK, emoji ZWJ
// sequences, flags and combining marks: lines are wrapped by the client
// under the text column, never by the terminal, and never inside a cluster.
// tests/join_width_test.ts checks the widths themselves.

const ignore = !HAS_TMUX;
if (ignore) {
  console.warn("tmux is not installed: the terminal width tests of chat join are skipped");
}

const segmenter = new Intl.Segmenter();
const clusters = (text: string) =>
  [...segmenter.segment(text)].map((s) => s.segment).filter((g) => g !== " ");

const FAMILY = "👩\u200d👩\u200d👧";
const FLAG = "🇫🇷";
const E_ACUTE = "e\u0301";

/** The message's rows as the screen shows them, from "alice: " down to the input line. */
async function messageRows(t: Terminal, start: string): Promise<string[]> {
  const rows = await t.waitForText(`alice: ${start}`);
  const first = rows.findIndex((r) => r.includes(`alice: ${start}`));
  const end = rows.findIndex((r, i) => i > first && r.startsWith("bob #lobby>"));
  return rows.slice(first, end);
}

/** Checks that `text` is laid out under the text column, every cluster whole. */
function assertLaidOut(rows: string[], text: string): void {
  const indent = "00:00 alice: ".length;
  assert.ok(rows.length >= 3, `the text was wrapped:\n${rows.join("\n")}`);
  for (const [i, r] of rows.entries()) {
    // (A row cannot be wider than the terminal: capture-pane shows its cells.)
    // The terminal wrapping a line itself would leave a row that is not indented.
    if (i > 0) {
      assert.match(r, new RegExp(`^ {${indent}}\\S`), `row ${i} is aligned:\n${rows.join("\n")}`);
    }
  }
  const body = rows.map((r) => r.slice(indent));
  assert.deepEqual(body.flatMap(clusters), clusters(text), rows.join("\n"));
}

Deno.test({
  name: "ZWJ sequences, flags, combining marks and CJK wrap under the text column, clusters whole",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      const t = await Terminal.start(["--name", "bob", "--port", String(port)], 40, 30);
      try {
        await t.waitForText("Welcome, bob!");
        const text = `family ${FAMILY}${FAMILY} from ${FLAG}${FLAG} at the cafe\u0301 ` +
          `${E_ACUTE}${E_ACUTE}${E_ACUTE} 日本語のテキスト${FAMILY}한국어${FLAG}文字`.repeat(2);
        await alice.sendJson({ type: "say", text });
        assertLaidOut(await messageRows(t, "family"), text);
      } finally {
        await t.kill();
      }
      await alice.close();
    }),
});

Deno.test({
  name: "wide characters the old hand-kept table counted as narrow do not make the terminal wrap",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      const t = await Terminal.start(["--name", "bob", "--port", String(port)], 40, 30);
      try {
        await t.waitForText("Welcome, bob!");
        // ䷀ (hexagram), 〈 (U+2329), 🈐 (squared katakana): East Asian Wide,
        // drawn in two cells by tmux; the old table counted one.
        const text = "wide \u4dc0\u2329\u{1f210}".repeat(8);
        await alice.sendJson({ type: "say", text });
        assertLaidOut(await messageRows(t, "wide"), text);
      } finally {
        await t.kill();
      }
      await alice.close();
    }),
});

Deno.test({
  name: "a typed line with ZWJ sequences, flags and combining marks is sent and shown whole",
  ignore,
  fn: () =>
    withServer([], async ({ port }) => {
      const { client: alice } = await joinJson(port, "alice");
      const t = await Terminal.start(["--name", "bob", "--port", String(port)], 60, 30);
      try {
        await t.waitForText("Welcome, bob!");
        const text = `hi ${FAMILY} ${FLAG} cafe\u0301 日本`;
        await t.type(text);
        await t.keys("Enter");
        assert.equal((await alice.event("message")).text, text);
        const rows = await t.waitForText("bob: hi");
        const row = rows.find((r) => r.includes("bob: hi"))!;
        assert.equal(row.slice(row.indexOf("bob: ") + 5), text);
        await t.waitForInput("bob #lobby>");
      } finally {
        await t.kill();
      }
      await alice.close();
    }),
});
