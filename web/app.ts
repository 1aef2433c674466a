/// <reference lib="dom" />
/**
 * The chat page: a name form, then the rooms. Everything the server sends is
 * rendered with textContent; nothing a user typed is ever parsed as HTML.
 */
import type { ChatMessage, RoomSummary, ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import type { RoomView } from "../protocol/room_tracker.ts";
import { Connection, type Status } from "./connection.ts";
import { COMMANDS, type InputAction, parseInput, roomInput, topicInput } from "./input.ts";
import { mentions } from "./names.ts";
import { hashFor, roomFromHash } from "./room_hash.ts";
import { RoomList } from "./room_list.ts";
import { TopicBar } from "./topic_bar.ts";
import { MessageLog, nameButton } from "./view.ts";

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const joinView = $<HTMLElement>("join-view");
const joinForm = $<HTMLFormElement>("join-form");
const nameInput = $<HTMLInputElement>("name");
const nameError = $<HTMLParagraphElement>("name-error");
const passwordRow = $<HTMLDivElement>("password-row");
const passwordInput = $<HTMLInputElement>("password");
const chatView = $<HTMLElement>("chat-view");
const statusLine = $<HTMLParagraphElement>("status");
const logTitle = $<HTMLHeadingElement>("log-title");
const memberList = $<HTMLUListElement>("members");
const memberCount = $<HTMLSpanElement>("member-count");
const roomForm = $<HTMLFormElement>("room-form");
const roomName = $<HTMLInputElement>("room-name");
const roomNames = $<HTMLDataListElement>("room-names");
const composer = $<HTMLFormElement>("composer");
const textInput = $<HTMLInputElement>("text");
const log = new MessageLog($<HTMLOListElement>("log"), $<HTMLButtonElement>("jump"));
const roomList = new RoomList({
  list: $<HTMLUListElement>("rooms"),
  panel: $<HTMLElement>("room-panel"),
  toggle: $<HTMLButtonElement>("rooms-toggle"),
  badge: $<HTMLSpanElement>("rooms-badge"),
}, { pick: (name) => pick(name) });
const topicBar = new TopicBar({
  title: $<HTMLHeadingElement>("room-title"),
  show: $<HTMLButtonElement>("topic"),
  form: $<HTMLFormElement>("topic-form"),
  input: $<HTMLInputElement>("topic-input"),
}, (room, text) => act(topicInput(text, room)));

const TITLE = "chat";
/** The log shown while in no room at all. */
const NO_ROOM = "";
/** Our messages sent and not yet acked, by ref; `room` is the room's key. */
const pending = new Map<string, { li: HTMLLIElement; text: string; room: string }>();
/** What was typed and not sent, by room key, while another room is shown. */
const drafts = new Map<string, string>();
let nextRef = 1;
let unread = 0;
/** The key of a room we asked to enter: it is shown when the server says we are in. */
let entering: string | null = null;
/** A room the address named while not joined: entered after the welcome. */
let wanted: string | null = roomFromHash(location.hash);
/** `rooms` answers still to come that we asked for ourselves (for the room suggestions). */
let quietRooms = 0;
/** Rooms whose history comes back (a `room` event) after a reconnect's welcome. */
const resuming = new Set<string>();

const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
const conn = new Connection(wsUrl, { event: onEvent, status: onStatus });

const tracker = () => conn.rooms;
const me = (): string => conn.name;
const same = (a: string, b: string): boolean => nameKey(a) === nameKey(b);
/** The room an event is of (no room: the default one), as a key. */
const keyOf = (room: string | undefined): string => nameKey(room ?? tracker().defaultRoom ?? "");
const roomOf = (room: string | undefined): RoomView | undefined =>
  tracker().get(room ?? tracker().defaultRoom ?? undefined);

// --- joining ---------------------------------------------------------------

function showJoin(error?: string): void {
  chatView.hidden = true;
  joinView.hidden = false;
  document.title = TITLE;
  if (error !== undefined) nameProblem(error);
  nameInput.focus();
}

function nameProblem(text: string): void {
  nameError.textContent = text;
  nameError.hidden = false;
  nameInput.setAttribute("aria-invalid", "true");
}

joinForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const name = nameInput.value.trim();
  if (name === "") return nameProblem("Enter a name to join.");
  nameError.hidden = true;
  nameInput.removeAttribute("aria-invalid");
  passwordInput.removeAttribute("aria-invalid");
  conn.join(name, passwordRow.hidden ? undefined : passwordInput.value);
});

