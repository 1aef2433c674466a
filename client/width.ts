// Display width in terminal cells, for wrapping and aligning message lines.
// A compact hand-kept table rather than a dependency: East Asian Wide and
// Fullwidth blocks, emoji by Unicode property, and zero-width marks.

const segmenter = new Intl.Segmenter();
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u200b-\u200f\ufe00-\ufe0f]+$/u;
const EMOJI_PART = /\p{Extended_Pictographic}|\p{Emoji_Modifier}/gu;
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\ufe0f|\p{Regional_Indicator}/u;

// [from, to] code point ranges that take two cells (East Asian Width W or F).
const WIDE: readonly [number, number][] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18aff],
  [0x1b000, 0x1b2ff],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

function isWide(cp: number): boolean {
  if (cp < 0x1100) return false;
  for (const [from, to] of WIDE) {
    if (cp < from) return false;
    if (cp <= to) return true;
  }
  return false;
}

/** Cells taken by one grapheme cluster: 0, 1 or 2 (more for some emoji sequences). */
export function graphemeWidth(g: string): number {
  const cp = g.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300 && g.length === 1) return 1; // the common case, fast
  if (ZERO_WIDTH.test(g)) return 0;
  if (EMOJI.test(g)) {
    // Terminals disagree on modifier and ZWJ sequences (tmux 3.3 draws 👍🏽 in
    // four cells, newer ones in two): count the widest reading, so a line
    // wraps a little early rather than being wrapped by the terminal.
    const parts = g.match(EMOJI_PART)?.length ?? 1;
    return Math.max(2, 2 * parts);
  }
  if (isWide(cp)) return 2;
  return 1;
}

/**
 * The number of terminal cells `text` takes (no escape sequences in it).
 *
 * @example
 * displayWidth("日本") // 4
 * displayWidth("👍🏽 ok") // 5
 */
export function displayWidth(text: string): number {
  // ASCII-only text is one cell per character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let w = 0;
  for (const { segment } of segmenter.segment(text)) w += graphemeWidth(segment);
  return w;
}

/**
 * Breaks `text` into pieces of at most `width` cells, never inside a
 * grapheme cluster; prefers breaking after a space.
 */
export function wrapCells(text: string, width: number): string[] {
  if (width < 2 || displayWidth(text) <= width) return [text];
  const out: string[] = [];
  let line = "";
  let cells = 0;
  let lastSpace = -1; // index in `line` just after the last space
  let cellsAtSpace = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = graphemeWidth(segment);
    if (cells + w > width) {
      if (lastSpace > 0 && segment !== " ") {
        out.push(line.slice(0, lastSpace).trimEnd());
        line = line.slice(lastSpace);
        cells -= cellsAtSpace;
      } else {
        out.push(line.trimEnd());
        line = "";
        cells = 0;
      }
      lastSpace = -1;
      if (segment === " " && line === "") continue;
    }
    line += segment;
    cells += w;
    if (segment === " ") {
      lastSpace = line.length;
      cellsAtSpace = cells;
    }
  }
  if (line !== "") out.push(line);
  return out;
}

/** Cuts `text` to at most `cells` terminal cells, ending with "…" when cut. */
export function fitCells(text: string, cells: number): string {
  if (displayWidth(text) <= cells) return text;
  let out = "";
  let used = 0;
  for (const { segment: g } of segmenter.segment(text)) {
    const w = graphemeWidth(g);
    if (used + w > cells - 1) break;
    out += g;
    used += w;
  }
  return out + "…";
}
