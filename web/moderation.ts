/// <reference lib="dom" />
/**
 * What the page does with moderation: the `moderation` and `bans` events
 * as system lines in the rooms they concern, the errors that say what to
 * do, and our own kick or ban, which ends the session on the join form
 * (the page does not come back by itself: Join does, once, when the user
 * wants to). Operators and locks are kept in `state.ops` (server_events.ts
 * feeds it every event).
 */
import type { BanSummary, ModerationEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import { moderationErrorText, removal, removalText } from "../protocol/op_tracker.ts";
import { bansText, moderationText } from "../protocol/plain.ts";
import type { JoinForm } from "./join_form.ts";
import type { Members } from "./members.ts";
import { same } from "./names.ts";
import type { PageElements } from "./page.ts";
import type { PageState } from "./state.ts";
import type { TopicBar } from "./topic_bar.ts";
import type { MessageLog } from "./view.ts";

/** What {@linkcode moderation} needs. */
export interface ModerationDeps {
  page: PageElements;
  state: PageState;
  log: MessageLog;
  topicBar: TopicBar;
  members: Members;
  join: JoinForm;
  /** Operators may have changed: what else draws with them (the messages' menus). */
  changed?: () => void;
}

/** The page's handling of moderation. */
export interface Moderation {
  /** A moderation event: a line in each room it concerns; our own kick or ban ends the session. */
  moderation(e: ModerationEvent): void;
  /** The answer to /bans. */
  bans(bans: BanSummary[]): void;
  /** The line for an error of moderation, saying what to do; null for other errors. */
  errorText(code: string, message: string): string | null;
  /** True when the leave (reason `kicked`) of `name` needs no line: a moderation line told it. */
  toldLeave(name: string): boolean;
  /** Operators or a lock may have changed: the badges, menus and topic bar again. */
  refresh(): void;
}

/** Sets up the handling of moderation on the page's state. */
export function moderation(d: ModerationDeps): Moderation {
  const { page, state, log, topicBar } = d;
  const { conn, tracker, me, keyOf, ops } = state;

  function refresh(): void {
    d.members.renderMembers();
    topicBar.render(tracker().current);
    d.changed?.();
  }

  function onModeration(e: ModerationEvent): void {
    const mine = removal(e, me());
    if (mine) {
      // The server closes the connection: no reconnecting by ourselves.
      const name = me();
      conn.quit();
      page.nameInput.value = name;
      d.join.showJoin(
        `${removalText(mine)}.` +
          (mine.action === "kick" ? " Join again when you want to come back." : ""),
      );
      return;
    }
    const text = moderationText(e);
    // Kicks, bans and mutes name no room: they are told in each room the
    // target is in (still: its leave comes after), else in the one shown.
    const rooms = e.room !== undefined
      ? [keyOf(e.room)]
      : tracker().list().filter((r) => r.members.some((n) => same(n, e.target))).map((r) =>
        nameKey(r.name)
      );
    if (rooms.length === 0) log.add(log.system(text));
    for (const key of rooms) log.addTo(key, log.system(text));
    if (e.action === "lock" || e.action === "unlock") refresh();
  }

  return {
    moderation: onModeration,
    bans: (bans) => log.add(log.system(bansText(bans)), true),
    errorText: (code, message) => {
      const text = moderationErrorText(code, message);
      return text === null ? null : `${text} (${code})`;
    },
    toldLeave: (name) => ops.justRemoved(name),
    refresh,
  };
}
