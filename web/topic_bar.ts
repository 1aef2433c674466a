/// <reference lib="dom" />
import type { RoomView } from "../protocol/room_tracker.ts";

/** The elements of the topic bar above the messages. */
export interface TopicBarElements {
  /** The current room's name. */
  title: HTMLElement;
  /** Shows the topic; click (or Enter) edits it. */
  show: HTMLButtonElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
}

/** Options of {@linkcode TopicBar}. */
export interface TopicBarOptions {
  /** False when we may not change `room`'s topic (it is locked). @default always true */
  canEdit?: (room: RoomView) => boolean;
}

/**
 * The current room's name and topic. The topic is a button: activating it
 * (click, Enter, Space) turns it into a field; Enter saves, Escape (or
 * leaving the field) cancels.
 */
export class TopicBar {
  readonly #e: TopicBarElements;
  readonly #canEdit: (room: RoomView) => boolean;
  #room: RoomView | undefined;

  /** `save` is called with the room and the new topic ("" clears it). */
  constructor(
    elements: TopicBarElements,
    save: (room: string, text: string) => void,
    options: TopicBarOptions = {},
  ) {
    this.#e = elements;
    this.#canEdit = options.canEdit ?? (() => true);
    const { show, form, input } = elements;
    show.addEventListener("click", () => this.edit());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const room = this.#room;
      if (!room) return this.#stop(true);
      const text = input.value.trim();
      this.#stop(true);
      if (text !== room.topic) save(room.name, text);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      this.#stop(true);
    });
    input.addEventListener("blur", () => {
      if (!form.hidden) this.#stop(false);
    });
  }

  /** True while the topic is being edited. */
  get editing(): boolean {
    return !this.#e.form.hidden;
  }

  /** Starts editing the current room's topic. */
  edit(): void {
    const room = this.#room;
    if (!room || !this.#canEdit(room)) return;
    const { show, form, input } = this.#e;
    input.value = room.topic;
    input.setAttribute("aria-label", `Topic of #${room.name} (Enter saves, Escape cancels)`);
    show.hidden = true;
    form.hidden = false;
    input.focus();
    input.select();
  }

  #stop(refocus: boolean): void {
    const { show, form } = this.#e;
    form.hidden = true;
    show.hidden = false;
    if (refocus) show.focus();
  }

  /** Shows `room` (undefined: in no room); an edit of another room's topic is dropped. */
  render(room: RoomView | undefined): void {
    const { title, show } = this.#e;
    if (room !== this.#room && this.editing) this.#stop(false);
    this.#room = room;
    title.textContent = room ? `#${room.name}` : "No room";
    show.disabled = !room;
    show.classList.toggle("empty", !room?.topic);
    if (!room) {
      show.textContent = "You are in no room: join one from the list";
      show.removeAttribute("aria-label");
      return;
    }
    if (!this.#canEdit(room)) {
      // Locked: shown, not editable (an operator unlocks it with /unlock).
      if (this.editing) this.#stop(false);
      show.classList.add("locked");
      show.setAttribute("aria-disabled", "true");
      show.textContent = room.topic || "No topic";
      show.title = `${room.topic ? `${room.topic}\n` : ""}(locked: only operators can change it)`;
      show.setAttribute(
        "aria-label",
        `${room.topic ? `Topic: ${room.topic}` : "No topic"}. Locked: only operators can change it`,
      );
      return;
    }
    show.classList.remove("locked");
    show.removeAttribute("aria-disabled");
    show.textContent = room.topic || "No topic yet: click to set one";
    show.title = room.topic ? `${room.topic}\n(click to edit)` : "Set a topic";
    show.setAttribute(
      "aria-label",
      room.topic ? `Topic: ${room.topic}. Edit the topic` : "No topic yet. Set a topic",
    );
  }
}
