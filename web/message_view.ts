/// <reference lib="dom" />
/**
 * How one line of the log looks: a room message (with its links and the
 * mentions of us marked, "(edited)", or the placeholder of a deleted one),
 * a private message, a line from the page. Built with DOM methods and
 * textContent only: nothing a user typed is ever parsed as HTML.
 *
 * A room message's item carries what the rest of the page reads back:
 * `data-seq` (once stored), `data-from` and `data-ts` (milliseconds), and
 * the class `mine` for our own.
 */
import type { ChatMessage } from "../protocol/events.ts";
import { el } from "./dom.ts";
import { fileBody } from "./file_view.ts";
import { findLinks } from "./links.ts";
import { colourClass, mentions, same } from "./names.ts";

/** What a room message item is drawn from: a stored message, or one of ours not yet acked. */
export type MessageLike =
  & Pick<ChatMessage, "from" | "text" | "action" | "file" | "edited" | "deleted">
  & { ts?: string; seq?: number };

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

/** Appends `text[from, to)` to `parent`, with the `marks` wholly inside it as <mark>. */
function appendMarked(
  parent: HTMLElement,
  text: string,
  from: number,
  to: number,
  marks: [number, number][],
): void {
  let at = from;
  for (const [a, b] of marks) {
    if (a < at || b > to) continue;
    parent.append(text.slice(at, a), el("mark", undefined, text.slice(a, b)));
    at = b;
  }
  parent.append(text.slice(at, to));
}

/** The text of a message: its http(s) links clickable, the mentions of `me` marked. */
export function body(text: string, me: string): HTMLSpanElement {
  const span = el("span", "text");
  const marks = mentions(text, me);
  let at = 0;
  for (const link of findLinks(text)) {
    appendMarked(span, text, at, link.start, marks);
    const a = el("a", undefined, text.slice(link.start, link.end));
    a.href = link.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    // What it really opens (an address in look-alike letters shows as punycode here).
    a.title = link.href;
    span.append(a);
    at = link.end;
  }
  appendMarked(span, text, at, text.length, marks);
  return span;
}

/** The ⋯ button of a message: its text comes from the style sheet, so the item's text is the message's. */
function moreButton(): HTMLButtonElement {
  const b = el("button", "more");
  b.type = "button";
  b.tabIndex = -1;
  b.setAttribute("aria-label", "Edit or delete this message");
  b.setAttribute("aria-haspopup", "menu");
  b.setAttribute("aria-expanded", "false");
  return b;
}

function editedMark(ts: string): HTMLSpanElement {
  const s = el("span", "edited", " (edited)");
  s.title = `edited ${new Date(ts).toLocaleString()}`;
  return s;
}

const sep = (text: string): HTMLSpanElement => el("span", "sep", text);

/** A room message, ours or someone else's; one sharing a file shows the file. */
export function messageItem(m: MessageLike, me: string): HTMLLIElement {
  const li = el("li", "msg");
  li.dataset.from = m.from;
  li.dataset.ts = String(m.ts ? Date.parse(m.ts) : Date.now());
  if (m.seq !== undefined) li.dataset.seq = String(m.seq);
  if (same(m.from, me)) li.classList.add("mine");
  if (m.deleted) return deletedBody(li, m.ts, m.from);
  if (m.file) {
    li.classList.add("file");
    li.append(time(m.ts), nameButton(m.from), sep(": "), fileBody(m.file), moreButton());
    return li;
  }
  li.append(time(m.ts));
  if (m.action) {
    li.classList.add("action");
    li.append("* ", nameButton(m.from), " ", body(m.text, me));
  } else li.append(nameButton(m.from), sep(": "), body(m.text, me));
  if (m.edited) li.append(editedMark(m.edited));
  li.append(moreButton());
  if (!same(m.from, me) && mentions(m.text, me).length > 0) li.classList.add("mention");
  return li;
}

function deletedBody(li: HTMLLIElement, ts: string | undefined, from: string): HTMLLIElement {
  li.classList.remove("file", "action", "mention");
  li.classList.add("deleted");
  li.replaceChildren(time(ts), nameButton(from), sep(": "), el("span", "gone", "message deleted"));
  return li;
}

/** Shows the new text of an edited message in its item. */
export function showEdit(li: HTMLLIElement, text: string, ts: string, me: string): void {
  if (li.classList.contains("deleted") || li.classList.contains("file")) return;
  li.querySelector(".text")?.replaceWith(body(text, me));
  li.querySelector(".edited")?.remove();
  li.querySelector(".text")!.after(editedMark(ts));
  li.classList.toggle("mention", !same(li.dataset.from ?? "", me) && mentions(text, me).length > 0);
}

/** Turns a message's item into the placeholder of a deleted message. */
export function showDeleted(li: HTMLLIElement): void {
  const t = li.querySelector("time")?.dateTime;
  deletedBody(li, t, li.dataset.from ?? "");
}

/** A private message, to or from us. */
export function dmItem(
  e: { ts: string; from: string; to: string; text: string },
  me: string,
): HTMLLIElement {
  const li = el("li", "msg dm");
  li.dataset.from = e.from;
  li.dataset.ts = String(Date.parse(e.ts));
  li.append(time(e.ts), el("span", "tag", "private"));
  if (same(e.from, me) && !same(e.to, me)) {
    li.append("to ", nameButton(e.to), sep(": "), body(e.text, ""));
  } else li.append(nameButton(e.from), sep(": "), body(e.text, ""));
  return li;
}

/** A line from the page or the server about the room: joins, errors, help. */
export function systemItem(text: string, error = false): HTMLLIElement {
  const li = el("li", error ? "sys error" : "sys", text);
  if (error) li.setAttribute("role", "alert");
  return li;
}
