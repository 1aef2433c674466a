/// <reference lib="dom" />
/**
 * A message's menu: the ⋯ button that hovering (or focusing) one of our
 * messages shows — any message, for an operator — opens Edit and Delete…;
 * Delete asks first, in a small modal dialog. Arrow keys move in the menu,
 * Escape (or Tab, or a click elsewhere) closes it. From the keyboard: Tab
 * from the log reaches the last message's button, ↑/↓ move between them.
 */
import { menuKeys } from "./dom.ts";
import { same } from "./names.ts";
import type { Editing } from "./editing.ts";
import type { PageState } from "./state.ts";
import type { MessageLog } from "./view.ts";

/** The menu and the dialog asking before a delete (see index.html). */
export interface MessageMenuElements {
  menu: HTMLElement;
  dialog: HTMLDialogElement;
  form: HTMLFormElement;
  /** The text of the message to delete, quoted in the dialog. */
  quote: HTMLElement;
  cancel: HTMLButtonElement;
}

/** What {@linkcode messageMenu} needs. */
export interface MessageMenuDeps {
  elements: MessageMenuElements;
  list: HTMLOListElement;
  state: PageState;
  log: MessageLog;
  editing: Editing;
  /** Where the focus goes when the dialog closes and the message is gone. */
  textInput: HTMLInputElement;
}

/** What the menu does for the rest of the page. */
export interface MessageMenu {
  /** We may have become (or stopped being) an operator: whose messages show the button. */
  refresh(): void;
  /** Closes the menu (the room shown is changing). */
  close(): void;
}

/** True when `li` is a message of ours that can be edited (stored, not a file, not deleted). */
export function editable(li: HTMLElement, me: string): boolean {
  return li.matches("li.msg[data-seq]:not(.deleted, .file, .dm, .pending, .before-reset)") &&
    same(li.dataset.from ?? "", me);
}

/** Sets up the messages' menus and the delete dialog. */
export function messageMenu(d: MessageMenuDeps): MessageMenu {
  const { elements: e, list, state, log } = d;
  const { menu, dialog } = e;
  const { conn, tracker, me } = state;
  /** The message whose menu is open, or that the dialog asks about. */
  let target: { li: HTMLLIElement; room: string; seq: number } | null = null;
  let nextRef = 1;
  /** The dialog closed by Delete: the message's button goes with it, the focus to the composer. */
  let deleted = false;

  const items = (): HTMLButtonElement[] => [...menu.querySelectorAll<HTMLButtonElement>("button")];

  function item(label: string, run: () => void): HTMLButtonElement {
    const b = document.createElement("button");
    b.type = "button";
    b.setAttribute("role", "menuitem");
    b.tabIndex = -1;
    b.textContent = label;
    b.addEventListener("click", run);
    return b;
  }

  function open(button: HTMLButtonElement): void {
    const li = button.closest<HTMLLIElement>("li.msg");
    const room = tracker().current;
    if (!li?.dataset.seq || !room || li.classList.contains("deleted")) return;
    close(false);
    const mine = same(li.dataset.from ?? "", me());
    const choices: HTMLButtonElement[] = [];
    if (editable(li, me())) choices.push(item("Edit", () => edit(li)));
    if (mine || state.amOp()) choices.push(item("Delete…", () => ask()));
    if (choices.length === 0) return;
    target = { li, room: room.name, seq: Number(li.dataset.seq) };
    menu.replaceChildren(...choices);
    menu.setAttribute("aria-label", "Actions for this message");
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    button.setAttribute("aria-controls", menu.id);
    place(button);
    choices[0].focus();
  }

  /** Below the button (above it near the bottom), inside the window. */
  function place(b: HTMLElement): void {
    const r = b.getBoundingClientRect();
    const w = menu.offsetWidth;
    const h = menu.offsetHeight;
    const left = Math.max(8, Math.min(r.right - w, innerWidth - w - 8));
    const top = r.bottom + 4 + h > innerHeight - 8 ? Math.max(8, r.top - h - 4) : r.bottom + 4;
    menu.style.left = `${left}px`;
    menu.style.top = `${top}px`;
  }

  const buttonOf = (li: HTMLLIElement | undefined) => li?.querySelector<HTMLButtonElement>(".more");

  function close(refocus: boolean): void {
    if (menu.hidden) return;
    menu.hidden = true;
    const b = buttonOf(target?.li);
    b?.setAttribute("aria-expanded", "false");
    if (refocus) b?.focus();
  }

  function edit(li: HTMLLIElement): void {
    close(false);
    target = null;
    d.editing.start(li);
  }

  function ask(): void {
    close(false);
    if (!target) return;
    e.quote.textContent = target.li.querySelector(".text, .file-name")?.textContent ?? "";
    dialog.showModal();
    e.cancel.focus();
  }

  list.addEventListener("click", (ev) => {
    const b = (ev.target as HTMLElement).closest?.("button.more") as HTMLButtonElement | null;
    if (!b) return;
    const again = !menu.hidden && target !== null && buttonOf(target.li) === b;
    if (again) close(true);
    else open(b);
  });

  menuKeys(menu, items, close);
  rovingButtons(list);

  document.addEventListener("pointerdown", (ev) => {
    const t = ev.target as Node;
    if (menu.hidden || menu.contains(t) || buttonOf(target?.li)?.contains(t)) return;
    close(false);
  });

  e.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = target;
    deleted = true;
    dialog.close();
    if (!t) return;
    const sent = conn.send({ type: "delete", room: t.room, seq: t.seq, ref: `d${nextRef++}` });
    if (!sent) log.add(log.system("Not connected right now: delete it again soon.", true), true);
  });

  e.cancel.addEventListener("click", () => dialog.close());

  dialog.addEventListener("close", () => {
    const b = buttonOf(target?.li);
    target = null;
    (b && !deleted ? b : d.textInput).focus();
    deleted = false;
  });

  function refresh(): void {
    list.classList.toggle("moderator", state.amOp());
  }

  return {
    refresh,
    close: () => {
      close(false);
      if (dialog.open) dialog.close();
    },
  };
}

/**
 * The ⋯ buttons as one tab stop (WAI-ARIA's roving tabindex): Tab from the
 * log reaches the newest shown one, ↑/↓ (and Home/End) move between them.
 * Each is tabIndex -1 otherwise, so Tab does not walk every message.
 */
function rovingButtons(list: HTMLOListElement): void {
  const shown = () =>
    [...list.querySelectorAll<HTMLButtonElement>("button.more")].filter((b) => b.checkVisibility());
  let stop: HTMLButtonElement | null = null;
  const make = (b: HTMLButtonElement | undefined) => {
    if (stop && stop !== b) stop.tabIndex = -1;
    stop = b ?? null;
    if (stop) stop.tabIndex = 0;
  };
  // The log itself took the focus: the stop is its newest button (messages came since).
  list.addEventListener("focus", () => make(shown().at(-1)));
  list.addEventListener("keydown", (ev) => {
    const b = ev.target as HTMLElement;
    if (!b.matches?.("button.more") || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const all = shown();
    const at = all.indexOf(b as HTMLButtonElement);
    const moves: Record<string, number> = {
      ArrowUp: at - 1,
      ArrowDown: at + 1,
      Home: 0,
      End: all.length - 1,
    };
    const to = moves[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    const next = all[Math.max(0, Math.min(all.length - 1, to))];
    make(next);
    next?.focus();
    next?.scrollIntoView({ block: "nearest" });
  });
}