/** The server needs the room password: show the field, and say why. */
function askPassword(wrong: boolean): void {
  if (joinView.hidden) showJoin();
  passwordRow.hidden = false;
  nameProblem(wrong ? "Wrong password, try again." : "This room needs a password.");
  nameInput.removeAttribute("aria-invalid");
  passwordInput.setAttribute("aria-invalid", "true");
  passwordInput.value = "";
  passwordInput.focus();
}

// --- rooms -------------------------------------------------------------------

/**
 * Makes `r` the room shown (undefined: in no room), keeping the last one's
 * scroll position and unsent text; `how` says what the address does:
 * a new history entry (so Back returns), the same entry, or nothing.
 */
function show(r: RoomView | undefined, how: "push" | "replace" | "none" = "none"): void {
  const key = r ? nameKey(r.name) : NO_ROOM;
  const was = log.shown;
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
}

/** A room picked from the list (or with /switch): shown, with a history entry. */
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

/** Asks to enter `room`; it is shown when the server says we are in. */
function enter(room: string): void {
  const r = tracker().get(room);
  if (r) return show(r, "push");
  if (!conn.send({ type: "enter", room })) {
    return void log.add(log.system("Not connected right now: try again soon.", true), true);
  }
  entering = nameKey(room.replace(/^#/, ""));
}

function renderRooms(): void {
  roomList.render(tracker().list(), tracker().current);
}

/** The room the address names, after Back or Forward (or an edit of the hash). */
function followHash(): void {
  const want = roomFromHash(location.hash);
  if (!conn.joined) {
    wanted = want;
    return;
  }
  if (want === null) return;
  const r = tracker().get(want);
  if (r) {
    if (r !== tracker().current) show(r);
  } else if (entering !== nameKey(want)) enter(want);
}
addEventListener("popstate", followHash);
addEventListener("hashchange", followHash);

roomForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const action = roomInput(roomName.value);
  if (action.kind === "send" && action.event.type === "enter") {
    roomName.value = "";
    roomList.close();
    enter(action.event.room);
  } else act(action);
});

/** Room names for the "Join a room" field to suggest. */
function suggest(rooms: RoomSummary[]): void {
  roomNames.replaceChildren(...rooms.map((r) => {
    const o = document.createElement("option");
    o.value = r.name;
    o.label = `#${r.name} (${r.members})${r.topic ? `: ${r.topic}` : ""}`;
    return o;
  }));
}

// --- events from the server ------------------------------------------------

