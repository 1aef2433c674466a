/// <reference lib="dom" />
/**
 * Doing what the user typed, in the message field (a line, or a /command)
 * or in the "Join a room" field. Our messages show at once, pending until
 * the server's ack.
 */
import { nameKey } from "../protocol/names.ts";
import { COMMANDS, type InputAction, parseInput, roomInput } from "./input.ts";
import type { JoinForm } from "./join_form.ts";
import type { PageElements } from "./page.ts";
import type { RoomList } from "./room_list.ts";
import type { RoomSwitcher } from "./room_switcher.ts";
import type { PageState } from "./state.ts";
import type { MessageLog } from "./view.ts";

/** What {@linkcode sending} needs. */
export interface SendingDeps {
  page: PageElements;
  state: PageState;
  log: MessageLog;
  roomList: RoomList;
  rooms: RoomSwitcher;
  join: JoinForm;
  /** The composer was submitted: true when it was an edit, done there (editing.ts). */
  edited?: () => boolean;
}

/** What sending does for the rest of the page. */
export interface Sending {
  /** Does what an input asks for; false when the typed text should be kept. */
  act(action: InputAction): boolean;
}

/** Sets up the message field and the "Join a room" field. */
export function sending(d: SendingDeps): Sending {
  const { page, state, log, roomList } = d;
  const { composer, roomForm, roomName, textInput } = page;
  const { conn, pending, outbox, tracker, me } = state;
  const { enter, pick } = d.rooms;
  const { showJoin } = d.join;

  function act(action: InputAction): boolean {
    const current = tracker().current;
    switch (action.kind) {
      case "none":
        return false;
      case "help":
        log.add(log.system("Commands:"), true);
        for (const [u, h] of COMMANDS) log.add(log.system(h ? `${u}  ${h}` : u), true);
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
        if (ev.type === "who" && conn.joined) state.askedWho++;
        // A say or me gets a ref and an id from the outbox, which keeps it until
        // its ack: sent again (same id) after server_error and after a reconnect.
        const out = ev.type === "say" || ev.type === "me" ? outbox.add(ev) : ev;
        if (ev.type === "dm") ev.ref = `p${state.nextRef++}`;
        // While rooms resume after a reconnect, a message waits to go with the
        // resend, after those typed before it.
        const waits = (out.type === "say" || out.type === "me") &&
          ((conn.joined && state.resuming.size > 0) || outbox.held(out.ref!));
        if (!waits && !conn.send(out)) {
          if (out.type === "say" || out.type === "me") outbox.settle(out.ref);
          log.add(
            log.system("Not connected right now; your text is kept, send it again soon.", true),
          );
          return false;
        }
        if ((out.type === "say" || out.type === "me") && current) {
          const li = log.message(
            { from: me(), text: out.text, action: out.type === "me" || undefined },
            me(),
          );
          li.classList.add("pending");
          pending.set(out.ref!, { li, text: out.text, room: nameKey(current.name) });
          log.add(li, true);
        }
        return true;
      }
    }
  }

  roomForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const action = roomInput(roomName.value);
    if (action.kind === "send" && action.event.type === "enter") {
      roomName.value = "";
      roomList.close();
      enter(action.event.room);
    } else act(action);
  });

  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    if (d.edited?.()) return;
    const action = parseInput(textInput.value, tracker().current?.name);
    if (act(action)) textInput.value = "";
  });

  return { act };
}
