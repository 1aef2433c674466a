/// <reference lib="dom" />
/**
 * The welcome (the first one, or a reconnect's) and the `room` event (a room
 * entered, or resumed after a reconnect): each brings history, replayed into
 * the rooms' logs with no gap and nothing shown twice.
 */
import type { ChatMessage, ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import type { RoomView } from "../protocol/room_tracker.ts";
import { mentions, same } from "./names.ts";
import type { NewDivider } from "./new_divider.ts";
import type { PageElements } from "./page.ts";
import { roomFromHash } from "./room_hash.ts";
import type { RoomSwitcher } from "./room_switcher.ts";
import { NO_ROOM, type PageState } from "./state.ts";
import { titleFor } from "./title.ts";
import type { MessageLog } from "./view.ts";

type Welcome = Extract<ServerEvent, { type: "welcome" }>;
type RoomEvent = Extract<ServerEvent, { type: "room" }>;

/** What {@linkcode resumeHandlers} needs. */
export interface ResumeDeps {
  page: PageElements;
  state: PageState;
  log: MessageLog;
  rooms: RoomSwitcher;
  divider: NewDivider;
  /** Asks again for room `key`'s messages up to `upTo`: edits and deletions made meanwhile. */
  recheck: (key: string, room: string, upTo: number) => void;
}

/** The handlers of the two events that bring history. */
export interface Resume {
  welcome(w: Welcome, resumed: boolean): void;
  /** A `room` event: we entered a room, or it resumed after a reconnect. */
  entered(e: RoomEvent): void;
}

/** The welcome and `room` handlers, on the page's state. */
export function resumeHandlers(d: ResumeDeps): Resume {
  const { page, state, log } = d;
  const { joinView, chatView, textInput } = page;
  const { conn, pending, outbox, drafts, resuming, tracker, me, keyOf } = state;
  const { show, enter, renderRooms } = d.rooms;
  /** The last welcome started another history (epoch): nothing in it is ours from before. */
  let reset = false;

  function welcome(w: Welcome, resumed: boolean): void {
    const first = !resumed || joinView.hidden === false;
    joinView.hidden = true;
    chatView.hidden = false;
    // A room asked for on the old connection was lost with it.
    state.entering = null;
    if (first) {
      log.clear();
      pending.clear();
      outbox.clear();
      drafts.clear();
    }
    reset = tracker().welcome(w);
    // Rooms we are no longer in (the server refused one) lose their logs.
    for (const k of log.keys()) if (k !== NO_ROOM && !tracker().get(k)) log.forget(k);
    show(tracker().current, first ? "none" : "replace");
    if (reset && !first) {
      for (const r of tracker().list()) {
        const key = nameKey(r.name);
        log.mark(key, "before-reset");
        // The new history may have older messages of its own to load.
        log.setBeginning(key, null);
        log.addTo(
          key,
          log.system(
            "The server's history started over (it restarted without keeping it): " +
              "the messages above are from before.",
          ),
        );
      }
    }
    resuming.clear();
    for (const n of w.rooms ?? []) if (!same(n, w.room ?? "")) resuming.add(nameKey(n));
    const lobby = tracker().get(tracker().defaultRoom ?? undefined);
    if (lobby) replay(lobby, tracker().fresh(lobby.name, w.history), !first);
    // Our messages in rooms we are not in any more were not sent.
    for (const [ref, p] of pending) {
      if (!tracker().get(p.room)) {
        p.li.classList.replace("pending", "failed");
        pending.delete(ref);
        outbox.settle(ref);
      }
    }
    state.quietRooms = 1;
    conn.send({ type: "rooms" }); // the suggestions; it also says the page knows rooms
    // A big room's welcome lists only some members: the list asks for them all.
    if (w.partial && w.room) conn.send({ type: "who", room: w.room });
    const want = first ? state.wanted ?? roomFromHash(location.hash) : state.wanted;
    state.wanted = null;
    if (first) {
      log.add(log.system(`Welcome, ${w.name}! /help lists the commands.`));
      log.scrollToEnd();
      textInput.focus();
    } else log.add(log.system("Reconnected."));
    if (want !== null && keyOf(want) !== keyOf(tracker().current?.name)) enter(want);
    else if (tracker().current) show(tracker().current, "replace");
    document.title = titleFor(state.unread);
    resendUnacked();
  }

  /**
   * After a reconnect, once the welcome and every resumed room's history
   * came: our messages never acked go again, in order, with their ids. The
   * server stores an id once, so one that did arrive is only acked again
   * (with the seq the history showed, and its pending copy goes).
   */
  function resendUnacked(): void {
    if (resuming.size > 0) return;
    for (const e of outbox.resendAll()) conn.send(e);
  }

  /**
   * A room's history (after entering, or on resuming): what is new is added
   * to its log. On resuming (`resume`) the same history, our messages whose
   * ack the old connection lost replace their pending copies, and new
   * messages in a room not shown count as unread. The rest of ours stay
   * pending: they are sent again once every room has resumed.
   */
  function replay(r: RoomView, history: ChatMessage[], resume: boolean): void {
    const key = nameKey(r.name);
    // The history brings what is newer than the page had; what the page
    // shows may have been edited or deleted meanwhile.
    const shown = resume && !reset ? log.newestSeq(key) : undefined;
    if (shown !== undefined) d.recheck(key, r.name, shown);
    for (const m of history) {
      const mine = resume && !reset && same(m.from, me())
        ? [...pending].find(([ref, p]) =>
          p.room === key && p.text === m.text && p.url === m.file?.url &&
          (outbox.get(ref)?.type === "me") === (m.action === true)
        )
        : undefined;
      const li = log.message(m, me());
      if (mine) {
        pending.delete(mine[0]);
        outbox.settle(mine[0]);
        log.replace(mine[1].li, li);
        continue;
      }
      log.addTo(key, li);
      // What came while we were away is new, as it would have been live.
      if (resume && !same(m.from, me())) d.divider.arrived(key, li);
      if (resume && r !== tracker().current && !same(m.from, me())) {
        r.unread++;
        if (!m.file && mentions(m.text, me()).length > 0) r.mentioned = true;
      }
    }
  }

  function entered(e: RoomEvent): void {
    const key = nameKey(e.room);
    const isNew = !tracker().get(e.room);
    const r = tracker().entered(e);
    const wasResuming = resuming.delete(key);
    replay(r, tracker().fresh(e.room, e.history), wasResuming);
    if (wasResuming) resendUnacked();
    // A big room's event lists only some members: the list asks for them all.
    if (e.partial) conn.send({ type: "who", room: e.room });
    if (isNew) {
      const n = r.members.length;
      const who = e.partial
        ? `${e.count} online (the list shows them all)`
        : `${n} online: ${r.members.join(", ")}`;
      log.addTo(
        key,
        log.system(`Now in #${r.name}: ${who}.` + (r.topic ? ` Topic: ${r.topic}` : "")),
      );
    }
    if (state.entering === key) {
      state.entering = null;
      show(r, "push");
    } else if (r === tracker().current) show(r);
    else renderRooms();
  }

  return { welcome, entered };
}
