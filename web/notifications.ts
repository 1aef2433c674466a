/// <reference lib="dom" />
/**
 * Desktop notifications, for a mention of our name (a whole word, any
 * case) and for a private message, while the tab is hidden; never for what
 * we wrote ourselves. They are off until the user turns them on with the
 * bell button ("Notify me"): only that click asks the browser's permission,
 * never the page loading. The choice is remembered (localStorage) for the next visit.
 */
import type { ChatMessage } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import { mentions, same } from "./names.ts";
import type { PageState } from "./state.ts";
import type { MessageLog } from "./view.ts";

const STORE_KEY = "chat.notify";

/** What {@linkcode notifications} needs. */
export interface NotificationsDeps {
  /** The bell toggle ("Notify me") in the header. */
  button: HTMLButtonElement;
  state: PageState;
  log: MessageLog;
  /** Shows a room (a notification was clicked). */
  pick(room: string): void;
}

/** What notifications do for the rest of the page. */
export interface Notifier {
  /** A room message came (live, not history). */
  message(m: ChatMessage): void;
  /** A private message came. */
  dm(e: { from: string; to: string; text: string }): void;
}

function store(): Storage | null {
  try {
    return globalThis.localStorage;
  } catch {
    return null; // storage refused (a sandbox, privacy settings)
  }
}

/** Sets up the bell toggle and the notifications. */
export function notifications(d: NotificationsDeps): Notifier {
  const { button, state, log } = d;
  const supported = typeof Notification === "function";
  let on = supported && store()?.getItem(STORE_KEY) === "on";

  function render(): void {
    const live = on && Notification.permission === "granted";
    button.setAttribute("aria-pressed", String(live));
    button.querySelector("span")!.textContent = live ? "Notifying" : "Notify me";
    button.title = live
      ? "Notifications are on for mentions and private messages while this tab is hidden: click to turn them off"
      : "Get a notification when someone mentions you or writes to you privately while this tab is hidden";
  }

  function set(value: boolean): void {
    on = value;
    try {
      store()?.setItem(STORE_KEY, value ? "on" : "off");
    } catch {
      // not remembered: it still holds for this visit
    }
    render();
  }

  async function toggle(): Promise<void> {
    if (on && Notification.permission === "granted") return set(false);
    if (Notification.permission === "denied") return blocked();
    // Asked here only: in answer to the user's click.
    const answer = Notification.permission === "granted"
      ? "granted"
      : await Notification.requestPermission();
    if (answer === "granted") {
      set(true);
      log.add(
        log.system("Notifications on: mentions and private messages, while this tab is hidden."),
      );
    } else if (answer === "denied") blocked();
    else render();
  }

  function blocked(): void {
    set(false);
    log.add(
      log.system(
        "Notifications are blocked for this page: allow them in the browser's site settings, " +
          "then click Notify me again.",
        true,
      ),
      true,
    );
  }

  function show(title: string, body: string, room: string | null, tag: string): void {
    if (!on || !supported || Notification.permission !== "granted") return;
    if (document.visibilityState !== "hidden") return;
    let n: Notification;
    try {
      n = new Notification(title, { body, tag });
    } catch {
      return; // phones want a service worker for notifications: none then
    }
    n.addEventListener("click", () => {
      focus();
      if (room !== null) d.pick(room);
      n.close();
    });
  }

  function message(m: ChatMessage): void {
    const me = state.me();
    // A file's name is no mention.
    if (same(m.from, me) || m.file || mentions(m.text, me).length === 0) return;
    const room = state.roomOf(m.room)?.name ?? m.room ?? "";
    show(`${m.from} in #${room}`, m.text, room, `chat-${nameKey(room)}-${m.seq}`);
  }

  function dm(e: { from: string; to: string; text: string }): void {
    if (same(e.from, state.me())) return;
    show(`${e.from} (private)`, e.text, null, `chat-dm-${Date.now()}`);
  }

  if (supported) {
    button.hidden = false;
    button.addEventListener("click", () => void toggle());
    render();
  }

  return { message, dm };
}
