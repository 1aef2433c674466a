/// <reference lib="dom" />
/** The name form shown before the welcome: its errors, and the room password when asked. */
import type { Connection } from "./connection.ts";
import type { PageElements } from "./page.ts";
import { TITLE } from "./title.ts";

/** What the name form does for the rest of the page. */
export interface JoinForm {
  /** Shows the form instead of the chat (with `error` by the name, if given). */
  showJoin(error?: string): void;
  /** Says by the form what is wrong with the name (or the server). */
  nameProblem(text: string): void;
  /** The server needs the room password: show the field, and say why. */
  askPassword(wrong: boolean): void;
}

/** Sets up the form: submitting it joins on `conn`. */
export function joinForm(page: PageElements, conn: Connection): JoinForm {
  const { joinView, joinForm, nameInput, nameError, passwordRow, passwordInput, chatView } = page;

  function showJoin(error?: string): void {
    chatView.hidden = true;
    joinView.hidden = false;
    document.title = TITLE;
    if (error !== undefined) nameProblem(error);
    nameInput.focus();
  }

  function nameProblem(text: string): void {
    nameError.textContent = text;
    nameError.hidden = false;
    nameInput.setAttribute("aria-invalid", "true");
  }

  joinForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = nameInput.value.trim();
    if (name === "") return nameProblem("Enter a name to join.");
    nameError.hidden = true;
    nameInput.removeAttribute("aria-invalid");
    passwordInput.removeAttribute("aria-invalid");
    conn.join(name, passwordRow.hidden ? undefined : passwordInput.value);
  });

  /** The server needs the room password: show the field, and say why. */
  function askPassword(wrong: boolean): void {
    if (joinView.hidden) showJoin();
    passwordRow.hidden = false;
    nameProblem(wrong ? "Wrong password, try again." : "This room needs a password.");
    nameInput.removeAttribute("aria-invalid");
    passwordInput.setAttribute("aria-invalid", "true");
    passwordInput.value = "";
    passwordInput.focus();
  }

  return { showJoin, nameProblem, askPassword };
}