function onEvent(e: ServerEvent, resumed: boolean): void {
  switch (e.type) {
    case "welcome":
      return welcome(e, resumed);
    case "room":
      return entered(e);
    case "message": {
      const mention = !same(e.from, me()) && mentions(e.text, me()).length > 0;
      const key = keyOf(e.room);
      const verdict = tracker().judge(e.room, e.seq, false, mention);
      if (verdict === "duplicate") return;
      if (verdict === "restarted") {
        log.addTo(key, log.system("The server restarted with a fresh history."));
      }
      log.addTo(key, log.message(e, me()));
      renderRooms();
      return bump();
    }
    case "ack": {
      // Our own message: it counts as seen, never as unread.
      roomOf(e.room)?.seq.judge(e.seq, false);
      const p = e.ref === undefined ? undefined : pending.get(e.ref);
      if (p) {
        pending.delete(e.ref!);
        p.li.classList.remove("pending");
        p.li.dataset.seq = String(e.seq);
      }
      return;
    }
    case "dm":
      log.add(log.dm(e, me()), e.from === me());
      if (e.from !== me()) bump();
      return;
    case "join": {
      const r = roomOf(e.room);
      if (!r) return;
      if (!r.members.some((n) => same(n, e.name))) r.members.push(e.name);
      log.addTo(keyOf(e.room), log.system(`${e.name} joined`));
      if (r === tracker().current) renderMembers();
      return;
    }
    case "leave":
      return left(e.room, e.name, e.reason);
    case "nick": {
      let told = false;
      for (const r of tracker().list()) {
        if (!r.members.some((n) => same(n, e.from))) continue;
        r.members = r.members.map((n) => same(n, e.from) ? e.to : n);
        log.addTo(nameKey(r.name), renamed(e.from, e.to));
        told = true;
      }
      if (!told) log.add(renamed(e.from, e.to));
      if (e.to === me()) onStatus("online");
      return renderMembers();
    }
    case "members": {
      const r = roomOf(e.room);
      if (r) r.members = [...e.names];
      const where = !r || r === tracker().current ? "online" : `in #${r.name}`;
      log.add(log.system(`${e.names.length} ${where}: ${e.names.join(", ")}`));
      return renderMembers();
    }
    case "topic": {
      const r = tracker().get(e.room);
      if (!r) return;
      r.topic = e.text;
      log.addTo(
        nameKey(r.name),
        log.system(
          e.text === "" ? `${e.from} cleared the topic` : `${e.from} set the topic: ${e.text}`,
        ),
      );
      if (r === tracker().current) topicBar.render(r);
      return;
    }
    case "rooms":
      suggest(e.rooms);
      if (quietRooms > 0) {
        quietRooms--;
        return;
      }
      log.add(
        log.system(
          e.rooms.length === 0
            ? "No rooms yet: /join ROOM makes one."
            : `Rooms: ${e.rooms.map((r) => `#${r.name} (${r.members})`).join(", ")}`,
        ),
        true,
      );
      return;
    case "error":
      return error(e.code, e.message, e.ref, resumed);
    case "shutdown":
      log.add(log.system(`${e.message}. Reconnecting when it is back…`));
      return;
    case "notice":
      // Before the welcome it is the banner, for line clients: the page has its own form.
      if (conn.joined) log.add(log.system(e.text));
      return;
    case "pong":
      return;
  }
}

function renamed(from: string, to: string): HTMLLIElement {
  return log.system(to === me() ? `You are now ${to}` : `${from} is now ${to}`);
}

type Welcome = Extract<ServerEvent, { type: "welcome" }>;
type RoomEvent = Extract<ServerEvent, { type: "room" }>;

function welcome(w: Welcome, resumed: boolean): void {
  const first = !resumed || joinView.hidden === false;
  joinView.hidden = true;
  chatView.hidden = false;
  // A room asked for on the old connection was lost with it.
  entering = null;
  if (first) {
    log.clear();
    pending.clear();
    drafts.clear();
  }
  const reset = tracker().welcome(w);
  // Rooms we are no longer in (the server refused one) lose their logs.
  for (const k of log.keys()) if (k !== NO_ROOM && !tracker().get(k)) log.forget(k);
  show(tracker().current, first ? "none" : "replace");
  if (reset && !first) {
    for (const r of tracker().list()) {
      const key = nameKey(r.name);
      log.mark(key, "before-reset");
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
    }
  }
  quietRooms = 1;
  conn.send({ type: "rooms" }); // the suggestions; it also says the page knows rooms
  const want = first ? wanted ?? roomFromHash(location.hash) : wanted;
  wanted = null;
  if (first) {
    log.add(log.system(`Welcome, ${w.name}! /help lists the commands.`));
    log.scrollToEnd();
    textInput.focus();
  } else log.add(log.system("Reconnected."));
  if (want !== null && keyOf(want) !== keyOf(tracker().current?.name)) enter(want);
  else if (tracker().current) show(tracker().current, "replace");
  document.title = titleFor(unread);
}

/**
 * A room's history (after entering, or on resuming): what is new is added
 * to its log. On resuming (`resume`), our messages whose ack the old
 * connection lost replace their pending copies, the rest of ours there were
 * not sent, and new messages in a room not shown count as unread.
 */
