/// <reference lib="dom" />
import type { ChatMessage } from "../protocol/events.ts";
import { fileBody } from "./file_view.ts";
import { colourClass, mentions } from "./names.ts";

/** How close to the bottom (px) still counts as "reading the newest". */
const NEAR_BOTTOM = 48;

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

function time(ts: string | undefined): HTMLTimeElement {
  const d = ts ? new Date(ts) : new Date();
  const t = el("time", undefined, d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  t.dateTime = d.toISOString();
  t.title = d.toLocaleString();
  return t;
}

/** A name that opens a private message when clicked. */
export function nameButton(name: string): HTMLButtonElement {
  const b = el("button", `who ${colourClass(name)}`, name);
  b.type = "button";
  // The members list is the keyboard's way to a name; these would only add
  // hundreds of tab stops to the log.
  b.tabIndex = -1;
  b.dataset.name = name;
  return b;
}

/** The text of a message, with mentions of `me` marked. */
function body(text: string, me: string): HTMLSpanElement {
  const span = el("span", "text");
  let at = 0;
  for (const [from, to] of mentions(text, me)) {
    span.append(text.slice(at, from), el("mark", undefined, text.slice(from, to)));
    at = to;
  }
  span.append(text.slice(at));
  return span;
}

/** What the log keeps of a room while another is shown. */
interface Stored {
  /** Its items: the list itself for the room shown, a fragment for the others. */
  items: ParentNode;
  /** Where it was scrolled to; null: at the newest. */
  scroll: number | null;
}

/** Options of {@linkcode MessageLog}. */
export interface MessageLogOptions {
  /** The most items kept per room; the oldest go first. @default 1000 */
  limit?: number;
}

/**
 * The message list: one log per room, kept in memory (bounded), of which
 * the list shows the current room's. Keeps the newest in view unless the
 * user scrolled up, and each room's scroll position across switches.
 */
export class MessageLog {
  readonly #list: HTMLOListElement;
  readonly #jump: HTMLButtonElement;
  readonly #limit: number;
  readonly #rooms = new Map<string, Stored>();
  /** The key of the room shown, or null before any. */
  #shown: string | null = null;

  constructor(list: HTMLOListElement, jump: HTMLButtonElement, options: MessageLogOptions = {}) {
    this.#list = list;
    this.#jump = jump;
    this.#limit = options.limit ?? 1000;
    list.addEventListener("scroll", () => {
      if (this.#atBottom()) jump.hidden = true;
    });
    jump.addEventListener("click", () => this.scrollToEnd());
  }

  #atBottom(): boolean {
    const l = this.#list;
    return l.scrollHeight - l.scrollTop - l.clientHeight < NEAR_BOTTOM;
  }

  scrollToEnd(): void {
    this.#list.scrollTop = this.#list.scrollHeight;
    this.#jump.hidden = true;
  }

  #room(key: string): Stored {
    let r = this.#rooms.get(key);
    if (!r) {
      r = {
        items: key === this.#shown ? this.#list : document.createDocumentFragment(),
        scroll: null,
      };
      this.#rooms.set(key, r);
    }
    return r;
  }

  /** Shows the log of the room `key` (made empty if new), keeping where the last one was scrolled to. */
  show(key: string): void {
    if (key === this.#shown) return;
    const old = this.#shown === null ? undefined : this.#rooms.get(this.#shown);
    if (old) {
      old.scroll = this.#atBottom() ? null : this.#list.scrollTop;
      const f = document.createDocumentFragment();
      f.append(...this.#list.childNodes);
      old.items = f;
    } else this.#list.replaceChildren();
    this.#shown = key;
    const r = this.#room(key);
    if (r.items !== this.#list) this.#list.append(r.items as DocumentFragment);
    r.items = this.#list;
    if (r.scroll === null) this.scrollToEnd();
    else {
      this.#list.scrollTop = r.scroll;
      this.#jump.hidden = this.#atBottom();
    }
  }

  /** Runs `change` (to what is around the list, which may resize it); the newest stays in view if it was. */
  keepEnd(change: () => void): void {
    const stick = this.#atBottom();
    change();
    if (stick) this.scrollToEnd();
  }

  /** The key of the room shown. */
  get shown(): string | null {
    return this.#shown;
  }

  /** Appends an item to the room shown; `follow` scrolls to it even if the user had scrolled up. */
  add(li: HTMLLIElement, follow = false): HTMLLIElement {
    return this.addTo(this.#shown ?? "", li, follow);
  }

  /** Appends an item to the log of room `key`, dropping its oldest beyond the limit. */
  addTo(key: string, li: HTMLLIElement, follow = false): HTMLLIElement {
    const r = this.#room(key);
    if (r.items !== this.#list) {
      r.items.append(li);
      while (r.items.childNodes.length > this.#limit) r.items.firstChild?.remove();
      return li;
    }
    const stick = follow || this.#atBottom();
    this.#list.append(li);
    while (this.#list.childNodes.length > this.#limit) {
      const first = this.#list.firstElementChild as HTMLElement | null;
      if (!first) break;
      // Keep what the reader looks at still while the oldest line goes.
      const h = first.offsetHeight;
      first.remove();
      if (!stick) this.#list.scrollTop -= h;
    }
    if (stick) this.scrollToEnd();
    else this.#jump.hidden = false;
    return li;
  }

  /** Adds a class to every item of room `key` now in its log. */
  mark(key: string, cls: string): void {
    for (const li of this.#room(key).items.children) li.classList.add(cls);
  }

  /** Forgets the log of room `key` (we left it). */
  forget(key: string): void {
    if (key === this.#shown) {
      this.#list.replaceChildren();
      this.#shown = null;
    }
    this.#rooms.delete(key);
  }

  /** The keys of the rooms with a log. */
  keys(): string[] {
    return [...this.#rooms.keys()];
  }

  /** Forgets every room's log. */
  clear(): void {
    this.#list.replaceChildren();
    this.#rooms.clear();
    this.#shown = null;
    this.#jump.hidden = true;
  }

  /** A room message, ours or someone else's; one sharing a file shows the file. */
  message(
    m: Pick<ChatMessage, "from" | "text" | "action" | "file"> & { ts?: string },
    me: string,
  ): HTMLLIElement {
    if (m.file) {
      const li = el("li", "msg file");
      li.append(time(m.ts), nameButton(m.from), ": ", fileBody(m.file));
      return li;
    }
    const li = el("li", m.action ? "msg action" : "msg");
    li.append(time(m.ts));
    if (m.action) li.append("* ", nameButton(m.from), " ", body(m.text, me));
    else li.append(nameButton(m.from), ": ", body(m.text, me));
    if (m.from.toLowerCase() !== me.toLowerCase() && mentions(m.text, me).length > 0) {
      li.classList.add("mention");
    }
    return li;
  }

  /** A private message, to or from us. */
  dm(e: { ts: string; from: string; to: string; text: string }, me: string): HTMLLIElement {
    const li = el("li", "msg dm");
    li.append(time(e.ts), el("span", "tag", "private"));
    if (e.from.toLowerCase() === me.toLowerCase() && e.to.toLowerCase() !== me.toLowerCase()) {
      li.append("to ", nameButton(e.to), ": ", body(e.text, ""));
    } else li.append(nameButton(e.from), ": ", body(e.text, ""));
    return li;
  }

  /** A line from the page or the server about the room: joins, errors, help. */
  system(text: string, error = false): HTMLLIElement {
    const li = el("li", error ? "sys error" : "sys", text);
    if (error) li.setAttribute("role", "alert");
    return li;
  }
}
