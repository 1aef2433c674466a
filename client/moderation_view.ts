import type { ModerationEvent, ServerEvent } from "../protocol/events.ts";
import { moderationErrorText, OpTracker, removal, removalText } from "../protocol/op_tracker.ts";
import { sanitize } from "../protocol/sanitize.ts";
import type { Rendered, Renderer } from "./render.ts";

type ErrorEvent = Extract<ServerEvent, { type: "error" }>;

const clean = (v: string | undefined): string | undefined =>
  v === undefined ? undefined : sanitize(v);

/**
 * What the terminal shows of moderation: operators and locks (kept in an
 * {@linkcode OpTracker}), moderation events, leave lines a kick already
 * told of kept quiet, and errors that say what to do. Notices when we are the one
 * kicked or banned (`removed`): the terminal acts on it once the server
 * closes. No I/O.
 */
export class ModerationView {
  readonly ops: OpTracker;
  /** The kick or ban of us, once told; the terminal clears it when it has acted on it. */
  removed: ModerationEvent | null = null;
  readonly #render: Renderer;

  /** `now` is the clock for how long leave lines stay quiet after a kick. */
  constructor(render: Renderer, now: () => number = Date.now) {
    this.#render = render;
    this.ops = new OpTracker(now);
  }

  /** Takes what any event says of operators, locks and us; call it before showing the event. */
  take(e: ServerEvent, me: string): void {
    this.ops.take(e);
    if (e.type === "welcome") this.removed = null;
    const r = removal(e, me);
    if (r && this.removed === null) this.removed = r;
  }

  /**
   * A moderation event (the server sends one to each member of the rooms it
   * concerns, whatever their number); `tag` is the room tag to show
   * (undefined: the current room).
   */
  moderation(e: ModerationEvent, me: string, tag: string | undefined): Rendered {
    if (removal(e, me)) {
      const text = removalText({ ...e, by: sanitize(e.by), reason: clean(e.reason) });
      return { lines: this.#render.error(text), bell: true };
    }
    return this.#render.event(e, tag)!;
  }

  /** An error of moderation (not_operator, muted, banned), saying what to do; null for others. */
  error(e: ErrorEvent): Rendered | null {
    const text = moderationErrorText(e.code, sanitize(e.message));
    return text === null ? null : this.#line(`${text} (${e.code})`);
  }

  #line(text: string): Rendered {
    return { lines: this.#render.error(text), bell: false };
  }
}