function replay(r: RoomView, history: ChatMessage[], resume: boolean): void {
  const key = nameKey(r.name);
  for (const m of history) {
    const mine = resume && same(m.from, me())
      ? [...pending].find(([, p]) => p.room === key && p.text === m.text)
      : undefined;
    const li = log.message(m, me());
    if (mine) {
      pending.delete(mine[0]);
      mine[1].li.replaceWith(li);
      continue;
    }
    log.addTo(key, li);
    if (resume && r !== tracker().current && !same(m.from, me())) {
      r.unread++;
      if (mentions(m.text, me()).length > 0) r.mentioned = true;
    }
  }
  for (const [ref, p] of pending) {
    if (!resume || p.room !== key) continue;
    p.li.classList.replace("pending", "failed");
    pending.delete(ref);
  }
}

/** A `room` event: we entered a room, or it resumed after a reconnect. */
function entered(e: RoomEvent): void {
  const key = nameKey(e.room);
  const isNew = !tracker().get(e.room);
  const r = tracker().entered(e);
  const wasResuming = resuming.delete(key);
  replay(r, tracker().fresh(e.room, e.history), wasResuming);
  if (isNew) {
    const n = r.members.length;
    log.addTo(
      key,
      log.system(
        `Now in #${r.name}: ${n} online: ${r.members.join(", ")}.` +
          (r.topic ? ` Topic: ${r.topic}` : ""),
      ),
    );
  }
  if (entering === key) {
    entering = null;
    show(r, "push");
  } else if (r === tracker().current) show(r);
  else renderRooms();
}

function left(room: string | undefined, name: string, reason: string): void {
  const r = roomOf(room);
  if (!r) return;
  const key = nameKey(r.name);
  if (reason === "part" && same(name, me())) {
    const wasCurrent = r === tracker().current;
    const now = tracker().parted(r.name);
    log.forget(key);
    drafts.delete(key);
    for (const [ref, p] of pending) if (p.room === key) pending.delete(ref);
    if (wasCurrent) show(now, "replace");
    else renderRooms();
    log.add(
      log.system(
        `You left #${r.name}.${now ? "" : " /join ROOM (or the list) to talk again."}`,
      ),
    );
    return;
  }
  r.members = r.members.filter((n) => !same(n, name));
  log.addTo(key, log.system(`${name} left${reason === "slow" ? " (too slow to keep up)" : ""}`));
  if (r === tracker().current) renderMembers();
}

function error(code: string, message: string, ref: string | undefined, resumed: boolean): void {
  if (!conn.joined && resumed && code === "server_full") {
    // Reconnecting to a server that is still shutting down: the next try will do.
    log.add(log.system(message));
    return;
  }
  if (!conn.joined && code === "auth_failed") return askPassword(conn.sentPassword);
  if (!conn.joined) {
    // Before the welcome: the name (or the server) was refused; say why by the form.
    if (joinView.hidden) showJoin();
    return nameProblem(`${message}.`.replace(/\.\.$/, "."));
  }
  if (entering !== null && (code === "bad_room" || code === "room_limit")) {
    // The room asked for (perhaps by the address) cannot be entered: the address says where we are.
    entering = null;
    const r = tracker().current;
    if (r) history.replaceState(null, "", hashFor(r.name));
  }
  const p = ref === undefined ? undefined : pending.get(ref);
  if (p) {
    pending.delete(ref!);
    p.li.classList.replace("pending", "failed");
  }
  log.add(log.system(`${message} (${code})`, true), true);
}

function onStatus(s: Status, retryMs?: number): void {
  switch (s) {
    case "connecting":
      statusLine.textContent = "connecting…";
      return;
    case "online":
      statusLine.textContent = `online as ${me()}`;
      return;
    case "waiting":
      statusLine.textContent = `offline, reconnecting in ${Math.ceil((retryMs ?? 0) / 1000)} s…`;
      return;
    case "closed":
      statusLine.textContent = "offline";
      if (joinView.hidden === false && nameError.hidden) {
        nameProblem("Could not reach the chat server. Check that it is running, then try again.");
      } else if (joinView.hidden) showJoin();
      return;
  }
}

