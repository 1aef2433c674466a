import type { Frame, FrameRun, Mode } from "../core/frame.ts";
import type { Peer } from "../core/peer.ts";
import { countSent, type TransportStats } from "./metrics.ts";
import type { DropReason, PeerOptions } from "./peer_options.ts";

/** What a {@linkcode StreamPeer} needs of its connection: a `Deno.Conn`, or a `TlsConn` (tls_server.ts). */
export interface StreamConn {
  read(buf: Uint8Array): Promise<number | null>;
  write(buf: Uint8Array): Promise<number>;
  closeWrite(): void | Promise<void>;
  close(): void;
}

/**
 * A member's byte-stream connection (TCP or TLS) with its outbox. Sending
 * never waits: bytes are queued, and one writer drains everything queued in
 * a single write. When the queue would grow past `maxOutbox` the reader is
 * too slow: the connection is dropped and nobody else waits for it.
 */
export class StreamPeer implements Peer {
  mode: Mode = "plain";
  readonly label: string;
  readonly address: string;
  readonly #conn: StreamConn;
  readonly #max: number;
  readonly #linger: number;
  readonly #onDrop: (reason: DropReason) => void;
  readonly #stats: TransportStats | undefined;
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #writing = false;
  #scheduled = false;
  #closing = false;
  #destroyed = false;
  #readerDone = false;
  #dropReason: DropReason | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #done = Promise.withResolvers<void>();
  /** Set by the reader whenever bytes arrive; cleared by each {@linkcode sweep}. */
  heard = false;
  #pinging = false;
  #quietSweeps = 0;

  constructor(conn: StreamConn, options: PeerOptions) {
    this.#conn = conn;
    this.#max = options.maxOutbox ?? 1 << 20;
    this.#linger = options.lingerMs ?? 2000;
    this.label = options.label;
    this.address = options.address;
    this.#onDrop = options.onDrop;
    this.#stats = options.stats;
  }

  /** Its transport's counters, for a peer built around it (IRC's). */
  get stats(): TransportStats | undefined {
    return this.#stats;
  }

  /** The client sent a ping: from now on, staying silent means it is gone. */
  onPing(): void {
    this.#pinging = true;
  }

  /**
   * Called every sweep by the hub, to find dead peers sooner than TCP
   * keepalive does: a client that pings and then stays silent for
   * `maxQuiet` sweeps is dropped (reason `timeout`).
   */
  sweep(maxQuiet: number): void {
    if (this.#destroyed || this.#closing) return;
    if (this.heard) {
      this.heard = false;
      this.#quietSweeps = 0;
    } else if (this.#pinging && ++this.#quietSweeps >= maxQuiet) {
      this.#drop("timeout");
    }
  }

  /** Resolves once the socket is closed. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /**
   * Why the connection was dropped, once it was. The reading side ends the
   * session with it: a drop while the client's own lines are being handled
   * (replies that overflow its outbox) happens before the deferred `onDrop`.
   */
  get dropReason(): DropReason | undefined {
    return this.#dropReason;
  }

  /** True once the socket is closed (or closing abruptly). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** Bytes queued and not yet written. */
  get queued(): number {
    return this.#queued;
  }

  send(frame: Frame, tagged = false): void {
    const bytes = frame.bytes(this.mode, tagged);
    // Counted even without bytes: a plain-mode ack shows nothing, but it
    // still marks a message this client posted.
    if (this.#stats && !this.#closing && !this.#destroyed) {
      countSent(this.#stats, frame, bytes?.length ?? 0);
    }
    if (bytes) this.write(bytes);
  }

  sendRun(
    run: FrameRun,
    own: readonly number[] | undefined,
    acks: readonly Frame[],
    tagged = false,
  ): void {
    if (this.#closing || this.#destroyed) return;
    const slices = run.slices(this.mode, own, acks, tagged);
    if (this.#stats) {
      let bytes = 0;
      for (const s of slices) bytes += s.length;
      const mine = own?.length ?? 0;
      this.#stats.bytesOut += bytes;
      this.#stats.messagesOut += run.frames.length - mine;
      this.#stats.messagesIn += mine;
    }
    // Slices share the run's buffer with every other member: queued as they
    // are, a room's flush costs no copy per member. Only a slice much
    // smaller than its buffer (the run minus this member's own messages) is
    // copied while it waits, so that a slow reader never holds more than
    // about what it is counted for.
    const waits = this.#writing;
    for (const s of slices) {
      this.write(waits && s.length * 2 < s.buffer.byteLength ? s.slice() : s);
    }
  }

  /** Queues raw bytes. */
  write(bytes: Uint8Array): void {
    if (this.#closing || this.#destroyed) return;
    this.#chunks.push(bytes);
    this.#queued += bytes.length;
    if (this.#queued > this.#max) {
      this.#drop("slow");
      return;
    }
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true;
      // A microtask runs after the current batch of lines (and the room's
      // flush) is handled: everything queued by then goes in one write.
      queueMicrotask(this.#drainSoon);
    }
  }

  // One closure per peer, not one per scheduled drain: a join storm schedules
  // a drain on every member for every join.
  readonly #drainSoon = (): void => {
    this.#drain();
  };

  async #drain(): Promise<void> {
    this.#scheduled = false;
    if (this.#writing || this.#destroyed) return;
    this.#writing = true;
    try {
      while (this.#chunks.length > 0 && !this.#destroyed) {
        const chunks = this.#chunks;
        this.#chunks = [];
        const buf = chunks.length === 1 ? chunks[0] : concat(chunks);
        let off = await this.#conn.write(buf);
        while (off < buf.length) off += await this.#conn.write(buf.subarray(off));
        this.#queued -= buf.length;
      }
    } catch {
      this.#writing = false;
      this.#drop("disconnect");
      return;
    }
    this.#writing = false;
    if (this.#closing) this.#finish();
  }

  /** Flushes what is queued, then closes. Safe to call twice. */
  close(): void {
    if (this.#closing || this.#destroyed) return;
    this.#closing = true;
    const timer = setTimeout(() => this.destroy(), this.#linger);
    Deno.unrefTimer(timer);
    this.#lingerTimer = timer;
    if (!this.#writing && !this.#scheduled) this.#finish();
  }

  /** Called by the reading side when the client has closed its half. */
  readerDone(): void {
    this.#readerDone = true;
    if (!this.#writing && this.#chunks.length === 0) this.destroy();
  }

  #finish(): void {
    if (this.#destroyed) return;
    if (this.#readerDone) return this.destroy();
    // Half-close: the client reads everything sent, then EOF. Closing at once
    // could reset the connection and lose the last lines if it is still sending.
    // A TLS connection's closeWrite is asynchronous (it sends close_notify)
    // and may fail later: both ways end in destroy.
    try {
      Promise.resolve(this.#conn.closeWrite()).catch(() => this.destroy());
    } catch {
      this.destroy();
    }
  }

  #drop(reason: DropReason): void {
    if (this.#destroyed) return;
    this.#dropReason = reason;
    this.destroy();
    queueMicrotask(() => this.#onDrop(reason));
  }

  /** Closes the socket now, discarding anything queued. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#chunks = [];
    this.#queued = 0;
    clearTimeout(this.#lingerTimer);
    try {
      this.#conn.close();
    } catch {
      // already closed by the other side
    }
    this.#done.resolve();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
