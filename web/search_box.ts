/// <reference lib="dom" />
/**
 * Search: the Search button in the room's bar opens a box that looks for
 * words in the room shown (or, ticked, in every room we are in) with the
 * server's `search`, which matches whole words whatever their case and
 * accents. Results come newest first; clicking one shows that message in
 * its room, loading older history until it is there (history_pager.ts).
 */
import type { ChatMessage, ServerEvent } from "../protocol/events.ts";
import { el } from "./dom.ts";
import type { HistoryPager } from "./history_pager.ts";
import type { PageState } from "./state.ts";

type Results = Extract<ServerEvent, { type: "results" }>;

/** Results asked for per search. */
const RESULTS = 50;

/** The search box's elements (see index.html). */
export interface SearchElements {
  /** "Search", in the room's bar: opens and closes the box. */
  toggle: HTMLButtonElement;
  panel: HTMLElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
  /** Ticked: every room we are in, not only the one shown. */
  all: HTMLInputElement;
  close: HTMLButtonElement;
  status: HTMLElement;
  results: HTMLOListElement;
}

/** What {@linkcode searchBox} needs. */
export interface SearchBoxDeps {
  elements: SearchElements;
  state: PageState;
  pager: HistoryPager;
  /** Where the focus goes when the box closes with nothing else to go back to. */
  textInput: HTMLInputElement;
}

/** What the search box does for the rest of the page. */
export interface SearchBox {
  /** A `results` answer. */
  results(e: Results): void;
  /** An error answering `ref`; true when it was a search of ours (the box says why). */
  failed(ref: string | undefined, message: string): boolean;
  /** The room shown changed: the box searches that one now. */
  roomChanged(): void;
  /** The connection dropped: an answer awaited will not come. */
  dropped(): void;
  /** Closes the box. */
  close(): void;
}

/** Sets up the search box. */
export function searchBox(d: SearchBoxDeps): SearchBox {
  const { toggle, panel, form, input, all, close, status, results } = d.elements;
  const { conn, tracker } = d.state;
  let nextRef = 1;
  /** The ref and words of the search whose answer is awaited (older answers are dropped). */
  let awaited: { ref: string; query: string; room?: string } | null = null;

  function say(text: string, error = false): void {
    status.textContent = text;
    status.classList.toggle("error", error);
  }

  function open(): void {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    roomChanged();
    input.focus();
    input.select();
  }

  function shut(refocus: boolean): void {
    if (panel.hidden) return;
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (refocus) toggle.focus();
  }

  function roomChanged(): void {
    const r = tracker().current;
    toggle.disabled = !r;
    const where = all.checked || !r ? "your rooms" : `#${r.name}`;
    input.placeholder = `Search ${where}`;
    input.setAttribute("aria-label", `Words to search for in ${where}`);
  }

  function search(): void {
    const query = input.value.trim();
    if (query === "") return say("Type a word to look for.", true);
    const room = all.checked ? undefined : tracker().current?.name;
    const ref = `s${nextRef++}`;
    const e = room === undefined
      ? { type: "search" as const, query, limit: RESULTS, ref }
      : { type: "search" as const, room, query, limit: RESULTS, ref };
    if (!conn.send(e)) return say("Not connected right now: search again soon.", true);
    awaited = { ref, query, room };
    say("Searching…");
  }

  function row(m: ChatMessage, room: string | undefined): HTMLLIElement {
    const li = el("li");
    const b = el("button", "result");
    b.type = "button";
    const when = new Date(m.ts);
    const meta = el("span", "result-meta");
    const t = el(
      "time",
      undefined,
      when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" }),
    );
    t.dateTime = when.toISOString();
    meta.append(`${room ? "" : `#${m.room} · `}${m.from} · `, t);
    b.append(meta, el("span", "result-text", m.text));
    b.addEventListener("click", () => {
      d.pager.jump(m.room ?? room ?? "", m.seq);
      // On a phone the box covers the messages: out of the way of the one shown.
      if (matchMedia("(max-width: 640px)").matches) shut(false);
    });
    li.append(b);
    return li;
  }

  function onResults(e: Results): void {
    if (awaited === null || e.ref !== awaited.ref) return;
    const { query, room } = awaited;
    awaited = null;
    results.replaceChildren(...e.messages.map((m) => row(m, room)));
    const where = room === undefined ? "your rooms" : `#${room}`;
    const n = e.messages.length;
    say(
      n === 0
        ? `Nothing in ${where} has the words “${query}”.`
        : `${n} message${n === 1 ? "" : "s"} in ${where} with “${query}”, newest first:`,
    );
  }

  function failed(ref: string | undefined, message: string): boolean {
    if (ref === undefined || !ref.startsWith("s")) return false;
    if (awaited?.ref === ref) {
      awaited = null;
      say(`${message.charAt(0).toUpperCase()}${message.slice(1)}.`, true);
    }
    return true;
  }

  toggle.addEventListener("click", () => panel.hidden ? open() : shut(true));
  close.addEventListener("click", () => shut(true));
  all.addEventListener("change", roomChanged);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    search();
  });
  panel.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    e.stopPropagation();
    shut(true);
  });

  function dropped(): void {
    if (awaited === null) return;
    awaited = null;
    say("The connection dropped: search again once the page is back online.", true);
  }

  return {
    results: onResults,
    failed,
    roomChanged,
    dropped,
    close: () => {
      const inside = panel.contains(document.activeElement);
      shut(false);
      if (inside) d.textInput.focus();
    },
  };
}
