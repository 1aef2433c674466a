/// <reference lib="dom" />
/** The one way the page makes elements from its code. */

/** An element with a class and text (user text only ever through textContent). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  // User text only ever goes in through textContent: never parsed as HTML.
  if (text !== undefined) e.textContent = text;
  return e;
}
