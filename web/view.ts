/// <reference lib="dom" />
/**
 * The message list: one log per room, kept in memory (bounded), of which
 * the list shows the current room's. What each line looks like is in
 * message_view.ts; the day separators and groups in log_layout.ts.
 */
import { arrange, relabel } from "./log_layout.ts";
import { dmItem, messageItem, type MessageLike, systemItem } from "./message_view.ts";

/** How close to the bottom (px) still counts as "reading the newest". */
const NEAR_BOTTOM = 48;
/** How close to the top (px) asks for older messages. */
const NEAR_TOP = 300;

/** Loading a room's older history (see history_pager.ts); kept with its log. */
export interface Paging {
  /** What the top of the log says once the room's first message is shown; null: older ones may exist. */
  beginning: string | null;
  /** The ref of the `history` request on its way, if any. */
  loading: string | null;
  /** A message to show once older pages have brought it (a search result), if any. */
  target: number | null;
}

/** What the log keeps of a room while another is shown. */
interface Stored {
  /** Its items: the list itself for the room shown, a fragment for the others. */
  items: HTMLOListElement | DocumentFragment;
  /** Where it was scrolled to; null: at the newest. */
  scroll: number | null;
  paging: Paging;
}

/** Options of {@linkcode MessageLog}. */
export interface MessageLogOptions {
  /** The most items kept per room; the oldest go first. @default 1000 */
  limit?: number;
}

/** A room message of the history we count in now (not one from before a restart). */
const CURRENT = "li.msg[data-seq]:not(.before-reset)";

