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

/**
 * A menu's keys, as WAI-ARIA's menu pattern has them: arrows and Home/End
 * move between its `items`, Escape and Tab `close` it (giving focus back).
 */
export function menuKeys(
  menu: HTMLElement,
  items: () => HTMLButtonElement[],
  close: (refocus: boolean) => void,
): void {
  menu.addEventListener("keydown", (ev) => {
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const go = (i: number) => all[(i + all.length) % all.length]?.focus();
    switch (ev.key) {
      case "ArrowDown":
        go(at + 1);
        break;
      case "ArrowUp":
        go(at - 1);
        break;
      case "Home":
        go(0);
        break;
      case "End":
        go(all.length - 1);
        break;
      case "Escape":
      case "Tab":
        close(true);
        break;
      default:
        return;
    }
    ev.preventDefault();
    ev.stopPropagation();
  });
}
