/// <reference lib="dom" />
/**
 * Editing one of our messages in the composer, as in Slack and Discord: Up
 * on an empty message field (or Edit in a message's menu) puts the
 * message's text in the field; Enter sends the `edit`, Escape gives up and
 * brings back what was being typed. Everyone sees the new text, with
 * "(edited)", when the server's `edit` event comes back.
 */
import { nameKey } from "../protocol/names.ts";
import { editable } from "./message_menu.ts";
import type { PageState } from "./state.ts";
import type { MessageLog } from "./view.ts";

/** What {@linkcode editing} needs. */
export interface EditingDeps {
  composer: HTMLFormElement;
  textInput: HTMLInputElement;
  /** Says, above the field, that it is editing and how to finish. */
  hint: HTMLElement;
  state: PageState;
  log: MessageLog;
}

/** What editing does for the rest of the page. */
export interface Editing {
  /** Starts editing the message of item `li` (one of ours, in the room shown). */
  start(li: HTMLLIElement): void;
  /** Stops editing, if editing, and brings back what was being typed. */
  cancel(): void;
  /** The composer was submitted: true when it was an edit (done here). */
  submit(): boolean;
  /** Message item `li` was deleted: an edit of it stops. */
  gone(li: HTMLLIElement): void;
}

/** Sets up editing in the composer. */
export function editing(d: EditingDeps): Editing {
  const { composer, textInput, hint, state, log } = d;
  const { conn, tracker, me } = state;
  let nextRef = 1;
  /** The message being edited, and what the field held before. */
  let now: { li: HTMLLIElement; room: string; seq: number; text: string; draft: string } | null =
    null;

  function start(li: HTMLLIElement): void {
    const room = tracker().current;
    if (!room || !editable(li, me())) return;
    cancel();
    const text = li.querySelector(".text")?.textContent ?? "";
    now = { li, room: room.name, seq: Number(li.dataset.seq), text, draft: textInput.value };
    li.classList.add("editing");
    composer.classList.add("editing");
    hint.hidden = false;
    textInput.value = text;
    textInput.focus();
    textInput.setSelectionRange(text.length, text.length);
  }

  function cancel(): void {
    if (!now) return;
    now.li.classList.remove("editing");
    composer.classList.remove("editing");
    hint.hidden = true;
    textInput.value = now.draft;
    now = null;
  }

  function submit(): boolean {
    if (!now) return false;
    const text = textInput.value.replace(/[\r\n]+/g, " ").trim();
    if (text === now.text) {
      cancel();
      return true;
    }
    if (text === "") {
      const m = "An edit cannot be empty: to remove the message, choose Delete… in its ⋯ menu.";
      log.add(log.system(m, true), true);
      return true;
    }
    const sent = conn.send({
      type: "edit",
      room: now.room,
      seq: now.seq,
      text,
      ref: `e${nextRef++}`,
    });
    if (!sent) {
      log.add(
        log.system("Not connected right now: your edit is kept, press Enter again soon.", true),
      );
      return true;
    }
    cancel();
    return true;
  }

  textInput.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.isComposing) return;
    if (e.key === "Escape" && now) {
      e.preventDefault();
      cancel();
      return;
    }
    if (e.key !== "ArrowUp" || now || textInput.value !== "") return;
    const key = log.shown;
    if (key === null || key !== nameKey(tracker().current?.name ?? "")) return;
    const li = log.findLast(key, (li) => editable(li, me()));
    if (!li) return;
    e.preventDefault();
    start(li);
  });

  return {
    start,
    cancel,
    submit,
    gone: (li) => {
      if (now?.li === li) cancel();
    },
  };
}