/**
 * The message list: one log per room, kept in memory (bounded), of which
 * the list shows the current room's. Keeps the newest in view unless the
 * user scrolled up, each room's scroll position across switches, and the
 * line read where it was when older messages come in above it.
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

  /** True when the list is scrolled (nearly) to its top, or too short to scroll. */
  nearTop(): boolean {
    return this.#list.scrollTop < NEAR_TOP;
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
        paging: { beginning: null, loading: null, target: null },
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
    this.#showBeginning(r);
    relabel(this.#list);
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
      arrange(li);
      this.#trim(r, this.#limit);
      return li;
    }
    const stick = follow || this.#atBottom();
    this.#list.append(li);
    arrange(li);
    // Someone reading older messages keeps them (up to a few times the
    // limit): they go once the reader is back at the newest.
    this.#trim(r, stick ? this.#limit : this.#limit * 4, !stick);
    if (stick) this.scrollToEnd();
    else this.#jump.hidden = false;
    return li;
  }

  /** Drops the oldest items of `r` beyond `max`; `keep`: the lines in view stay still. */
  #trim(r: Stored, max: number, keep = false): void {
    const items = r.items;
    if (items.childElementCount <= max) return;
    while (items.childElementCount > max) {
      const first = items.firstElementChild as HTMLElement;
      const h = keep ? first.offsetHeight : 0;
      first.remove();
      if (keep) this.#list.scrollTop -= h;
    }
    arrange(items.firstElementChild);
    // Older messages can be loaded again; an answer on its way would leave a gap.
    r.paging.beginning = null;
    r.paging.loading = null;
    if (items === this.#list) this.#showBeginning(r);
  }

  /**
   * Puts older messages (oldest first) above the oldest one in the log of
   * room `key`. In the room shown, the line the user is reading stays where
   * it is on the screen (or the newest stays in view, if it was).
   */
  prepend(key: string, lis: HTMLLIElement[]): void {
    if (lis.length === 0) return;
    const r = this.#room(key);
    const items = r.items;
    const shown = items === this.#list;
    const stick = shown && this.#atBottom();
    const top = this.#list.getBoundingClientRect().top;
    let seen: Element | null = null;
    let offset = 0;
    if (shown && !stick) {
      for (const c of this.#list.children) {
        const box = c.getBoundingClientRect();
        if (box.bottom <= top) continue;
        seen = c;
        offset = box.top - top;
        break;
      }
    }
    // Above the oldest message of this history; with none, at the top (or,
    // after a restart's older lines, at the end).
    const anchor = items.querySelector(CURRENT) ??
      (items.querySelector(".before-reset") ? null : items.firstChild);
    const f = document.createDocumentFragment();
    f.append(...lis);
    items.insertBefore(f, anchor);
    for (const li of lis) arrange(li);
    arrange(lis[lis.length - 1].nextElementSibling);
    if (stick) this.scrollToEnd();
    else if (seen) this.#list.scrollTop += seen.getBoundingClientRect().top - top - offset;
  }

  /** The older-history state of room `key`. */
  paging(key: string): Paging {
    return this.#room(key).paging;
  }

  /** Says at the top of room `key` that nothing is older (`text`), or not (null). */
  setBeginning(key: string, text: string | null): void {
    const r = this.#room(key);
    r.paging.beginning = text;
    if (r.items === this.#list) this.keepEnd(() => this.#showBeginning(r));
  }

  #showBeginning(r: Stored): void {
    if (r.paging.beginning === null) delete this.#list.dataset.beginning;
    else this.#list.dataset.beginning = r.paging.beginning;
  }

  /** The seq of the oldest message of room `key` shown (of the history we count in now). */
  oldestSeq(key: string): number | undefined {
    const li = this.#room(key).items.querySelector<HTMLElement>(CURRENT);
    return li ? Number(li.dataset.seq) : undefined;
  }

  /** The seq of the newest message of room `key` shown (of the history we count in now). */
  newestSeq(key: string): number | undefined {
    const li = this.findLast(key, (e) => e.matches(CURRENT));
    return li ? Number(li.dataset.seq) : undefined;
  }

  /** The item of message `seq` in room `key`, if it is in the log. */
  find(key: string, seq: number): HTMLLIElement | null {
    return this.#rooms.get(key)?.items.querySelector<HTMLLIElement>(
      `li.msg[data-seq="${seq}"]:not(.before-reset)`,
    ) ?? null;
  }

  /** The newest item of room `key` for which `test` is true. */
  findLast(key: string, test: (li: HTMLLIElement) => boolean): HTMLLIElement | null {
    const items = this.#rooms.get(key)?.items;
    for (let e = items?.lastElementChild; e; e = e.previousElementSibling) {
      if (test(e as HTMLLIElement)) return e as HTMLLIElement;
    }
    return null;
  }

  /** Scrolls item `li` (of the room shown) into the middle of the list and highlights it briefly. */
  reveal(li: HTMLLIElement): void {
    li.scrollIntoView({ block: "center" });
    li.classList.remove("flash");
    // A reflow between, so that the highlight starts again on a second jump.
    void li.offsetWidth;
    li.classList.add("flash");
    setTimeout(() => li.classList.remove("flash"), 2500);
  }

  /** Puts `li` in the place of `old`, with the grouping around it redone. */
  replace(old: HTMLLIElement, li: HTMLLIElement): void {
    old.replaceWith(li);
    arrange(li);
    arrange(li.nextElementSibling);
  }

  /** Removes item `li` from its log, with the grouping after it redone. */
  remove(li: HTMLLIElement): void {
    const next = li.nextElementSibling;
    li.remove();
    arrange(next);
  }

  /** Redoes the grouping of `li` (the divider moved to or from it). */
  arrange(li: Element | null): void {
    arrange(li);
  }

  /** Every item of every room's log. */
  *items(): Iterable<HTMLLIElement> {
    for (const r of this.#rooms.values()) yield* r.items.children as Iterable<HTMLLIElement>;
  }

  /** Adds a class to every item of room `key` now in its log. */
  mark(key: string, cls: string): void {
    for (const li of this.#room(key).items.children) li.classList.add(cls);
  }

  /** Forgets the log of room `key` (we left it). */
  forget(key: string): void {
    if (key === this.#shown) {
      this.#list.replaceChildren();
      delete this.#list.dataset.beginning;
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
    delete this.#list.dataset.beginning;
    this.#rooms.clear();
    this.#shown = null;
    this.#jump.hidden = true;
  }

  /** Day separators say "Today" of today again (after a night with the page open). */
  relabel(): void {
    relabel(this.#list);
  }

  /** A room message, ours or someone else's; one sharing a file shows the file. */
  message(m: MessageLike, me: string): HTMLLIElement {
    return messageItem(m, me);
  }

  /** A private message, to or from us. */
  dm(e: { ts: string; from: string; to: string; text: string }, me: string): HTMLLIElement {
    return dmItem(e, me);
  }

  /** A line from the page or the server about the room: joins, errors, help. */
  system(text: string, error = false): HTMLLIElement {
    return systemItem(text, error);
  }
}
