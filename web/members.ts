/// <reference lib="dom" />
/** The current room's members; and any name on the page as the way to a private message. */
import type { PageElements } from "./page.ts";
import type { PageState } from "./state.ts";
import { nameButton } from "./message_view.ts";

/** What the members list does for the rest of the page. */
export interface Members {
  /** Shows the current room's members. */
  renderMembers(): void;
}

/** Sets up the members list, and the clicks on names. */
export function members(page: PageElements, state: PageState): Members {
  const { memberList, memberCount, textInput } = page;
  const { tracker, me, ops } = state;

  /** The current room's members. */
  function renderMembers(): void {
    const names = [...(tracker().current?.members ?? [])].sort((a, b) =>
      a.localeCompare(b, undefined, { sensitivity: "base" })
    );
    memberCount.textContent = `(${names.length})`;
    memberList.replaceChildren(...names.map((n) => {
      const li = document.createElement("li");
      const b = nameButton(n);
      b.tabIndex = 0;
      li.append(b);
      if (ops.isOp(tracker().current?.name, n)) {
        // Shown as "op"; read as "operator" (the title says it too).
        const badge = document.createElement("abbr");
        badge.className = "op-badge";
        badge.title = "operator";
        badge.textContent = "op";
        li.append(" ", badge);
      }
      if (n !== me()) {
        // Its menu (member_menu.ts): a private message, and for operators kick, ban, mute.
        b.title = `${n}: private message${state.amOp() ? ", kick, ban, mute" : ""}`;
        b.setAttribute("aria-haspopup", "menu");
        b.setAttribute("aria-expanded", "false");
      }
      if (n === me()) {
        const you = document.createElement("span");
        you.className = "you";
        you.textContent = " (you)";
        li.append(you);
      }
      return li;
    }));
  }

  // A click on any name in the log starts a private message to it (the
  // members list opens a menu instead: member_menu.ts).
  document.addEventListener("click", (e) => {
    const b = (e.target as HTMLElement).closest?.(".who") as HTMLElement | null;
    if (!b?.dataset.name || b.dataset.name === me() || memberList.contains(b)) return;
    textInput.value = `/msg ${b.dataset.name} `;
    textInput.focus();
  });

  return { renderMembers };
}
