/// <reference lib="dom" />
/** The tab's title, with the unread count while the tab is hidden. */
import type { PageState } from "./state.ts";

export const TITLE = "chat";

/** The title with `n` unread. */
export function titleFor(n: number): string {
  return n > 0 ? `(${n}) ${TITLE}` : TITLE;
}

/** What the title does for the rest of the page. */
export interface UnreadTitle {
  /** A message came: counted in the title if the tab is hidden. */
  bump(): void;
}

/** Counts in `state.unread`; showing the tab again clears the count. */
export function unreadTitle(state: PageState): UnreadTitle {
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    state.unread = 0;
    document.title = titleFor(0);
  });

  function bump(): void {
    if (!document.hidden) return;
    state.unread++;
    document.title = titleFor(state.unread);
  }

  return { bump };
}
