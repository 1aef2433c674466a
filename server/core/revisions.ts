import { MAX_PAGE, MAX_RESULTS, type ServerEvent } from "../../protocol/events.ts";
import { nameKey } from "../../protocol/names.ts";
import { sanitize } from "../../protocol/sanitize.ts";
import type { Command, CommandContext } from "./commands.ts";
import type { Revision, StoredMessage } from "./history.ts";
import type { Member, Room } from "./room.ts";
import { SearchOff, searchWords } from "./search_words.ts";

/**
 * Older history, search, edits and deletions: the core's side of JSON
 * `history`, `search`, `edit`, `delete` and plain `/history`, `/search`,
 * `/edit`, `/delete`. They read and change the store, which may wait (a
 * cluster's is Redis), so each returns a promise and the connection's next
 * line waits for it: replies stay in order.
 */

/** Messages `/history` shows without a count. */
export const DEFAULT_HISTORY = 20;
/** Results `search` returns without a limit. */
export const DEFAULT_RESULTS = 20;
/**
 * Most text one page carries: 200 messages of 4 KiB would come near the
 * 1 MiB outbox, and a client asking for them would be dropped as slow.
 * A fuller page is cut from its oldest end and says `more`.
 */
export const MAX_PAGE_TEXT = 256 * 1024;

const noSuchMessage = (room: Room, seq: number) => ({
  code: "no_such_message" as const,
  message: `there is no message #${seq} in #${room.name} (it may have been deleted or expired)`,
});

/** Whether `member` wrote `m`: its name now, and it (or the key holder) has had that name since. */
export function isAuthor(ctx: CommandContext, m: StoredMessage): boolean {
  const me = ctx.member;
  if (nameKey(m.from) !== nameKey(me.name)) return false;
  // A reserved name is its key holder's: every message under it is theirs.
  if (ctx.chat.reservations.keyOf(me, me.name) !== undefined) return true;
  // Otherwise only what was said since it took the name: whoever had the
  // name before (a free name is anyone's) cannot be edited in its place.
  return me.named !== undefined && Date.parse(m.ts) >= me.named;
}

/** A page of `room`'s messages older than `before`. */
export async function sendPage(
  ctx: CommandContext,
  room: Room,
  before: number | undefined,
  limit: number,
  ref?: string,
): Promise<void> {
  // What this member just said is stored first, so the page has it.
  ctx.chat.settle();
  try {
    const page = await ctx.chat.history.page(room.name, before, Math.min(limit, MAX_PAGE));
    let start = page.messages.length;
    for (let text = 0; start > 0; start--) {
      text += page.messages[start - 1].text.length;
      if (text > MAX_PAGE_TEXT && start < page.messages.length) break;
    }
    const event: ServerEvent = {
      type: "history",
      room: room.name,
      messages: start === 0 ? page.messages : page.messages.slice(start),
      more: page.more || start > 0,
    };
    ctx.send(ref === undefined ? event : { ...event, ref });
  } catch (err) {
    ctx.refuse(storeFailed(err, "read older messages"), ref);
  }
}

/** Messages matching `query` in `rooms`, newest first. */
export async function sendResults(
  ctx: CommandContext,
  rooms: readonly Room[],
  query: string,
  limit: number,
  ref?: string,
): Promise<void> {
  const words = searchWords(query);
  const shown = query.length > 200 ? query.slice(0, 200) + "…" : query;
  if (words.length === 0) {
    return ctx.refuse({
      code: "bad_request",
      message: "search for words: letters or digits, like /search deploy friday",
    }, ref);
  }
  ctx.chat.settle();
  try {
    const messages = await ctx.chat.history.search(
      rooms.map((r) => r.name),
      words,
      Math.min(limit, MAX_RESULTS),
    );
    const event: ServerEvent = { type: "results", query: shown, messages };
    ctx.send(ref === undefined ? event : { ...event, ref });
  } catch (err) {
    if (err instanceof SearchOff) {
      return ctx.refuse({ code: "bad_request", message: err.message }, ref);
    }
    ctx.refuse(storeFailed(err, "search"), ref);
  }
}

/** Changes message `seq` of `room` as `member` asks, if it may; everyone in the room is told. */
export async function reviseMessage(
  ctx: CommandContext,
  room: Room,
  seq: number,
  change: { kind: "edit"; text: string } | { kind: "delete" },
  ref?: string,
): Promise<void> {
  const chat = ctx.chat;
  const me = ctx.member;
  const edit = change.kind === "edit";
  const text = edit ? sanitize(change.text).trim() : "";
  if (edit && text === "") {
    return ctx.refuse({
      code: "bad_request",
      message: `the new text is empty: /delete ${seq} removes the message`,
    }, ref);
  }
  const mute = chat.moderation.muted(me);
  if (mute && edit) {
    return ctx.refuse({ code: "muted", message: chat.moderation.mutedText(mute) }, ref);
  }
  let m: StoredMessage | null;
  chat.settle();
  try {
    m = await chat.history.message(room.name, seq);
  } catch (err) {
    return ctx.refuse(storeFailed(err, edit ? "edit" : "delete"), ref);
  }
  if (!m || m.deleted) return ctx.refuse(noSuchMessage(room, seq), ref);
  const refusal = edit ? mayEdit(ctx, m, seq) : mayDelete(ctx, m, seq);
  if (refusal) return ctx.refuse(refusal, ref);
  const ts = new Date(chat.now()).toISOString();
  const revision: Revision = edit
    ? { kind: "edit", text, ts }
    : { kind: "delete", ts, by: me.name };
  let now: StoredMessage | null;
  try {
    now = await chat.history.revise(room.name, seq, revision);
  } catch (err) {
    return ctx.refuse(storeFailed(err, edit ? "edit" : "delete"), ref);
  }
  if (!now) return ctx.refuse(noSuchMessage(room, seq), ref);
  if (!edit && m.file) chat.files.removed?.(m.file);
  chat.revised(
    room,
    edit
      ? { type: "edit", room: room.name, seq, ts, from: m.from, text }
      : { type: "delete", room: room.name, seq, ts, by: me.name },
    me,
  );
  chat.log("info", `${me.name} ${edit ? "edited" : "deleted"} #${seq} in #${room.name}`);
}

