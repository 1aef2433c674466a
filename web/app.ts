/// <reference lib="dom" />
/**
 * The chat page: a name form, then the room. Everything the server sends is
 * rendered with textContent; nothing a user typed is ever parsed as HTML.
 */
import type { ChatMessage, ServerEvent } from "../protocol/events.ts";
import { Connection, type Status } from "./connection.ts";
import { COMMANDS, parseInput } from "./input.ts";
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
const memberList = $<HTMLUListElement>("members");
const memberCount = $<HTMLSpanElement>("member-count");
const composer = $<HTMLFormElement>("composer");
const textInput = $<HTMLInputElement>("text");
const log = new MessageLog($<HTMLOListElement>("log"), $<HTMLButtonElement>("jump"));

const TITLE = "chat";
const members = new Map<string, string>(); // lower-case key -> name as shown
/** Our messages sent and not yet acked, by ref. */
const pending = new Map<string, { li: HTMLLIElement; text: string }>();
let nextRef = 1;
let unread = 0;

const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
const conn = new Connection(wsUrl, { event: onEvent, status: onStatus });

function me(): string {
  return conn.name;
}

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

// --- events from the server ------------------------------------------------

function onEvent(e: ServerEvent, resumed: boolean): void {
  switch (e.type) {
    case "welcome":
      return welcome(e.name, e.members, e.history, resumed);
    case "message": {
      const verdict = conn.seq.judge(e.seq, false);
      if (verdict === "restarted") {
        log.add(log.system("The server restarted with a fresh history."));
      }
      log.add(log.message(e, me()));
      return bump();
    }
    case "ack": {
      conn.seq.judge(e.seq, false);
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
    case "join":
      addMember(e.name);
      log.add(log.system(`${e.name} joined`));
      return;
    case "leave":
      members.delete(e.name.toLowerCase());
      renderMembers();
      log.add(log.system(`${e.name} left${e.reason === "slow" ? " (too slow to keep up)" : ""}`));
      return;
    case "nick":
      members.delete(e.from.toLowerCase());
      addMember(e.to);
      if (e.to === me()) onStatus("online");
      log.add(log.system(e.to === me() ? `You are now ${e.to}` : `${e.from} is now ${e.to}`));
      return;
    case "members":
      setMembers(e.names);
      log.add(log.system(`${e.names.length} online: ${e.names.join(", ")}`));
      return;
    case "error":
      return error(e.code, e.message, e.ref, resumed);
    case "shutdown":
      log.add(log.system(`${e.message}. Reconnecting when it is back…`));
      return;
    case "pong":
    case "notice":
      // The banner is for line clients; the page has its own form.
      return;
  }
}

function welcome(name: string, names: string[], history: ChatMessage[], resumed: boolean): void {
  const first = joinView.hidden === false;
  joinView.hidden = true;
  chatView.hidden = false;
  setMembers(names);
  if (!resumed || first) {
    log.clear();
    pending.clear();
  }
  conn.seq.joined();
  // Our own messages that were stored but whose ack the old connection lost
  // come back in the history: they replace their pending copies.
  for (const m of history) {
    if (conn.seq.judge(m.seq, true) === "duplicate") continue;
    const mine = m.from.toLowerCase() === name.toLowerCase()
      ? [...pending].find(([, p]) => p.text === m.text)
      : undefined;
    const li = log.message(m, name);
    if (mine) {
      pending.delete(mine[0]);
      mine[1].li.replaceWith(li);
    } else log.add(li);
  }
  for (const [ref, p] of pending) {
    p.li.classList.replace("pending", "failed");
    pending.delete(ref);
  }
  if (resumed && !first) log.add(log.system("Reconnected."));
  else {
    log.add(log.system(`Welcome, ${name}! /help lists the commands.`));
    log.scrollToEnd();
    textInput.focus();
  }
  document.title = titleFor(unread);
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

function setMembers(names: string[]): void {
  members.clear();
  for (const n of names) members.set(n.toLowerCase(), n);
  renderMembers();
}

function addMember(name: string): void {
  members.set(name.toLowerCase(), name);
  renderMembers();
}

function renderMembers(): void {
  const names = [...members.values()].sort((a, b) =>
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

composer.addEventListener("submit", (e) => {
  e.preventDefault();
  const action = parseInput(textInput.value);
  switch (action.kind) {
    case "none":
      return;
    case "help":
      log.add(log.system("Commands:"), true);
      for (const [u, h] of COMMANDS) log.add(log.system(`${u}  ${h}`), true);
      break;
    case "quit":
      conn.quit();
      members.clear();
      showJoin();
      break;
    case "error":
      log.add(log.system(action.message, true), true);
      return; // keep the text so it can be fixed
    case "send": {
      const ev = action.event;
      const ref = `p${nextRef++}`;
      if (ev.type === "say" || ev.type === "me" || ev.type === "dm") ev.ref = ref;
      if (!conn.send(ev)) {
        log.add(
          log.system("Not connected right now; your text is kept, send it again soon.", true),
        );
        return;
      }
      if (ev.type === "say" || ev.type === "me") {
        const li = log.message(
          { from: me(), text: ev.text, action: ev.type === "me" || undefined },
          me(),
        );
        li.classList.add("pending");
        pending.set(ref, { li, text: ev.text });
        log.add(li, true);
      }
    }
  }
  textInput.value = "";
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
