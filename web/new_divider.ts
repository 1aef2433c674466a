/// <reference lib="dom" />
/**
 * The "new messages" divider: in each room, above the first message that
 * came while the user could not see it (the room was not the one shown, or
 * the tab was hidden). It stays while the user reads on, so that where they
 * left off stays marked; the next time messages come unseen it moves to the
 * first of those; writing in the room removes it. It is the class
 * `new-start` on that message's item, drawn by the style sheet.
 */
import type { MessageLog } from "./view.ts";

/** What the divider does for the rest of the page. */
export interface NewDivider {
  /** A message from someone else was added to the log of room `key` as `li`. */
  arrived(key: string, li: HTMLLIElement): void;
  /** We wrote in room `key`: it has been read. */
  caughtUp(key: string): void;
  /** The room shown may have changed (or the tab been shown): it counts as seen. */
  seen(): void;
}

/** Keeps a divider per room in `log`. */
export function newDivider(log: MessageLog): NewDivider {
  /** The item each room's divider is on. */
  const at = new Map<string, HTMLLIElement>();
  /** Rooms whose divider marks messages not seen yet: later ones do not move it. */
  const unseen = new Set<string>();
  const visible = () => document.visibilityState !== "hidden";

  function seen(): void {
    if (visible() && log.shown !== null) unseen.delete(log.shown);
  }

  function take(key: string): void {
    const old = at.get(key);
    if (!old) return;
    at.delete(key);
    old.classList.remove("new-start");
    log.arrange(old);
  }

  function arrived(key: string, li: HTMLLIElement): void {
    if (visible() && key === log.shown) {
      unseen.delete(key);
      return;
    }
    if (unseen.has(key)) return;
    take(key);
    li.classList.add("new-start");
    log.arrange(li);
    at.set(key, li);
    unseen.add(key);
  }

  function caughtUp(key: string): void {
    take(key);
    unseen.delete(key);
  }

  document.addEventListener("visibilitychange", seen);

  return { arrived, caughtUp, seen };
}