function mayEdit(ctx: CommandContext, m: StoredMessage, seq: number) {
  const window = ctx.chat.editWindowMs;
  if (window <= 0) {
    return {
      code: "not_allowed" as const,
      message: "editing is off on this server: /delete it and say it again",
    };
  }
  if (!isAuthor(ctx, m)) {
    return {
      code: "not_allowed" as const,
      message: `#${seq} is ${m.from}'s: you can only edit your own messages`,
    };
  }
  if (m.file) {
    return {
      code: "not_allowed" as const,
      message: `#${seq} shares a file: /delete ${seq} and share it again`,
    };
  }
  if (ctx.chat.now() - Date.parse(m.ts) > window) {
    return {
      code: "not_allowed" as const,
      message: `#${seq} is older than the edit window (${
        windowText(window)
      }): you can still /delete ${seq}`,
    };
  }
  return null;
}

function mayDelete(ctx: CommandContext, m: StoredMessage, seq: number) {
  if (ctx.member.operator || isAuthor(ctx, m)) return null;
  return {
    code: "not_allowed" as const,
    message:
      `#${seq} is ${m.from}'s: you can only delete your own messages (operators can delete any)`,
  };
}

/** "24h", "90m", "45s". */
function windowText(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

function storeFailed(err: unknown, what: string) {
  return {
    code: "server_error" as const,
    message: `could not ${what} (${err instanceof Error ? err.message : String(err)}): try again`,
  };
}

/** "#34", "34": a seq, or null. */
function seqArg(word: string): number | null {
  const m = /^#?(\d{1,15})$/.exec(word);
  return m ? Number(m[1]) : null;
}

function badSeq(ctx: CommandContext, word: string, usage: string): void {
  ctx.refuse({
    code: "bad_request",
    message: `${word} is not a message number: ${usage} (/history shows them)`,
  });
}

/** The member's newest message in `room` among the last page: `/edit` alone edits it. */
async function lastOwn(ctx: CommandContext, room: Room): Promise<StoredMessage | null> {
  ctx.chat.settle();
  const page = await ctx.chat.history.page(room.name, undefined, MAX_PAGE);
  for (let i = page.messages.length - 1; i >= 0; i--) {
    const m = page.messages[i];
    if (!m.deleted && !m.file && isAuthor(ctx, m)) return m;
  }
  return null;
}

/** Every room `member` is in, or the one it named. */
export function searchRooms(member: Member, room: Room | undefined): Room[] {
  return room ? [room] : [...member.rooms];
}

/** `/history [N]`, `/search TEXT`, `/edit SEQ TEXT`, `/delete SEQ`. */
export const REVISION_COMMANDS: readonly Command[] = [
  {
    name: "history",
    aliases: [],
    args: "[N]",
    help: `show the room's last N messages with their #numbers (default ${DEFAULT_HISTORY})`,
    minArgs: 0,
    run(ctx, words) {
      const room = ctx.room(undefined, ctx.member.current);
      if (!room) return;
      const n = words[0] === undefined ? DEFAULT_HISTORY : Number(words[0]);
      if (!Number.isSafeInteger(n) || n < 1) {
        return ctx.refuse({
          code: "bad_request",
          message: `/history takes a count from 1 to ${MAX_PAGE}, like /history 50`,
        });
      }
      return sendPage(ctx, room, undefined, n);
    },
  },
  {
    name: "search",
    aliases: [],
    args: "TEXT",
    help: "find messages with these words in your rooms, newest first",
    minArgs: 1,
    run(ctx, _words, rest) {
      return sendResults(ctx, searchRooms(ctx.member, undefined), rest, DEFAULT_RESULTS);
    },
  },
  {
    name: "edit",
    aliases: [],
    args: "SEQ TEXT",
    help: "change the text of your message #SEQ (/edit TEXT: your last one)",
    minArgs: 1,
    async run(ctx, words, rest) {
      const room = ctx.room(undefined, ctx.member.current);
      if (!room) return;
      const seq = seqArg(words[0]);
      if (seq !== null && words.length === 1) {
        return ctx.refuse({
          code: "bad_request",
          message: `/edit ${words[0]} needs the new text: /edit ${seq} TEXT`,
        });
      }
      if (seq === null) {
        // "/edit fixed text": the member's last message in the room.
        const last = await lastOwn(ctx, room);
        if (!last) {
          return ctx.refuse({
            code: "no_such_message",
            message: `you have no recent message in #${room.name} to edit`,
          });
        }
        return reviseMessage(ctx, room, last.seq, { kind: "edit", text: rest });
      }
      return reviseMessage(ctx, room, seq, { kind: "edit", text: rest.replace(/^\S+\s?/, "") });
    },
  },
  {
    name: "delete",
    aliases: [],
    args: "SEQ",
    help: "delete your message #SEQ (operators: anyone's)",
    minArgs: 1,
    run(ctx, words) {
      const room = ctx.room(undefined, ctx.member.current);
      if (!room) return;
      const seq = seqArg(words[0]);
      if (seq === null) return badSeq(ctx, words[0], "/delete SEQ");
      return reviseMessage(ctx, room, seq, { kind: "delete" });
    },
  },
];
