/// <reference lib="dom" />
/**
 * The chat page: a name form, then the rooms. Everything the server sends is
 * rendered with textContent; nothing a user typed is ever parsed as HTML.
 *
 * This file only makes the parts and hands each what it uses. The parts
 * call each other in a circle (the connection reports to the event handlers,
 * which use the connection; the topic bar saves through sending, which
 * switches rooms, which renders the topic bar), so the three callbacks given
 * before their target exists look it up when called, never while loading.
 */
import { Connection } from "./connection.ts";
import { topicInput } from "./input.ts";
import { joinForm } from "./join_form.ts";
import { memberMenu } from "./member_menu.ts";
import { members } from "./members.ts";
import { moderation } from "./moderation.ts";
import { imageViewer } from "./file_view.ts";
import { findElements } from "./page.ts";
import { resumeHandlers } from "./resume.ts";
import { roomFromHash } from "./room_hash.ts";
import { RoomList } from "./room_list.ts";
import { roomSwitcher } from "./room_switcher.ts";
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
    events.onStatus(s, retryMs);
  },
});
const state = new PageState(conn, roomFromHash(location.hash));

const join = joinForm(page, conn);
const memberList = members(page, state);
const rooms = roomSwitcher({ page, state, log, roomList, topicBar, members: memberList });
const send = sending({ page, state, log, roomList, rooms, join });
const title = unreadTitle(state);
const resume = resumeHandlers({ page, state, log, rooms });
const mod = moderation({ page, state, log, topicBar, members: memberList, join });
memberMenu({ elements: page.menu, memberList: page.memberList, textInput: page.textInput, state });
const files = uploads({ page, state, log });
imageViewer(page.log, page.viewer);
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
});

// "/op PASSWORD" is shown as dots while it is typed.
const markSecret = () =>
  page.textInput.classList.toggle("secret", /^\s*\/op\s/i.test(page.textInput.value));
page.textInput.addEventListener("input", markSecret);
page.composer.addEventListener("submit", markSecret);

addEventListener("online", () => conn.retryNow());

join.showJoin();
