/// <reference lib="dom" />
import type { RoomView } from "../protocol/room_tracker.ts";

/** The elements of the room list. */
export interface RoomListElements {
  /** The list of rooms, one button each. */
  list: HTMLUListElement;
  /** The panel holding the list and the "Join a room" form. */
  panel: HTMLElement;
  /** The phone's "Rooms" button that opens and closes the panel. */
  toggle: HTMLButtonElement;
  /** Inside the toggle: what is unread in the other rooms. */
  badge: HTMLElement;
}

/** What the room list reports to the page. */
export interface RoomListHandlers {
  /** A room was picked (click, or Enter/Space on its button). */
  pick(name: string): void;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  // Room names go in through textContent only, like everything else.
  if (text !== undefined) e.textContent = text;
  return e;
}

/** What a screen reader hears for a room's button. */
export function roomLabel(r: Pick<RoomView, "name" | "unread" | "mentioned">): string {
  const parts = [`#${r.name}`];
  if (r.unread > 0) parts.push(`${r.unread} unread`);
  if (r.mentioned) parts.push("mentions you");
  return parts.join(", ");
}

/**
 * The rooms one is in: a sidebar on wide screens; on a phone's width, a
 * panel that the "Rooms" button opens. Each room shows its unread count and
 * a mark when you were mentioned there; the current room is highlighted
 * (and `aria-current`).
 */
export class RoomList {
  readonly #e: RoomListElements;
  readonly #h: RoomListHandlers;

  constructor(elements: RoomListElements, handlers: RoomListHandlers) {
    this.#e = elements;
    this.#h = handlers;
    const { list, panel, toggle } = elements;
    list.addEventListener("click", (e) => {
      const b = (e.target as HTMLElement).closest?.("button.room") as HTMLButtonElement | null;
      if (!b?.dataset.room) return;
      this.close();
      handlers.pick(b.dataset.room);
    });
    toggle.addEventListener("click", () => this.isOpen ? this.close() : this.open());
    panel.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || !this.isOpen) return;
      e.preventDefault();
      this.close();
      toggle.focus();
    });
    // A tap outside the open panel closes it, as a menu would.
    document.addEventListener("pointerdown", (e) => {
      const t = e.target as Node;
      if (this.isOpen && !panel.contains(t) && !toggle.contains(t)) this.close();
    });
  }

  /** True while the phone's panel is open. */
  get isOpen(): boolean {
    return this.#e.toggle.getAttribute("aria-expanded") === "true";
  }

  /** Opens the panel (on a phone's width; wide screens always show it) and focuses the current room. */
  open(): void {
    this.#e.toggle.setAttribute("aria-expanded", "true");
    this.#e.panel.classList.add("open");
    const current = this.#e.list.querySelector<HTMLButtonElement>("button[aria-current='true']");
    (current ?? this.#e.list.querySelector<HTMLButtonElement>("button"))?.focus();
  }

  close(): void {
    this.#e.toggle.setAttribute("aria-expanded", "false");
    this.#e.panel.classList.remove("open");
  }

  /** Shows `rooms`, `current` highlighted. */
  render(rooms: readonly RoomView[], current: RoomView | undefined): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.room;
    this.#e.list.replaceChildren(...rooms.map((r) => {
      const li = el("li", "");
      const b = el("button", r.unread > 0 ? "room unread" : "room");
      b.type = "button";
      b.dataset.room = r.name;
      b.setAttribute("aria-current", r === current ? "true" : "false");
      b.setAttribute("aria-label", roomLabel(r));
      b.setAttribute("aria-keyshortcuts", "Alt+ArrowUp Alt+ArrowDown");
      b.append(el("span", "room-name", `#${r.name}`));
      if (r.unread > 0) b.append(el("span", "count", r.unread > 999 ? "999+" : String(r.unread)));
      if (r.mentioned) {
        const at = el("span", "at", "@");
        at.title = "You were mentioned";
        b.append(at);
      }
      li.append(b);
      return li;
    }));
    // Re-rendering must not lose a keyboard user's place in the list.
    if (focused !== undefined) {
      [...this.#e.list.querySelectorAll<HTMLButtonElement>("button.room")]
        .find((b) => b.dataset.room === focused)?.focus();
    }
    const others = rooms.filter((r) => r !== current);
    const unread = others.reduce((n, r) => n + r.unread, 0);
    const mentioned = others.some((r) => r.mentioned);
    this.#e.badge.textContent = unread > 0 ? `${unread}${mentioned ? " @" : ""}` : "";
    this.#e.badge.hidden = unread === 0;
    this.#e.toggle.setAttribute(
      "aria-label",
      `Rooms${current ? `, in #${current.name}` : ""}${
        unread > 0 ? `, ${unread} unread elsewhere` : ""
      }${mentioned ? ", you were mentioned" : ""}`,
    );
  }
}
