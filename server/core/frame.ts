import type { ServerEvent } from "../../protocol/events.ts";
import { renderPlain } from "../../protocol/plain.ts";

const encoder = new TextEncoder();

/** How a member's connection speaks: decided by its first line. */
export type Mode = "plain" | "json";

/**
 * A transport's own encoding of events (IRC's), made once per frame and
 * shared by every member the frame goes to. Only for events whose bytes
 * do not depend on who reads them.
 */
export interface FrameEncoder {
  encode(event: ServerEvent): Uint8Array | null;
}

/**
 * A server event with its encodings, each made at most once and only when
 * some member needs it: a broadcast to 1000 members is encoded once per mode,
 * and every member is handed the same bytes.
 */
export class Frame {
  readonly event: ServerEvent;
  readonly #viewer: string | undefined;
  #jsonText: string | undefined;
  #jsonLine: Uint8Array | undefined;
  #plainText: string | null | undefined;
  #plain: Uint8Array | null | undefined;
  #tagged: Uint8Array | null | undefined;
  /** Other encoders' bytes: encoder, bytes, encoder, bytes… (a transport has one or two). */
  #other: (FrameEncoder | Uint8Array | null)[] | undefined;

  /** `viewer` is only for frames sent to one member (see {@linkcode renderPlain}). */
  constructor(event: ServerEvent, viewer?: string) {
    this.event = event;
    this.#viewer = viewer;
  }

  /** The JSON object, as a WebSocket text frame carries it. */
  get jsonText(): string {
    return this.#jsonText ??= JSON.stringify(this.event);
  }

  /** The JSON object and "\n", as a TCP JSON-mode client reads it. */
  get jsonLine(): Uint8Array {
    return this.#jsonLine ??= encoder.encode(this.jsonText + "\n");
  }

  #text(): string | null {
    if (this.#plainText === undefined) this.#plainText = renderPlain(this.event, this.#viewer);
    return this.#plainText;
  }

  /** The plain-mode line(s), or null when plain mode shows nothing. */
  get plainLine(): Uint8Array | null {
    if (this.#plain === undefined) {
      const text = this.#text();
      this.#plain = text === null ? null : encoder.encode(text);
    }
    return this.#plain;
  }

  /**
   * The plain-mode line(s) for a member whose current room is another one:
   * each line prefixed with the event's room (`[#dev] alice: hi`).
   */
  get taggedLine(): Uint8Array | null {
    if (this.#tagged === undefined) {
      const text = this.#text();
      const room = "room" in this.event ? this.event.room : undefined;
      this.#tagged = text === null
        ? null
        : room === undefined
        ? this.plainLine
        : encoder.encode(text.replace(/^(?=.)/gm, `[#${room}] `));
    }
    return this.#tagged;
  }

  /** What `encoder` makes of the event, encoded at most once per encoder. */
  encoded(encoder: FrameEncoder): Uint8Array | null {
    const other = this.#other ??= [];
    for (let i = 0; i < other.length; i += 2) {
      if (other[i] === encoder) return other[i + 1] as Uint8Array | null;
    }
    const bytes = encoder.encode(this.event);
    other.push(encoder, bytes);
    return bytes;
  }

  /** The bytes for a stream connection in `mode`; `tagged`: see {@linkcode taggedLine}. */
  bytes(mode: Mode, tagged = false): Uint8Array | null {
    return mode === "json" ? this.jsonLine : tagged ? this.taggedLine : this.plainLine;
  }
}

/**
 * The frames of one broadcast burst (a room's share of a flush), with each encoding's bytes
 * joined once. A member gets slices of the shared buffer (everything but its
 * own lines, with its acks in their place) instead of one chunk per frame:
 * the work per member is per burst, not per message.
 */
export class FrameRun {
  readonly frames: readonly Frame[];
  #plain: Joined | undefined;
  #tagged: Joined | undefined;
  #json: Joined | undefined;

  constructor(frames: readonly Frame[]) {
    this.frames = frames;
  }

  /** Every frame's bytes in `mode`, back to back, and the offset each one ends at. */
  joined(mode: Mode, tagged = false): Joined {
    if (mode === "json") return this.#json ??= join(this.frames, mode, false);
    if (tagged) return this.#tagged ??= join(this.frames, mode, true);
    return this.#plain ??= join(this.frames, mode, false);
  }

  /**
   * The bytes for a member in `mode`, in order: every frame except those at
   * the indexes `own` (ascending), where `replace[i]` goes instead (its ack,
   * which may have no bytes in this mode). Slices share the run's buffer.
   */
  slices(
    mode: Mode,
    own: readonly number[] | undefined,
    replace: readonly Frame[],
    tagged = false,
  ): Uint8Array[] {
    const { bytes, ends } = this.joined(mode, tagged);
    if (own === undefined || own.length === 0) return bytes.length > 0 ? [bytes] : [];
    const out: Uint8Array[] = [];
    let from = 0;
    for (const i of own) {
      const start = i === 0 ? 0 : ends[i - 1];
      if (start > from) out.push(bytes.subarray(from, start));
      const r = replace[i].bytes(mode);
      if (r && r.length > 0) out.push(r);
      from = ends[i];
    }
    if (from < bytes.length) out.push(bytes.subarray(from));
    return out;
  }
}

/** A run's bytes in one mode; `ends[i]` is where frame i's bytes end. */
export interface Joined {
  bytes: Uint8Array;
  ends: number[];
}

function join(frames: readonly Frame[], mode: Mode, tagged: boolean): Joined {
  const parts: (Uint8Array | null)[] = [];
  const ends: number[] = [];
  let total = 0;
  for (const f of frames) {
    const b = f.bytes(mode, tagged);
    parts.push(b);
    total += b ? b.length : 0;
    ends.push(total);
  }
  if (parts.length === 1 && parts[0]) return { bytes: parts[0], ends };
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const b of parts) {
    if (!b) continue;
    bytes.set(b, off);
    off += b.length;
  }
  return { bytes, ends };
}
