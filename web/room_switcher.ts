/// <reference lib="dom" />
/**
 * Which room is shown: switching (from the list, /switch, Alt+Up/Down),
 * entering a room, and the room in the address, so that Back and Forward
 * switch rooms and a link opens one.
 */
import type { RoomSummary } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import type { RoomView } from "../protocol/room_tracker.ts";
import type { Members } from "./members.ts";
import type { PageElements } from "./page.ts";
import { hashFor, roomFromHash } from "./room_hash.ts";
import type { RoomList } from "./room_list.ts";
import { NO_ROOM, type PageState } from "./state.ts";
import type { TopicBar } from "./topic_bar.ts";
import type { MessageLog } from "./view.ts";

/** What {@linkcode roomSwitcher} needs. */
export interface RoomSwitcherDeps {
  page: PageElements;
  state: PageState;
  log: MessageLog;
  roomList: RoomList;
  topicBar: TopicBar;
  members: Members;
  /** Called before the room shown changes (an edit or a menu of the last one ends). */
  leaving?: () => void;
  /** Called after a room is shown (it may need older messages, a search box its name). */
  shown?: () => void;
}

/** What the room switching does for the rest of the page. */
export interface RoomSwitcher {
  /**
   * Makes `r` the room shown (undefined: in no room), keeping the last one's
   * scroll position and unsent text; `how` says what the address does:
   * a new history entry (so Back returns), the same entry, or nothing.
   */
  show(r: RoomView | undefined, how?: "push" | "replace" | "none"): void;
  /** A room picked from the list (or with /switch): shown, with a history entry. */
  pick(name: string): void;
  /** Asks to enter `room`; it is shown when the server says we are in. */
  enter(room: string): void;
  /** Shows the room list as the tracker has it. */
  renderRooms(): void;
  /** Room names for the "Join a room" field to suggest. */
  suggest(rooms: RoomSummary[]): void;
}

/** Sets up room switching: the address (Back, Forward, an edited hash) and Alt+Up/Down. */
export function roomSwitcher(d: RoomSwitcherDeps): RoomSwitcher {
  const { page, state, log, roomList, topicBar } = d;
  const { chatView, logTitle, roomNames, textInput } = page;
  const { conn, drafts, tracker, keyOf } = state;
  const { renderMembers } = d.members;

  function show(r: RoomView | undefined, how: "push" | "replace" | "none" = "none"): void {
    const key = r ? nameKey(r.name) : NO_ROOM;
    const was = log.shown;
    if (was !== key) d.leaving?.();
    if (r) tracker().switchTo(r.name);
    if (was !== key) {
      if (was !== null) drafts.set(was, textInput.value);
      log.show(key);
      textInput.value = drafts.get(key) ?? "";
      drafts.delete(key);
    }
    if (r && how !== "none" && keyOf(roomFromHash(location.hash) ?? "") !== key) {
      if (how === "push") history.pushState(null, "", hashFor(r.name));
      else history.replaceState(null, "", hashFor(r.name));
    }
    logTitle.textContent = r ? `Messages in #${r.name}` : "Messages";
    topicBar.render(r);
    renderRooms();
    renderMembers();
    d.shown?.();
  }

  function pick(name: string): void {
    const r = tracker().get(name);
    if (!r) return;
    show(r, "push");
    textInput.focus();
  }

  /** Alt+Up / Alt+Down: the previous / next room in the list, round the end. */
  function step(by: number): void {
    const list = tracker().list();
    if (list.length === 0) return;
    const at = list.indexOf(tracker().current!);
    const next = at < 0 ? (by > 0 ? 0 : list.length - 1) : (at + by + list.length) % list.length;
    show(list[next], "push");
  }

  function enter(room: string): void {
    const r = tracker().get(room);
    if (r) return show(r, "push");
    if (!conn.send({ type: "enter", room })) {
      return void log.add(log.system("Not connected right now: try again soon.", true), true);
    }
    state.entering = nameKey(room.replace(/^#/, ""));
  }

  function renderRooms(): void {
    roomList.render(tracker().list(), tracker().current);
  }

  /** The room the address names, after Back or Forward (or an edit of the hash). */
  function followHash(): void {
    const want = roomFromHash(location.hash);
    if (!conn.joined) {
      state.wanted = want;
      return;
    }
    if (want === null) return;
    const r = tracker().get(want);
    if (r) {
      if (r !== tracker().current) show(r);
    } else if (state.entering !== nameKey(want)) enter(want);
  }
  addEventListener("popstate", followHash);
  addEventListener("hashchange", followHash);

  function suggest(rooms: RoomSummary[]): void {
    roomNames.replaceChildren(...rooms.map((r) => {
      const o = document.createElement("option");
      o.value = r.name;
      o.label = `#${r.name} (${r.members})${r.topic ? `: ${r.topic}` : ""}`;
      return o;
    }));
  }

  document.addEventListener("keydown", (e) => {
    if (chatView.hidden || !e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
    e.preventDefault();
    step(e.key === "ArrowUp" ? -1 : 1);
  });

  return { show, pick, enter, renderRooms, suggest };
}
