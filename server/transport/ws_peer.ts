import type { Frame, Mode } from "../core/frame.ts";
import type { Peer } from "../core/peer.ts";
import { countSent, type TransportStats } from "./metrics.ts";
import type { DropReason, PeerOptions } from "./peer_options.ts";

/**
 * A member's WebSocket with a bounded outbox: one JSON event per text frame.
 * The socket queues what it cannot write yet (its `bufferedAmount`); when
 * that passes `maxOutbox` the client is not reading, so it is dropped and
 * nobody else waits for it. Frames sent before the socket opens are held
 * and counted the same way.
 */
export class WsPeer implements Peer {
  /** Always JSON: a WebSocket has no plain mode. */
  mode: Mode = "json";
  readonly label: string;
  readonly address: string;
  readonly #ws: WebSocket;
  readonly #max: number;
  readonly #linger: number;
  readonly #onDrop: (reason: DropReason) => void;
  readonly #stats: TransportStats | undefined;
  #early: string[] | null = [];
  #earlyBytes = 0;
  #closing = false;
  #destroyed = false;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #done = Promise.withResolvers<void>();

  constructor(ws: WebSocket, options: PeerOptions) {
    this.#ws = ws;
    this.#max = options.maxOutbox ?? 1 << 20;
    this.#linger = options.lingerMs ?? 2000;
    this.label = options.label;
    this.address = options.address;
    this.#onDrop = options.onDrop;
    this.#stats = options.stats;
    ws.addEventListener("open", () => this.#opened(), { once: true });
    ws.addEventListener("close", () => this.#closed());
    ws.addEventListener("error", (e) => {
      // Deno closes a socket that did not answer its ping with this error.
      const message = (e as ErrorEvent).message ?? "";
      this.#drop(/ping/i.test(message) ? "timeout" : "disconnect");
    });
  }

  /** Resolves once the socket is closed. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** True once the socket is closed (or closing abruptly). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Bytes queued and not yet written. */
  get queued(): number {
    return this.#early ? this.#earlyBytes : this.#ws.bufferedAmount;
  }

  send(frame: Frame): void {
    if (this.#closing || this.#destroyed) return;
    const text = frame.jsonText;
    this.#stats && countSent(this.#stats, frame, text.length);
    if (this.#early) {
      this.#early.push(text);
      this.#earlyBytes += text.length;
      if (this.#earlyBytes > this.#max) this.#drop("slow");
      return;
    }
    this.#write(text);
  }

  #write(text: string): void {
    try {
      this.#ws.send(text);
    } catch {
      this.#drop("disconnect");
      return;
    }
    if (this.#ws.bufferedAmount > this.#max) this.#drop("slow");
  }

  #opened(): void {
    const early = this.#early ?? [];
    this.#early = null;
    this.#earlyBytes = 0;
    if (this.#destroyed) return;
    for (const text of early) {
      this.#write(text);
      if (this.#destroyed) return;
    }
    if (this.#closing) this.#finish();
  }

  /** Sends what is queued, then closes. Safe to call twice. */
  close(): void {
    if (this.#closing || this.#destroyed) return;
    this.#closing = true;
    const timer = setTimeout(() => this.destroy(), this.#linger);
    Deno.unrefTimer(timer);
    this.#lingerTimer = timer;
    if (!this.#early) this.#finish();
  }

  #finish(): void {
    // The close frame is queued behind every frame already sent.
    try {
      this.#ws.close(1000);
    } catch {
      this.destroy();
    }
  }

  #closed(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#early = null;
    clearTimeout(this.#lingerTimer);
    // onDrop is queued before `done` resolves, so the reason it gives wins
    // over anything waiting on `done`.
    if (!this.#closing) queueMicrotask(() => this.#onDrop("disconnect"));
    this.#done.resolve();
  }

  #drop(reason: DropReason): void {
    if (this.#destroyed) return;
    queueMicrotask(() => this.#onDrop(reason));
    this.destroy();
  }

  /** Closes the socket now, discarding anything queued. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#early = null;
    clearTimeout(this.#lingerTimer);
    try {
      // 1008 policy violation for a reader that fell behind; the socket is
      // torn down without waiting for the queue.
      this.#ws.close(1008, "too slow");
    } catch {
      // already closed
    }
    this.#done.resolve();
  }
}
