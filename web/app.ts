/// <reference lib="dom" />
/**
 * The chat page: a name form, then the rooms. Everything the server sends is
 * rendered with textContent; nothing a user typed is ever parsed as HTML.
 *
 * This file only makes the parts and hands each what it uses. The parts
 * call each other in a circle (the connection reports to the event handlers,
 * which use the connection; the topic bar saves through sending, which
 * switches rooms, which renders the topic bar; showing a room asks the pager
 * for older messages, and the pager shows rooms), so the callbacks given
 * before their target exists look it up when called, never while loading.
 */
import { Connection } from "./connection.ts";
import { editing } from "./editing.ts";
import { historyPager } from "./history_pager.ts";
import { topicInput } from "./input.ts";
import { joinForm } from "./join_form.ts";
import { memberMenu } from "./member_menu.ts";
import { members } from "./members.ts";
import { messageMenu } from "./message_menu.ts";
import { moderation } from "./moderation.ts";
import { newDivider } from "./new_divider.ts";
import { notifications } from "./notifications.ts";
import { imageViewer } from "./file_view.ts";
import { findElements } from "./page.ts";
import { resumeHandlers } from "./resume.ts";
import { roomFromHash } from "./room_hash.ts";
import { RoomList } from "./room_list.ts";
import { roomSwitcher } from "./room_switcher.ts";
import { searchBox } from "./search_box.ts";
import { sending } from "./sending.ts";
import { serverEvents } from "./server_events.ts";
import { PageState } from "./state.ts";
import { unreadTitle } from "./title.ts";
import { TopicBar } from "./topic_bar.ts";
import { uploads } from "./uploads.ts";
import { MessageLog } from "./view.ts";

const page = findElements();
const log = new MessageLog(page.log, page.jump);
const roomList = new RoomList(page.rooms, { pick: (name) => rooms.pick(name) });
const topicBar = new TopicBar(page.topic, (room, text) => send.act(topicInput(text, room)), {
  // A locked room's topic is set by operators only.
  canEdit: (room) => !state.ops.locked(room.name) || state.amOp(),
});

const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
const conn = new Connection(wsUrl, {
  event: (e, resumed) => events.onEvent(e, resumed),
  status: (s, retryMs) => {
    files.connection(s);
    if (s !== "online") {
      pager.dropped();
      search.dropped();
    }
    events.onStatus(s, retryMs);
  },
});
const state = new PageState(conn, roomFromHash(location.hash));

const join = joinForm(page, conn);
const memberList = members(page, state);
const divider = newDivider(log);
const rooms = roomSwitcher({
  page,
  state,
  log,
  roomList,
  topicBar,
  members: memberList,
  leaving: () => {
    edit.cancel();
    menu.close();
  },
  shown: () => {
    pager.check();
    divider.seen();
    search.roomChanged();
  },
});
const send = sending({ page, state, log, roomList, rooms, join, edited: () => edit.submit() });
const title = unreadTitle(state);
const resume = resumeHandlers({
  page,
  state,
  log,
  rooms,
  divider,
  recheck: (key, room, upTo) => pager.recheck(key, room, upTo),
});
const mod = moderation({
  page,
  state,
  log,
  topicBar,
  members: memberList,
  join,
  changed: () => menu.refresh(),
});
memberMenu({ elements: page.menu, memberList: page.memberList, textInput: page.textInput, state });
const files = uploads({ page, state, log });
imageViewer(page.log, page.viewer);
const pager = historyPager({ list: page.log, state, log, rooms, gone: (li) => edit.gone(li) });
const search = searchBox({ elements: page.search, state, pager, textInput: page.textInput });
const edit = editing({
  composer: page.composer,
  textInput: page.textInput,
  hint: page.editHint,
  state,
  log,
});
const menu = messageMenu({
  elements: page.messageMenu,
  list: page.log,
  state,
  log,
  editing: edit,
  textInput: page.textInput,
});
const notifier = notifications({ button: page.notify, state, log, pick: (r) => rooms.pick(r) });
const events = serverEvents({
  page,
  state,
  log,
  topicBar,
  rooms,
  members: memberList,
  join,
  title,
  resume,
  moderation: mod,
  uploads: files,
  pager,
  search,
  editing: edit,
  divider,
  notifier,
});

// "Today" becomes "Yesterday" overnight: the separators are named again when the tab is back.
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) log.relabel();
});

// "/op PASSWORD" is shown as dots while it is typed.
const markSecret = () =>
  page.textInput.classList.toggle("secret", /^\s*\/op\s/i.test(page.textInput.value));
page.textInput.addEventListener("input", markSecret);
page.composer.addEventListener("submit", markSecret);

addEventListener("online", () => conn.retryNow());

join.showJoin();
