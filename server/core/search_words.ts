/** Most words one search looks for: a longer query is cut, not refused. */
export const MAX_QUERY_WORDS = 16;
/** Longest word looked for, in characters. */
const MAX_WORD = 64;

const WORD = /[\p{L}\p{N}\p{Co}]+/gu;
const MARKS = /\p{M}+/gu;

/** Text without case or accents: "Déjà Vu" → "deja vu". */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(MARKS, "").toLowerCase();
}

/**
 * The words a search looks for: letters and digits only, folded, each once.
 * Everything else (quotes, `*`, `NEAR(`, operators) separates words, so no
 * query syntax ever reaches a search engine.
 */
export function searchWords(query: string): string[] {
  const words = new Set<string>();
  for (const [w] of foldText(query.slice(0, 4096)).matchAll(WORD)) {
    words.add([...w].slice(0, MAX_WORD).join(""));
    if (words.size === MAX_QUERY_WORDS) break;
  }
  return [...words];
}

/** Whether `text` has every one of `words` (from {@linkcode searchWords}) as a whole word. */
export function matchesWords(text: string, words: readonly string[]): boolean {
  if (words.length === 0) return false;
  const have = new Set<string>();
  for (const [w] of foldText(text).matchAll(WORD)) have.add(w);
  return words.every((w) => have.has(w));
}

/** Thrown by a history that cannot search (`--no-search`): its message is for the user. */
export class SearchOff extends Error {}
