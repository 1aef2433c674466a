import type { ServerEvent } from "../../protocol/events.ts";
import { renderPlain } from "../../protocol/plain.ts";

const encoder = new TextEncoder();

/** How a member's connection speaks: decided by its first line. */
export type Mode = "plain" | "json";

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
  #plain: Uint8Array | null | undefined;

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

  /** The plain-mode line(s), or null when plain mode shows nothing. */
  get plainLine(): Uint8Array | null {
    if (this.#plain === undefined) {
      const text = renderPlain(this.event, this.#viewer);
      this.#plain = text === null ? null : encoder.encode(text);
    }
    return this.#plain;
  }

  /** The bytes for a stream connection in `mode`. */
  bytes(mode: Mode): Uint8Array | null {
    return mode === "json" ? this.jsonLine : this.plainLine;
  }
}
