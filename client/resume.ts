import type { ChatMessage, ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import type { ResendQueue } from "../protocol/resend_queue.ts";
import type { Link, Welcome } from "./connection.ts";

/**
 * After a (re)connect, what was sent and never acked goes again, with its
 * id, unless the resumed histories (the welcome's and each room's) show
 * that it arrived. This waits for every room's `room` event, then settles
 * and resends, in order; meanwhile new messages wait behind (see
 * {@linkcode active}).
 */
export class Resume {
  readonly #outbox: ResendQueue;
  /** The rooms whose `room` event is still to come, and the history that came (null: another history). */
  #waiting: { rooms: Set<string>; history: ChatMessage[] | null; link: Link } | null = null;

  constructor(outbox: ResendQueue) {
    this.#outbox = outbox;
  }

  /** True until every room's history came: new messages must not overtake the resend. */
  get active(): boolean {
    return this.#waiting !== null;
  }

  /** Just welcomed on `link` as `me`: waits for the other rooms (or resends now, if none). */
  start(welcome: Welcome, link: Link, defaultRoom: string | undefined, me: string): void {
    const others = (welcome.rooms ?? []).filter((r) => nameKey(r) !== nameKey(welcome.room ?? ""));
    const history = welcome.reset ? null : [...welcome.history];
    this.#waiting = { rooms: new Set(others.map(nameKey)), history, link };
    this.#done(defaultRoom, me);
  }

  /**
   * Call before showing `e`: true when it is the `room` event of a room
   * being resumed; then call {@linkcode after} once it is shown.
   */
  before(e: ServerEvent): boolean {
    if (e.type !== "room" || !this.#waiting?.rooms.delete(nameKey(e.room))) return false;
    this.#waiting.history?.push(...e.history);
    return true;
  }

  /** A resumed room's event was shown: resends once it was the last. */
  after(defaultRoom: string | undefined, me: string): void {
    this.#done(defaultRoom, me);
  }

  /**
   * Once every room's history came: what the resumed histories show
   * arrived is done; the rest of what was never acked goes again, in order,
   * with its id. The server stores an id once, so one that did arrive
   * anyway is only acked again (with its seq, already shown).
   */
  #done(defaultRoom: string | undefined, me: string): void {
    const r = this.#waiting;
    if (!r || r.rooms.size > 0) return;
    this.#waiting = null;
    if (r.history) this.#outbox.arrived(r.history, me, defaultRoom);
    const resend = this.#outbox.resendAll();
    if (resend.length > 0 && !r.link.closed) r.link.send(...resend);
  }
}
