/// <reference lib="dom" />
/**
 * How the log groups its messages: a day's first message carries the day
 * ("Today", "Yesterday", or the date) in `data-day`, which the style sheet
 * draws as a separator above it; a message from the sender of the one just
 * before it, within a few minutes, gets the class `cont` and its name is
 * drawn once, for the group. Both are attributes of the message's own item,
 * not items of their own: the log's items stay one per line said, so its
 * limit, its order and what is read back from it (a message's text) do not
 * change.
 */
import { same } from "./names.ts";

/** Messages of one sender this close together are one group (ms). */
export const GROUP_MS = 5 * 60_000;

const dayKey = (d: Date): string => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;

/**
 * "Today", "Yesterday", or the date (with its year when not this year), in
 * the page's time zone and language.
 *
 * @example
 * dayLabel(Date.parse("2024-03-01T10:00Z"), Date.parse("2024-03-02T09:00Z")) // "Yesterday"
 */
export function dayLabel(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const today = new Date(now);
  if (dayKey(d) === dayKey(today)) return "Today";
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (dayKey(d) === dayKey(yesterday)) return "Yesterday";
  return d.toLocaleDateString([], {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: d.getFullYear() === today.getFullYear() ? undefined : "numeric",
  });
}

const isMessage = (e: Element | null): e is HTMLElement =>
  e instanceof HTMLElement && e.classList.contains("msg") && e.dataset.ts !== undefined;

/** A message that can start or continue a group: not a private one, not a /me. */
const groups = (e: HTMLElement): boolean =>
  !e.classList.contains("dm") && !e.classList.contains("action");

/**
 * Sets the day separator and the grouping of item `li` from the items
 * before it (lines that are not messages are left as they are). Call it on
 * an item once it is in its list, and again on the one after any change
 * before it (an insert, a removal, the "new messages" divider).
 */
export function arrange(li: Element | null, now: number = Date.now()): void {
  if (!isMessage(li)) return;
  const ts = Number(li.dataset.ts);
  const prev = li.previousElementSibling;
  let last = prev;
  while (last && !isMessage(last)) last = last.previousElementSibling;
  const newDay = !isMessage(last) || dayKey(new Date(Number(last.dataset.ts))) !==
      dayKey(new Date(ts));
  if (newDay) li.dataset.day = dayLabel(ts, now);
  else delete li.dataset.day;
  // Only the message right before continues a group: a line between
  // ("bob joined") starts a new one, as does the "new messages" divider.
  const cont = !newDay && isMessage(prev) && groups(prev) && groups(li) &&
    !li.classList.contains("new-start") &&
    same(prev.dataset.from ?? "", li.dataset.from ?? "") &&
    Math.abs(ts - Number(prev.dataset.ts)) < GROUP_MS;
  li.classList.toggle("cont", cont);
}

/** The day separators of `items` again ("Today" becomes "Yesterday" after midnight). */
export function relabel(items: ParentNode, now: number = Date.now()): void {
  for (const li of items.querySelectorAll<HTMLElement>("li[data-day]")) {
    li.dataset.day = dayLabel(Number(li.dataset.ts), now);
  }
}
