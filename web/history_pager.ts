/// <reference lib="dom" />
/**
 * Older history: scrolled near the top of a room (or with a log too short
 * to scroll), the page asks for the page of messages before the oldest one
 * shown (`history` with `before`), puts it above with the line being read
 * kept still, and stops once the server says there is nothing older
 * (`more: false`), which the top of the log then says. A search result not
 * in the log is reached the same way: pages are loaded until it is there.
 * After a reconnect, the messages shown are asked for again, so that edits
 * and deletions made while the page was away show too.
 */
import { type ClientEvent, MAX_PAGE, type ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import { showDeleted, showEdit } from "./message_view.ts";
import type { RoomSwitcher } from "./room_switcher.ts";
import type { PageState } from "./state.ts";
import type { MessageLog } from "./view.ts";

type HistoryEvent = Extract<ServerEvent, { type: "history" }>;

/** Messages asked for per page while scrolling. */
export const PAGE = 100;
/** After a failed request, how long before the same room asks again (ms). */
const RETRY_MS = 5000;

/** What {@linkcode historyPager} needs. */
export interface HistoryPagerDeps {
  /** The message list, whose scrolling asks for older pages. */
  list: HTMLOListElement;
  state: PageState;
  log: MessageLog;
  rooms: RoomSwitcher;
  /** Message `li` was deleted (an edit of it in the composer ends). */
  gone: (li: HTMLLIElement) => void;
}

/** What the pager does for the rest of the page. */
export interface HistoryPager {
  /** A `history` answer. */
  page(e: HistoryEvent): void;
  /** An error answering `ref`: if it was a page we asked for, it may be asked again later. */
  failed(ref: string | undefined): void;
  /** Shows message `seq` of `room` (switching to it), loading older pages until it is in the log. */
  jump(room: string, seq: number): void;
  /** The room shown changed or grew: older messages are loaded if the list reaches its top. */
  check(): void;
  /** The connection dropped: the answers awaited will not come (a new connection asks again). */
  dropped(): void;
  /**
   * Resumed after a reconnect: room `key`'s messages up to `upTo` (the newest
   * shown before) are asked for as they are now, the newest `MAX_PAGE` of them.
   */
  recheck(key: string, room: string, upTo: number): void;
}

/** Sets up the loading of older messages. */
export function historyPager(d: HistoryPagerDeps): HistoryPager {
  const { list, state, log } = d;
  const { conn, tracker, me } = state;
  let nextRef = 1;
  let scheduled = false;
  /** The room of each request on its way, by ref. */
  const asked = new Map<string, string>();
  /** Rooms whose last request failed, and when they may ask again. */
  const cooling = new Map<string, number>();
  /** The room of each recheck on its way, by ref. */
  const rechecks = new Map<string, string>();

  function load(key: string, room: string, size = PAGE): void {
    const p = log.paging(key);
    if (p.beginning !== null || p.loading !== null || !conn.joined) return;
    if ((cooling.get(key) ?? 0) > Date.now()) return;
    const ref = `h${nextRef++}`;
    const e: Extract<ClientEvent, { type: "history" }> = {
      type: "history",
      room,
      limit: size,
      ref,
    };
    const before = log.oldestSeq(key);
    if (before !== undefined) e.before = before;
    if (!conn.send(e)) return;
    p.loading = ref;
    asked.set(ref, key);
  }

  function check(): void {
    // Once per turn, after what is being done now (a welcome's history, a
    // burst of scroll events) is done.
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      const r = tracker().current;
      if (!r || log.shown !== nameKey(r.name) || !log.nearTop()) return;
      load(nameKey(r.name), r.name);
    }, 0);
  }

  function page(e: HistoryEvent): void {
    if (e.ref === undefined) return;
    if (rechecks.has(e.ref)) return revised(e);
    const key = asked.get(e.ref);
    asked.delete(e.ref);
    if (key === undefined) return;
    const p = log.paging(key);
    // Not the answer awaited: the log was cleared or trimmed since.
    if (p.loading !== e.ref) return;
    p.loading = null;
    const oldest = log.oldestSeq(key);
    const fresh = e.messages.filter((m) =>
      (oldest === undefined || m.seq < oldest) && log.find(key, m.seq) === null
    );
    log.prepend(key, fresh.map((m) => log.message(m, me())));
    // Nothing new although more was promised would ask for the same page for ever.
    if (!e.more || fresh.length === 0) {
      log.setBeginning(key, `This is the start of #${e.room}: nothing older.`);
    }
    if (p.target !== null) return seek(key, e.room);
    if (key === log.shown) check();
  }

  /** Shows the target of room `key` if it is in the log; else loads the page before. */
  function seek(key: string, room: string): void {
    const p = log.paging(key);
    const seq = p.target;
    if (seq === null) return;
    const li = log.find(key, seq);
    if (li) {
      p.target = null;
      return log.reveal(li);
    }
    const oldest = log.oldestSeq(key);
    if (p.beginning !== null || (oldest !== undefined && oldest < seq)) {
      p.target = null;
      log.add(log.system("That message is not in the history any more.", true), true);
      return;
    }
    cooling.delete(key);
    load(key, room, MAX_PAGE);
  }

  function jump(room: string, seq: number): void {
    const r = tracker().get(room);
    if (!r) {
      const m = `You are not in #${room} now: /join ${room} to read it.`;
      return void log.add(log.system(m, true), true);
    }
    if (r !== tracker().current) d.rooms.pick(r.name);
    const key = nameKey(r.name);
    log.paging(key).target = seq;
    seek(key, r.name);
  }

  function failed(ref: string | undefined): void {
    if (ref !== undefined) rechecks.delete(ref);
    const key = ref === undefined ? undefined : asked.get(ref);
    if (key === undefined) return;
    asked.delete(ref!);
    const p = log.paging(key);
    if (p.loading !== ref) return;
    p.loading = null;
    p.target = null;
    cooling.set(key, Date.now() + RETRY_MS);
  }

  function recheck(key: string, room: string, upTo: number): void {
    const ref = `r${nextRef++}`;
    // No more than the log holds: a reconnect of many pages must stay cheap.
    const limit = Math.min(MAX_PAGE, upTo - (log.oldestSeq(key) ?? upTo) + 1);
    if (conn.send({ type: "history", room, before: upTo + 1, limit, ref })) {
      rechecks.set(ref, key);
    }
  }

  /** A recheck's answer: what changed while we were away changes in the log. */
  function revised(e: HistoryEvent): void {
    const key = rechecks.get(e.ref!)!;
    rechecks.delete(e.ref!);
    for (const m of e.messages) {
      const li = log.find(key, m.seq);
      if (!li || li.classList.contains("deleted")) continue;
      if (m.deleted) {
        d.gone(li);
        log.keepEnd(() => showDeleted(li));
      } else if (
        m.edited &&
        (!li.querySelector(".edited") || li.querySelector(".text")?.textContent !== m.text)
      ) {
        const { text, edited } = m;
        log.keepEnd(() => showEdit(li, text, edited, me()));
      }
    }
  }

  function dropped(): void {
    rechecks.clear();
    for (const [ref, key] of asked) {
      const p = log.paging(key);
      if (p.loading === ref) p.loading = null;
    }
    asked.clear();
  }

  list.addEventListener("scroll", check, { passive: true });

  return { page, failed, jump, check, dropped, recheck };
}
