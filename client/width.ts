// Display width in terminal cells, for wrapping and aligning message lines.
// The widths are string-width's (East Asian Width from get-east-asian-width,
// generated from Unicode's data; RGI emoji, flags, marks and Hangul by its
// rules); this file only splits text into grapheme clusters and measures
// them one by one, so that wrapping and cutting never split a cluster.

import stringWidth from "string-width";

const segmenter = new Intl.Segmenter();
// Escape sequences count as what they are (ESC 0 cells, the rest 1 each), as
// in the sum over clusters; the client never measures text that has any.
const OPTIONS = { countAnsiEscapeCodes: true } as const;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const SEQUENCE = /\u200d|\p{Emoji_Modifier}/u;
const EMOJI_PART = /\p{Extended_Pictographic}|\p{Emoji_Modifier}/gu;

/** Widths of clusters seen before (bounded: cleared when full). */
const CACHE = new Map<string, number>();
const MAX_CACHED = 4096;

function measure(g: string): number {
  const w = stringWidth(g, OPTIONS);
  // Terminals disagree on emoji modifier and ZWJ sequences: string-width
  // gives 👍🏽 and 👩‍👩‍👧 two cells, tmux 3.3 draws 👩‍👩‍👧 in two but 👍🏽 in
  // four, and a terminal without grapheme clusters draws every part (six for
  // 👩‍👩‍👧). Count the widest reading, so a line wraps a little early rather
  // than being wrapped by the terminal.
  if (w < 2 || !SEQUENCE.test(g)) return w;
  return Math.max(w, 2 * (g.match(EMOJI_PART)?.length ?? 0));
}

/** Cells taken by one grapheme cluster: 0, 1 or 2 (more for some emoji sequences). */
export function graphemeWidth(g: string): number {
  if (g.length === 1) {
    const c = g.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f) return 1; // the common case, fast
  }
  let w = CACHE.get(g);
  if (w === undefined) {
    w = measure(g);
    if (CACHE.size >= MAX_CACHED) CACHE.clear();
    CACHE.set(g, w);
  }
  return w;
}

/**
 * The number of terminal cells `text` takes (no escape sequences in it).
 *
 * @example
 * displayWidth("日本") // 4
 * displayWidth("👍🏽 ok") // 7
 */
export function displayWidth(text: string): number {
  // ASCII-only text is one cell per character.
  if (PRINTABLE_ASCII.test(text)) return text.length;
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
  // A break at a run of spaces leaves nothing before it: no empty line then.
  const emit = (piece: string) => piece !== "" && out.push(piece);
  for (const { segment } of segmenter.segment(text)) {
    const w = graphemeWidth(segment);
    // (A cluster wider than the line, such as a long ZWJ sequence on a narrow
    // screen, gets a line of its own rather than an empty one before it.)
    if (cells + w > width && line !== "") {
      // After the last space if what follows it fits beside this cluster.
      if (lastSpace > 0 && segment !== " " && cells - cellsAtSpace + w <= width) {
        emit(line.slice(0, lastSpace).trimEnd());
        line = line.slice(lastSpace);
        cells -= cellsAtSpace;
      } else {
        emit(line.trimEnd());
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
