/// <reference lib="dom" />
/**
 * What the page does with each event from the server (one exhaustive
 * switch), and with the connection's status. The welcome and `room` events,
 * which bring history, are handled in resume.ts.
 */
import type { ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import type { Status } from "./connection.ts";
import type { Editing } from "./editing.ts";
import type { HistoryPager } from "./history_pager.ts";
import type { JoinForm } from "./join_form.ts";
import { showDeleted, showEdit } from "./message_view.ts";
import type { Members } from "./members.ts";
import type { Moderation } from "./moderation.ts";
import { mentions, same } from "./names.ts";
import type { NewDivider } from "./new_divider.ts";
import type { Notifier } from "./notifications.ts";
import type { PageElements } from "./page.ts";
import { hashFor } from "./room_hash.ts";
import type { RoomSwitcher } from "./room_switcher.ts";
import type { Resume } from "./resume.ts";
import type { SearchBox } from "./search_box.ts";
import type { PageState } from "./state.ts";
import { PresenceSummaries } from "./presence.ts";
import type { UnreadTitle } from "./title.ts";
import type { TopicBar } from "./topic_bar.ts";
import type { Uploads } from "./uploads.ts";
import type { MessageLog } from "./view.ts";

/** What {@linkcode serverEvents} needs. */
export interface ServerEventsDeps {
  page: PageElements;
  state: PageState;
  log: MessageLog;
  topicBar: TopicBar;
  rooms: RoomSwitcher;
  members: Members;
  join: JoinForm;
  title: UnreadTitle;
  resume: Resume;
  moderation: Moderation;
  uploads: Uploads;
  pager: HistoryPager;
  search: SearchBox;
  editing: Editing;
  divider: NewDivider;
  notifier: Notifier;
}

/** The page's handlers for its connection (`ConnectionHandlers` in connection.ts). */
export interface ServerEvents {
  /** Every event from the server, in order. */
  onEvent(e: ServerEvent, resumed: boolean): void;
  /** A change of the connection's status; `retryMs` is set while waiting to reconnect. */
  onStatus(s: Status, retryMs?: number): void;
}

/** The handlers of the server's events, on the page's state. */
export function serverEvents(d: ServerEventsDeps): ServerEvents {
  const { page, state, log, topicBar } = d;
  const { joinView, nameError, statusLine } = page;
  const { conn, pending, outbox, drafts, tracker, me, keyOf, roomOf } = state;
  const { show, renderRooms, suggest } = d.rooms;
  const { renderMembers } = d.members;
  const { showJoin, nameProblem, askPassword } = d.join;
  const { bump } = d.title;
  const { welcome, entered } = d.resume;
  const summaries = new PresenceSummaries((room) => conn.send({ type: "who", room }));

  function onEvent(e: ServerEvent, resumed: boolean): void {
    // Operators and locks first: the handlers below draw with them.
    const newOps = e.type === "members" ? state.ops.newOps(e) : [];
    state.ops.take(e);
    switch (e.type) {
      case "welcome":
        return welcome(e, resumed);
      case "room":
        return entered(e);
      case "message": {
        // A file's name is no mention.
        const mention = !e.file && !same(e.from, me()) && mentions(e.text, me()).length > 0;
        const key = keyOf(e.room);
        const verdict = tracker().judge(e.room, e.seq, false, mention);
        if (verdict === "duplicate") return;
        if (verdict === "restarted") {
          log.addTo(key, log.system("The server restarted with a fresh history."));
        }
        const li = log.addTo(key, log.message(e, me()));
        if (!same(e.from, me())) d.divider.arrived(key, li);
        d.notifier.message(e);
        renderRooms();
        return bump();
      }
      case "ack": {
        // Our own message: it counts as seen, never as unread. Judged as a
        // replay: the ack of a message sent again after a reconnect (same id)
        // carries the seq it was stored with, which the resumed history showed.
        const verdict = roomOf(e.room)?.seq.judge(e.seq, true);
        const retrying = outbox.retrying;
        outbox.settle(e.ref);
        // We wrote there: what the divider marked has been read.
        d.divider.caughtUp(keyOf(e.room));
        // A file we shared whose PUT has not been answered yet: its message waits for that.
        if (d.uploads.acked(e.ref, e.seq)) return;
        const p = e.ref === undefined ? undefined : pending.get(e.ref);
        if (p) {
          pending.delete(e.ref!);
          if (verdict === "duplicate") log.remove(p.li); // its stored copy is shown
          else {
            p.li.classList.remove("pending");
            p.li.dataset.seq = String(e.seq);
          }
        }
        if (outbox.retrying !== retrying) onStatus("online");
        return;
      }
      case "dm":
        log.add(log.dm(e, me()), e.from === me());
        if (e.from !== me()) bump();
        d.notifier.dm(e);
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
      case "presence": {
        const r = roomOf(e.room);
        if (!r) return;
        log.addTo(keyOf(e.room), log.system(summaries.apply(r, e)));
        if (r === tracker().current) renderMembers();
        return;
      }
      case "nick": {
        let told = false;
        for (const r of tracker().list()) {
          if (!r.members.some((n) => same(n, e.from))) continue;
          r.members = r.members.map((n) => same(n, e.from) ? e.to : n);
          log.addTo(nameKey(r.name), renamed(e.from, e.to));
          told = true;
        }
        if (!told) log.add(renamed(e.from, e.to));
        if (e.to === me()) {
          // What we said under the old name is no longer ours to edit or delete.
          for (const li of log.items()) {
            if (li.classList.contains("mine") && !same(li.dataset.from ?? "", e.to)) {
              li.classList.remove("mine");
            }
          }
          onStatus("online");
        }
        return renderMembers();
      }
      case "members": {
        const r = roomOf(e.room);
        if (r) r.members = [...e.names];
        if (state.askedWho > 0) {
          state.askedWho--;
          // A room we are not in (who lists any room) is named too.
          const here = r ? r === tracker().current : e.room === undefined;
          const where = here ? "online" : `in #${r?.name ?? e.room}`;
          log.add(log.system(`${e.names.length} ${where}: ${e.names.join(", ")}`));
        } else {
          // Not an answer to /who: someone became an operator (maybe us).
          for (const n of newOps) {
            if (!same(n, me())) log.addTo(keyOf(e.room), log.system(`${n} is now an operator`));
          }
        }
        // The badges, the menus, and a locked topic.
        return d.moderation.refresh();
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
      case "upload":
        return d.uploads.granted(e);
      case "rooms":
        suggest(e.rooms);
        if (state.quietRooms > 0) {
          state.quietRooms--;
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
      case "moderation":
        return d.moderation.moderation(e);
      case "bans":
        return d.moderation.bans(e.bans);
      case "history":
        return d.pager.page(e);
      case "results":
        return d.search.results(e);
      case "edit": {
        // Only what the log holds changes: older pages come from the server as they are now.
        const li = log.find(keyOf(e.room), e.seq);
        if (li) log.keepEnd(() => showEdit(li, e.text, e.ts, me()));
        return;
      }
      case "delete": {
        const li = log.find(keyOf(e.room), e.seq);
        if (!li) return;
        d.editing.gone(li);
        log.keepEnd(() => showDeleted(li));
        return;
      }
      case "pong":
        return;
    }
  }

  function renamed(from: string, to: string): HTMLLIElement {
    return log.system(to === me() ? `You are now ${to}` : `${from} is now ${to}`);
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
      for (const [ref, p] of pending) {
        if (p.room !== key) continue;
        pending.delete(ref);
        outbox.settle(ref);
      }
      onStatus("online");
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
    // A kick's or a ban's leave: "bob was kicked by alice" said it.
    const told = reason === "kicked" && d.moderation.toldLeave(name);
    const why = reason === "slow"
      ? " (too slow to keep up)"
      : reason === "kicked"
      ? " (kicked)"
      : "";
    if (!told) log.addTo(key, log.system(`${name} left${why}`));
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
    // An upload refused (too large, too fast, muted…): its row in the uploads says why.
    if (d.uploads.refused(code, message, ref)) return;
    // A search refused (no words in it, search off): the search box says why.
    if (d.search.failed(ref, message)) return;
    d.pager.failed(ref);
    if (state.entering !== null && (code === "bad_room" || code === "room_limit")) {
      // The room asked for (perhaps by the address) cannot be entered: the address says where we are.
      state.entering = null;
      const r = tracker().current;
      if (r) history.replaceState(null, "", hashFor(r.name));
    }
    const p = ref === undefined ? undefined : pending.get(ref);
    // The server could not store it for a moment: the outbox sends it again
    // (same id) after a backoff; the status line says so, the log does not.
    const retry = code === "server_error" ? outbox.failed(ref) : undefined;
    if (retry?.kind === "retry") return onStatus("online");
    outbox.settle(ref);
    if (p) {
      pending.delete(ref!);
      p.li.classList.replace("pending", "failed");
    }
    if (retry?.kind === "gave-up") {
      onStatus("online");
      const m = "Gave up on a message after 2 minutes: the server could not store it.";
      log.add(log.system(m, true), true);
      return;
    }
    log.add(
      log.system(d.moderation.errorText(code, message) ?? `${message} (${code})`, true),
      true,
    );
  }

  function onStatus(s: Status, retryMs?: number): void {
    switch (s) {
      case "connecting":
        statusLine.textContent = "connecting…";
        return;
      case "online": {
        const n = outbox.retrying;
        statusLine.textContent = `online as ${me()}` +
          (n > 0 ? `, retrying ${n} message${n === 1 ? "" : "s"}…` : "");
        return;
      }
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

  return { onEvent, onStatus };
}