// --- members -----------------------------------------------------------------

/** The current room's members. */
function renderMembers(): void {
  const names = [...(tracker().current?.members ?? [])].sort((a, b) =>
    a.localeCompare(b, undefined, { sensitivity: "base" })
  );
  memberCount.textContent = `(${names.length})`;
  memberList.replaceChildren(...names.map((n) => {
    const li = document.createElement("li");
    const b = nameButton(n);
    b.tabIndex = 0;
    b.title = `Send ${n} a private message`;
    li.append(b);
    if (n === me()) {
      const you = document.createElement("span");
      you.className = "you";
      you.textContent = " (you)";
      li.append(you);
    }
    return li;
  }));
}

// A click on any name starts a private message to it.
document.addEventListener("click", (e) => {
  const b = (e.target as HTMLElement).closest?.(".who") as HTMLElement | null;
  if (!b?.dataset.name || b.dataset.name === me()) return;
  textInput.value = `/msg ${b.dataset.name} `;
  textInput.focus();
});

// --- sending ---------------------------------------------------------------------

/** Does what an input asks for; false when the typed text should be kept. */
function act(action: InputAction): boolean {
  const current = tracker().current;
  switch (action.kind) {
    case "none":
      return false;
    case "help":
      log.add(log.system("Commands:"), true);
      for (const [u, h] of COMMANDS) log.add(log.system(`${u}  ${h}`), true);
      return true;
    case "quit":
      conn.quit();
      showJoin();
      return true;
    case "error":
      log.add(log.system(action.message, true), true);
      return false; // keep the text so it can be fixed
    case "switch": {
      const r = tracker().get(action.room);
      if (!r) {
        const m = `You are not in #${action.room}: /join ${action.room} enters it.`;
        log.add(log.system(m, true), true);
        return false;
      }
      pick(r.name);
      return true;
    }
    case "topic":
      log.add(
        log.system(
          !current
            ? "You are in no room: /join ROOM"
            : current.topic
            ? `Topic of #${current.name}: ${current.topic}`
            : `#${current.name} has no topic: /topic TEXT sets it.`,
        ),
        true,
      );
      return true;
    case "send": {
      const ev = action.event;
      if ((ev.type === "say" || ev.type === "me") && !current) {
        log.add(log.system("You are in no room: /join ROOM to talk.", true), true);
        return false;
      }
      if (ev.type === "enter") {
        enter(ev.room);
        return true;
      }
      const ref = `p${nextRef++}`;
      if (ev.type === "say" || ev.type === "me" || ev.type === "dm") ev.ref = ref;
      if (!conn.send(ev)) {
        log.add(
          log.system("Not connected right now; your text is kept, send it again soon.", true),
        );
        return false;
      }
      if ((ev.type === "say" || ev.type === "me") && current) {
        const li = log.message(
          { from: me(), text: ev.text, action: ev.type === "me" || undefined },
          me(),
        );
        li.classList.add("pending");
        pending.set(ref, { li, text: ev.text, room: nameKey(current.name) });
        log.add(li, true);
      }
      return true;
    }
  }
}

composer.addEventListener("submit", (e) => {
  e.preventDefault();
  const action = parseInput(textInput.value, tracker().current?.name);
  if (act(action)) textInput.value = "";
});

document.addEventListener("keydown", (e) => {
  if (chatView.hidden || !e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
  e.preventDefault();
  step(e.key === "ArrowUp" ? -1 : 1);
});

// --- unread count while the tab is hidden ---------------------------------------

function titleFor(n: number): string {
  return n > 0 ? `(${n}) ${TITLE}` : TITLE;
}

function bump(): void {
  if (!document.hidden) return;
  unread++;
  document.title = titleFor(unread);
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  unread = 0;
  document.title = titleFor(0);
});

addEventListener("online", () => conn.retryNow());

showJoin();
