import type { ClientEvent, ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import { sanitize } from "../protocol/sanitize.ts";
import { type HistoryState, SEARCH_LIMIT } from "./history_commands.ts";
import { OwnMessages } from "./own_messages.ts";
import type { Rendered, Renderer } from "./render.ts";

type HistoryPage = Extract<ServerEvent, { type: "history" }>;
type Results = Extract<ServerEvent, { type: "results" }>;
type Revision = Extract<ServerEvent, { type: "edit" | "delete" }>;

/**
 * What the terminal shows of older history, search results, edits and
 * deletions, and what it keeps for the commands that need it
 * ({@linkcode HistoryState}): your recent messages, and where the last
 * page of each room began, for /older. No I/O.
 */
export class RevisionView implements HistoryState {
  readonly own: OwnMessages = new OwnMessages();
  readonly #render: Renderer;
  /** Our `history` requests waiting for their answer, by ref. */
  readonly #asked = new Map<string, { older: boolean }>();
  /** Room key → the first seq the last page showed (undefined: none), and whether older ones exist. */
  readonly #pages = new Map<string, { first: number | undefined; more: boolean }>();
  #next = 1;

  constructor(render: Renderer) {
    this.#render = render;
  }

  get seqs(): boolean {
    return this.#render.options.seqs === true;
  }

  set seqs(on: boolean) {
    this.#render.options.seqs = on;
  }

  lastOwn(room: string): number | undefined {
    return this.own.find(room)?.seq;
  }

  historyRequest(room: string, limit: number, older: boolean): ClientEvent | string {
    const last = older ? this.#pages.get(nameKey(room)) : undefined;
    if (last && (!last.more || last.first === undefined)) {
      return last.first === undefined
        ? `no messages in #${room} yet`
        : `nothing in #${room} is older than #${last.first}: that was the start of its history`;
    }
    const ref = `h${this.#next++}`;
    // /older before any /history: the last page, like /history.
    this.#asked.set(ref, { older: last !== undefined });
    const event: Extract<ClientEvent, { type: "history" }> = { type: "history", room, limit, ref };
    if (last?.first !== undefined) event.before = last.first;
    return event;
  }

  /** An error answered one of our requests: its answer will not come. */
  refused(ref: string | undefined): void {
    if (ref !== undefined) this.#asked.delete(ref);
  }

  /**
   * A page of a room's history, oldest first, each message with its #seq
   * (and its day when not today's). `tag`: the room, when not the current one.
   */
  history(e: HistoryPage, me: string, tag?: string): Rendered {
    const asked = e.ref === undefined ? undefined : this.#asked.get(e.ref);
    if (e.ref !== undefined) this.#asked.delete(e.ref);
    const messages = Array.isArray(e.messages) ? e.messages : [];
    const room = sanitize(String(e.room));
    this.#pages.set(nameKey(e.room), { first: messages[0]?.seq, more: e.more === true });
    this.own.seen(messages, me, e.room);
    const notice = (text: string) => this.#render.notice(text, undefined, tag);
    const n = messages.length;
    if (n === 0) {
      const none = asked?.older ? `nothing older in #${room}` : `no messages in #${room} yet`;
      return { lines: notice(none), bell: false };
    }
    const many = `message${n === 1 ? "" : "s"}`;
    const lines = notice(
      asked?.older ? `${n} earlier ${many} in #${room}:` : `Last ${n} ${many} in #${room}:`,
    );
    for (const m of messages) {
      lines.push(...this.#render.message(m, tag, { seq: true, date: true }).lines);
    }
    lines.push(
      ...notice(
        e.more ? "End of history; /older shows earlier ones." : "End of history: nothing older.",
      ),
    );
    return { lines, bell: false };
  }

  /** Search results, newest first, each with its room, #seq and day. */
  results(e: Results): Rendered {
    const messages = Array.isArray(e.messages) ? e.messages : [];
    const query = sanitize(String(e.query));
    const n = messages.length;
    if (n === 0) {
      return {
        lines: this.#render.notice(`nothing matches "${query}" (search finds whole words)`),
        bell: false,
      };
    }
    const lines = this.#render.notice(
      `${n} message${n === 1 ? " matches" : "s match"} "${query}", newest first:`,
    );
    for (const m of messages) {
      lines.push(
        ...this.#render.message(m, undefined, { seq: true, withRoom: true, date: true }).lines,
      );
    }
    lines.push(
      ...this.#render.notice(
        n >= SEARCH_LIMIT
          ? `End of search: the newest ${n}; more words narrow it.`
          : "End of search.",
      ),
    );
    return { lines, bell: false };
  }

  /** An edit or deletion as it happens; `tag` as for {@linkcode history}. */
  revised(e: Revision, me: string, tag?: string): Rendered {
    if (e.type === "delete") this.own.deleted(e.room, e.seq);
    else if (nameKey(e.from) === nameKey(me)) this.own.edited(e.room, e.seq, e.text);
    return this.#render.revision(e, tag);
  }
}
