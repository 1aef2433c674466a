import type { ChatMessage, ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import type { ResendQueue } from "../protocol/resend_queue.ts";
import { RoomTracker } from "../protocol/room_tracker.ts";
import { sanitize } from "../protocol/sanitize.ts";
import { FileList } from "./file_list.ts";
import { ModerationView } from "./moderation_view.ts";
import { mentions, type Rendered, Renderer } from "./render.ts";
import { RevisionView } from "./revision_view.ts";
import type { RoomNames } from "./commands.ts";
import { fitCells } from "./width.ts";

type Welcome = Extract<ServerEvent, { type: "welcome" }>;

/**
 * What the terminal shows for each event from the server, and the state it
 * keeps to do so: the rooms (current one, unread counts, last seq of each),
 * their members, your name. Lines from a room other than the current one
 * are prefixed with it and dimmed. No I/O: the caller prints.
 */
export class EventView {
  readonly rooms: RoomTracker = new RoomTracker();
  readonly render: Renderer;
  readonly #outbox: ResendQueue;
  /** Operators, locks, moderation lines, and whether we were kicked. */
  readonly moderation: ModerationView;
  name: string;
  /** Older history, search, edits and deletions; your recent messages, for /edit. */
  readonly revisions: RevisionView;
  /** The shared files shown so far, numbered for /get. */
  readonly files: FileList = new FileList();
  /** A room we asked to enter (/join): it becomes current when its event comes. */
  #entering: string | null = null;
  /** The room names of the last `rooms` list, for Tab after /join. */
  #serverRooms: string[] = [];
  /** `rooms` answers still to come that we asked for quietly (see {@linkcode askedRooms}). */
  #quietRooms = 0;
  /** `members` answers still to come to our /who (others come when someone becomes an operator). */
  #askedWho = 0;

  constructor(render: Renderer, outbox: ResendQueue, name: string) {
    this.render = render;
    this.#outbox = outbox;
    this.name = name;
    this.moderation = new ModerationView(render);
    this.revisions = new RevisionView(render);
    render.options.fileNumber = (file) => this.files.number(file);
  }

  /** Our own message, once acked (a file we shared): shown like the room's. */
  mine(m: ChatMessage): Rendered {
    return this.render.message(m, this.#tag(m.room));
  }

  /** The room tag for an event of `room`: undefined when it is the current one. */
  #tag(room: string | undefined): string | undefined {
    const current = this.rooms.current;
    const r = room ?? this.rooms.defaultRoom ?? undefined;
    return r === undefined || (current && nameKey(current.name) === nameKey(r)) ? undefined : r;
  }

  /** Room names for Tab: ours, and the server's (as its last `rooms` list named them). */
  roomNames(): RoomNames {
    return { mine: this.rooms.list().map((r) => r.name), all: this.#serverRooms };
  }

  /** The members of the current room, for Tab. */
  get members(): string[] {
    return this.rooms.current?.members ?? [];
  }

  /**
   * `bob #dev [ops 3, lobby 1!]> `: who, where, and what is unread
   * elsewhere; `(retrying 2)` while the server could not store some of
   * ours yet.
   */
  prompt(): string {
    const current = this.rooms.current;
    const unread = this.rooms.list()
      .filter((r) => r !== current && r.unread > 0)
      .map((r) => `${r.name} ${r.unread}${r.mentioned ? "!" : ""}`);
    const retrying = this.#outbox.retrying;
    return `${this.name}${current ? ` #${current.name}` : ""}` +
      `${unread.length ? ` [${unread.join(", ")}]` : ""}` +
      `${retrying ? ` (retrying ${retrying})` : ""}> `;
  }

  /**
   * We asked for the room list without the user asking (it tells the server
   * that this client knows rooms, so that it sends moderation and topic
   * events instead of plain notices): its answer is not shown.
   */
  askedRooms(): void {
    this.#quietRooms++;
  }

  /** We sent a `who`: its `members` answer is shown in full. */
  askedWho(): void {
    this.#askedWho++;
  }

  /** We asked to enter `room`: switch to it when the server confirms. */
  entering(room: string): void {
    this.#entering = nameKey(room);
  }

  /**
   * The welcome: the rooms we are in, and the history of the default room.
   * A reconnect says how much was missed, and says so when the server's
   * history started over (a different epoch). `server` names the server
   * in the reconnect's line (when there are several to be on).
   */
  welcome(w: Welcome, first: boolean, server?: string): string[] {
    this.name = w.name;
    this.render.options.me = w.name;
    const wasOp = this.moderation.ops.isOperator(this.name, true);
    this.moderation.take(w, w.name);
    const reset = this.rooms.welcome(w);
    // Seqs started over: the numbers kept of ours are of another history.
    if (reset) this.revisions.own.clear();
    this.revisions.own.seen(w.history ?? [], w.name, this.rooms.defaultRoom ?? undefined);
    const history = this.rooms.fresh(this.rooms.defaultRoom ?? undefined, w.history ?? []);
    const tag = this.#tag(this.rooms.defaultRoom ?? undefined);
    if (first) {
      const r = this.render.event({ ...w, history });
      return r ? r.lines : [];
    }
    const lines = history.flatMap((m) => this.render.message(m, tag).lines);
    if (reset) {
      lines.push(
        ...this.render.notice(
          "the server's history started over (it restarted without keeping it)",
        ),
      );
    }
    const n = history.length;
    lines.push(
      ...this.render.notice(
        `reconnected ${server ? `to ${server} ` : ""}as ${w.name}; ${n} new message${
          n === 1 ? "" : "s"
        } in #${this.rooms.defaultRoom} while away, ${w.members.length} online`,
      ),
    );
    if (wasOp && !this.moderation.ops.isOperator(w.name, true)) {
      lines.push(...this.render.notice("you are no longer an operator here: /op again"));
    }
    return lines;
  }

  /**
   * Updates state for one event; returns what to show, null to show
   * nothing, false when it is a duplicate to drop (or not worth a line even
   * with --json, like the keepalive's pongs).
   */
  event(e: ServerEvent): Rendered | null | false {
    const newOps = e.type === "members" ? this.moderation.ops.newOps(e) : [];
    this.moderation.take(e, this.name);
    switch (e.type) {
      case "message": {
        const mention = nameKey(e.from) !== nameKey(this.name) && mentions(e.text, this.name);
        if (this.rooms.judge(e.room, e.seq, false, mention) === "duplicate") return false;
        this.revisions.own.seen([e], this.name, this.rooms.defaultRoom ?? undefined);
        return this.render.message(e, this.#tag(e.room));
      }
      case "ack": {
        // Judged as a replay: the ack of a message sent again (same id) after
        // a lost ack has the seq it was stored with, already seen in the
        // resumed history; it is not news, and not a restart.
        const verdict = this.rooms.judge(e.room, e.seq, true);
        const mine = this.#outbox.settle(e.ref);
        if (!mine || mine.type === "dm" || verdict === "duplicate") return null;
        const room = e.room ?? this.rooms.defaultRoom;
        if (room) this.revisions.own.add(room, e.seq, mine.text);
        const m: ChatMessage = {
          type: "message",
          room: e.room,
          seq: e.seq,
          ts: new Date().toISOString(),
          from: this.name,
          text: mine.text,
        };
        if (mine.type === "me") m.action = true;
        return this.render.message(m, this.#tag(e.room));
      }
      case "room": {
        const r = this.rooms.entered(e);
        if (this.#entering === nameKey(e.room)) {
          this.#entering = null;
          this.rooms.switchTo(r.name);
        }
        const history = this.rooms.fresh(e.room, e.history);
        this.revisions.own.seen(history, this.name, e.room);
        return this.render.event({ ...e, history }, this.#tag(e.room));
      }
      case "dm":
        if (e.ref !== undefined) this.#outbox.settle(e.ref);
        return this.render.event(e);
      case "error": {
        // The server could not store one of ours for a moment: it goes again
        // by itself (the prompt says so); only giving up is worth a line.
        const retry = e.code === "server_error" ? this.#outbox.failed(e.ref) : undefined;
        if (retry?.kind === "retry") return null;
        if (retry?.kind === "gave-up") {
          return {
            lines: this.render.error(
              `gave up after 2 minutes, the server could not store it: ${
                fitCells(retry.event.text, 60)
              }`,
            ),
            bell: false,
          };
        }
        this.revisions.refused(e.ref);
        if (e.ref !== undefined) this.#outbox.settle(e.ref);
        else if (e.code === "line_too_long") this.#outbox.settleOldest();
        return this.moderation.error(e) ?? this.render.event(e);
      }
      case "join": {
        const r = this.rooms.get(e.room ?? this.rooms.defaultRoom ?? undefined);
        if (r && !r.members.some((n) => nameKey(n) === nameKey(e.name))) r.members.push(e.name);
        return this.render.event(e, this.#tag(e.room));
      }
      case "leave": {
        const room = e.room ?? this.rooms.defaultRoom ?? undefined;
        if (e.reason === "part" && nameKey(e.name) === nameKey(this.name) && room) {
          const now = this.rooms.parted(room);
          this.revisions.own.forget(room);
          return {
            lines: this.render.notice(
              `you left #${room}${
                now ? `; now talking in #${now.name}` : "; /join ROOM to talk again"
              }`,
            ),
            bell: false,
          };
        }
        const r = this.rooms.get(room);
        if (r) r.members = r.members.filter((n) => nameKey(n) !== nameKey(e.name));
        // "bob was kicked by alice" said it already.
        if (e.reason === "kicked" && this.moderation.ops.justRemoved(e.name)) return null;
        return this.render.event(e, this.#tag(room));
      }
      case "presence": {
        // A big room's summary names only some: enough for Tab completion.
        const r = this.rooms.get(e.room);
        if (r) {
          const left = new Set(e.left.map(nameKey));
          r.members = r.members.filter((n) => !left.has(nameKey(n)));
          for (const n of e.joined) {
            if (!r.members.some((m) => nameKey(m) === nameKey(n))) r.members.push(n);
          }
        }
        return this.render.event(e, this.#tag(e.room));
      }
      case "nick":
        for (const r of this.rooms.list()) {
          r.members = r.members.map((n) => nameKey(n) === nameKey(e.from) ? e.to : n);
        }
        if (e.from === this.name) {
          this.name = e.to;
          this.render.options.me = e.to;
          // What the old name said is not the new name's to edit.
          this.revisions.own.clear();
        }
        return this.render.event(e);
      case "members": {
        const r = this.rooms.get(e.room ?? this.rooms.defaultRoom ?? undefined);
        if (r) r.members = [...(e.names ?? [])];
        if (this.#askedWho > 0) {
          this.#askedWho--;
          return this.render.event(e, this.#tag(e.room));
        }
        // Not an answer: the server tells the room that someone became an operator.
        const lines = newOps.filter((n) => nameKey(n) !== nameKey(this.name))
          .flatMap((n) =>
            this.render.notice(`${sanitize(n)} is now an operator`, undefined, this.#tag(e.room))
          );
        return lines.length > 0 ? { lines, bell: false } : null;
      }
      case "topic": {
        const r = this.rooms.get(e.room);
        if (r) r.topic = e.text;
        return this.render.event(e, this.#tag(e.room));
      }
      case "moderation":
        return this.moderation.moderation(
          e,
          this.name,
          e.room === undefined ? undefined : this.#tag(e.room),
        );
      case "rooms":
        this.#serverRooms = e.rooms.map((r) => r.name);
        if (this.#quietRooms > 0) {
          this.#quietRooms--;
          return false;
        }
        return this.render.event(e);
      case "history":
        return this.revisions.history(e, this.name, this.#tag(e.room));
      case "results":
        return this.revisions.results(e);
      case "edit":
      case "delete":
        return this.revisions.revised(e, this.name, this.#tag(e.room));
      case "pong":
        return false;
      default:
        return this.render.event(e);
    }
  }

  /** Lines for /topic with no text: the current room's topic. */
  topicLines(): string[] {
    const r = this.rooms.current;
    if (!r) return this.render.notice("you are in no room: /join ROOM");
    const locked = this.moderation.ops.locked(r.name);
    return this.render.notice(
      (r.topic
        ? `Topic of #${r.name}: ${r.topic}`
        : `#${r.name} has no topic; /topic TEXT sets it`) +
        (locked ? " (locked: only operators can change it)" : ""),
    );
  }
}
