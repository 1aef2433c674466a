import { nameKey } from "../protocol/names.ts";

/** How many name colours the style sheet defines (.nc0 … .nc11). */
export const COLOURS = 12;

/** The class giving `name` its colour: the same in every tab, whatever its case. */
export function colourClass(name: string): string {
  // FNV-1a: cheap and well spread for short strings.
  let h = 0x811c9dc5;
  for (const ch of name.toLowerCase()) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return `nc${(h >>> 0) % COLOURS}`;
}

/**
 * Where `name` is mentioned in `text`, as [start, end) ranges: whole-word,
 * case-insensitive, with or without a leading "@".
 */
export function mentions(text: string, name: string): [number, number][] {
  if (name === "") return [];
  const escaped = name.replace(/[.*+?^${}()|[\]\\\-]/g, "\\$&");
  const re = new RegExp(`(?<![\\p{L}\\p{N}_.\\-])@?${escaped}(?![\\p{L}\\p{N}_\\-])`, "giu");
  const out: [number, number][] = [];
  for (const m of text.matchAll(re)) out.push([m.index!, m.index! + m[0].length]);
  return out;
}

/** True when `a` and `b` are the same name, whatever their case (see `nameKey`). */
export function same(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}
