/// <reference lib="dom" />
/**
 * A member's menu in the members list: click (or Enter, Space, Down) on a
 * name opens it; it offers a private message, and to an operator Kick…,
 * Ban… and Mute…, each asking in a small modal dialog for what its event
 * takes (a reason, a duration). Arrow keys move in the menu, Escape (or
 * Tab, or a click elsewhere) closes it and focus goes back to the name.
 */
import { menuKeys } from "./dom.ts";
import { moderationEvent } from "../protocol/moderation_commands.ts";
import { same } from "./names.ts";
import type { PageState } from "./state.ts";

/** The menu and the dialog (see index.html). */
export interface MemberMenuElements {
  menu: HTMLElement;
  dialog: HTMLDialogElement;
  form: HTMLFormElement;
  title: HTMLElement;
  durationRow: HTMLElement;
  duration: HTMLInputElement;
  durationHelp: HTMLElement;
  reasonRow: HTMLElement;
  reason: HTMLInputElement;
  error: HTMLElement;
  submit: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

type Act = "kick" | "ban" | "mute";

/** Each action's words, and which fields its event takes. */
const ACTS: Record<Act, { verb: string; duration?: string; reason: boolean }> = {
  kick: { verb: "Kick", reason: true },
  ban: {
    verb: "Ban",
    duration: "Empty: for ever. Banning a name bans its address too.",
    reason: true,
  },
  mute: { verb: "Mute", duration: "Empty: until an operator unmutes them.", reason: false },
};

/** What {@linkcode memberMenu} needs. */
export interface MemberMenuDeps {
  elements: MemberMenuElements;
  memberList: HTMLUListElement;
  textInput: HTMLInputElement;
  state: PageState;
}

/** Sets up the members' menus and the moderation dialog. */
export function memberMenu(d: MemberMenuDeps): void {
  const { elements: e, memberList, textInput, state } = d;
  const { menu, dialog } = e;
  /** The member whose menu (or dialog) is open. */
  let anchorName: string | null = null;
  let asking: { act: Act; name: string } | null = null;

  /** The member's button now: the list is drawn again on every join and leave. */
  const buttonOf = (name: string | null): HTMLButtonElement | null =>
    name === null ? null : [...memberList.querySelectorAll<HTMLButtonElement>("button.who")]
      .find((b) => b.dataset.name !== undefined && same(b.dataset.name, name)) ?? null;

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

  function open(b: HTMLButtonElement, last = false): void {
    const name = b.dataset.name!;
    close(false);
    anchorName = name;
    const list = [item("Direct message", () => dm(name))];
    if (state.amOp()) {
      list.push(
        item("Kick…", () => ask("kick", name)),
        item("Ban…", () => ask("ban", name)),
        item("Mute…", () => ask("mute", name)),
      );
    }
    menu.replaceChildren(...list);
    menu.setAttribute("aria-label", `Actions for ${name}`);
    menu.hidden = false;
    b.setAttribute("aria-expanded", "true");
    b.setAttribute("aria-controls", menu.id);
    place(b);
    (last ? list[list.length - 1] : list[0]).focus();
  }

  /** Under the name (above it near the bottom), inside the window: also on a phone. */
  function place(b: HTMLElement): void {
    const r = b.getBoundingClientRect();
    const w = menu.offsetWidth;
    const h = menu.offsetHeight;
    const left = Math.max(8, Math.min(r.left, innerWidth - w - 8));
    const top = r.bottom + 4 + h > innerHeight - 8 ? Math.max(8, r.top - h - 4) : r.bottom + 4;
    menu.style.left = `${left}px`;
    menu.style.top = `${top}px`;
  }

  function close(refocus: boolean): void {
    if (menu.hidden) return;
    menu.hidden = true;
    const b = buttonOf(anchorName);
    b?.setAttribute("aria-expanded", "false");
    if (refocus) b?.focus();
    anchorName = null;
  }

  function dm(name: string): void {
    close(false);
    textInput.value = `/msg ${name} `;
    textInput.focus();
  }

  function ask(act: Act, name: string): void {
    close(false);
    asking = { act, name };
    const a = ACTS[act];
    e.title.textContent = `${a.verb} ${name}`;
    e.durationRow.hidden = a.duration === undefined;
    e.durationHelp.textContent = a.duration ?? "";
    e.reasonRow.hidden = !a.reason;
    e.duration.value = "";
    e.reason.value = "";
    e.duration.removeAttribute("aria-invalid");
    e.error.hidden = true;
    e.submit.textContent = a.verb;
    dialog.showModal();
    (a.duration !== undefined ? e.duration : e.reason).focus();
  }

  function problem(text: string, field?: HTMLInputElement): void {
    e.error.textContent = text;
    e.error.hidden = false;
    if (field) {
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  }

  // --- the members list and the menu --------------------------------------

  memberList.addEventListener("click", (ev) => {
    const b = (ev.target as HTMLElement).closest?.("button.who") as HTMLButtonElement | null;
    if (!b?.dataset.name || same(b.dataset.name, state.me())) return;
    const again = !menu.hidden && anchorName !== null && same(anchorName, b.dataset.name);
    if (again) close(true);
    else open(b);
  });

  memberList.addEventListener("keydown", (ev) => {
    const b = (ev.target as HTMLElement).closest?.("button.who") as HTMLButtonElement | null;
    if (!b?.dataset.name || same(b.dataset.name, state.me())) return;
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    ev.preventDefault();
    open(b, ev.key === "ArrowUp");
  });

  menuKeys(menu, items, close);

  // A click or tap anywhere else closes it.
  document.addEventListener("pointerdown", (ev) => {
    const t = ev.target as Node;
    if (menu.hidden || menu.contains(t) || buttonOf(anchorName)?.contains(t)) return;
    close(false);
  });

  // --- the dialog ---------------------------------------------------------

  e.form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!asking) return dialog.close();
    const built = moderationEvent(asking.act, asking.name, {
      duration: e.durationRow.hidden ? "" : e.duration.value,
      reason: e.reasonRow.hidden ? "" : e.reason.value,
    });
    if (typeof built === "string") return problem(built, e.duration);
    if (!state.conn.send(built)) {
      return problem("Not connected right now: try again when the page is back online.");
    }
    dialog.close();
  });

  e.cancel.addEventListener("click", () => dialog.close());

  dialog.addEventListener("close", () => {
    const name = asking?.name ?? null;
    asking = null;
    (buttonOf(name) ?? textInput).focus();
  });
}
