/// <reference lib="dom" />
import type { ChatMessage } from "../protocol/events.ts";
import { colourClass, mentions } from "./names.ts";

/** How close to the bottom (px) still counts as "reading the newest". */
const NEAR_BOTTOM = 48;

function el<K extends keyof HTMLElementTagNameMap>(
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

/** The message list: builds items and keeps the newest in view unless the user scrolled up. */
export class MessageLog {
  readonly #list: HTMLOListElement;
  readonly #jump: HTMLButtonElement;

  constructor(list: HTMLOListElement, jump: HTMLButtonElement) {
    this.#list = list;
    this.#jump = jump;
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

  /** Appends an item; `follow` scrolls to it even if the user had scrolled up. */
  add(li: HTMLLIElement, follow = false): HTMLLIElement {
    const stick = follow || this.#atBottom();
    this.#list.append(li);
    if (stick) this.scrollToEnd();
    else this.#jump.hidden = false;
    return li;
  }

  /** Puts `li` where `before` is, removing `before`. */
  replace(before: HTMLLIElement, li: HTMLLIElement): void {
    before.replaceWith(li);
  }

  clear(): void {
    this.#list.replaceChildren();
  }

  /** A room message, ours or someone else's. */
  message(
    m: Pick<ChatMessage, "from" | "text" | "action"> & { ts?: string },
    me: string,
  ): HTMLLIElement {
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
