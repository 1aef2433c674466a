import { type SplitLine, TOO_LONG } from "../../protocol/line_splitter.ts";
import { Frame } from "../core/frame.ts";
import { Session } from "../core/session.ts";
import { handshakeDeadline } from "./handshake.ts";
import type { Slot } from "./address_limits.ts";
import type { Admission, Hub } from "./hub.ts";
import { Pacer } from "./pacer.ts";
import { WsPeer } from "./ws_peer.ts";

/** Who a WebSocket belongs to. */
export interface WsClient {
  /** The client's address (the real one behind a trusted proxy). */
  address: string;
  label: string;
  /** Closes the client's TCP connection itself. */
  kill: () => void;
  /** The web connection's per-address slot (null behind a trusted proxy): counted once. */
  slot?: Slot | null;
  /** Why the web front refused the connection: told as `server_full`. */
  refusal?: string | null;
}

/** After the socket is done, how long its close handshake may take before the connection is cut. */
const CLOSE_GRACE_MS = 2000;

/** Most frames a client may have waiting for flood control before it is dropped. */
export const MAX_QUEUED_FRAMES = 1000;
const MAX_QUEUED_BYTES = 4 << 20;
const encoder = new TextEncoder();

/**
 * Upgrades `req` to a WebSocket that speaks JSON mode through the same
 * {@linkcode Session} as TCP: one JSON object per text frame. The request
 * must already be checked (method, Origin, upgrade headers). The socket is pinged when it goes
 * quiet and dropped with reason `timeout` when no answer comes within
 * `--ping-timeout`.
 */
export function acceptWebSocket(req: Request, hub: Hub, client: WsClient): Response {
  const { address, label } = client;
  const { config } = hub;
  const { socket, response } = Deno.upgradeWebSocket(req, {
    idleTimeout: Math.max(1, Math.round(config.pingTimeoutMs / 1000)),
  });
  const scheme = label.split(" ", 1)[0];
  const stats = hub.transport(scheme);
  stats.accepted++;
  // A bug in a handler drops this one connection, loudly, and nobody else:
  // every way in from the socket (frames, drops, the close) goes through `guard`.
  let failed = false;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    hub.log(
      "error",
      `BUG: ${label} dropped, its handler failed: ${err instanceof Error ? err.stack : err}`,
    );
    try {
      session.end("disconnect");
    } catch {
      // the failure above may be in end itself; the socket goes anyway
    }
    peer.destroy();
  };
  const guard = (run: () => void) => {
    try {
      run();
    } catch (err) {
      fail(err);
    }
  };
  const peer = new WsPeer(socket, {
    maxOutbox: config.maxOutbox,
    label,
    address,
    onDrop: (reason) => {
      if (reason === "slow") stats.slowDrops++;
      // Called later, never during construction: `session` exists by then.
      guard(() => session.end(reason));
    },
    stats,
  });
  const admission: Admission = client.refusal
    ? { refusal: client.refusal, joined: () => {}, release: () => {} }
    : hub.admit(peer, address, client.slot ?? undefined);
  const session = new Session(hub.chat, peer, {
    maxLineBytes: config.maxLine,
    mode: "json",
    gate: hub.gate,
    directory: hub.directory,
    onJoin: () => {
      clearTimeout(timer);
      admission.joined();
    },
  });
  // Deno waits for the client's answer to its close frame for ever: a
  // client that never answers loses its socket here instead.
  peer.done.then(() => Deno.unrefTimer(setTimeout(client.kill, CLOSE_GRACE_MS)));
  if (admission.refusal !== null) {
    peer.send(new Frame({ type: "error", code: "server_full", message: admission.refusal }));
    guard(() => session.end("disconnect"));
    return response;
  }
  stats.open++;
  guard(() => session.start());
  // Declared after the session, whose onJoin (called only once lines arrive) clears it.
  const timer = handshakeDeadline(hub, session, peer);
  peer.done.then(() => {
    clearTimeout(timer);
    guard(() => session.end("disconnect"));
    stats.open--;
    admission.release();
  });
  const inbox = new Inbox(
    session,
    new Pacer(config.rateLimit, hub.clock, () => stats.rateLimited++),
    fail,
  );
  socket.addEventListener("message", (e: MessageEvent) => guard(() => onFrame(e)));
  const onFrame = (e: MessageEvent) => {
    if (session.ended) return;
    if (typeof e.data !== "string") {
      peer.send(
        new Frame({
          type: "error",
          code: "bad_request",
          message: "send each JSON event as a text frame, not a binary one",
        }),
      );
      return;
    }
    const line = tooLong(e.data, config.maxLine) ? TOO_LONG : e.data;
    if (!inbox.push(line)) {
      hub.log("warn", `${peer.label} sent more than ${MAX_QUEUED_FRAMES} frames ahead; dropped`);
      peer.send(
        new Frame({
          type: "error",
          code: "rate_limited",
          message: "you sent far too much at once and were disconnected, reconnect and slow down",
        }),
      );
      session.end("kicked");
    }
  };
  return response;
}

function tooLong(text: string, max: number): boolean {
  // A UTF-16 unit takes 1 to 3 UTF-8 bytes: count bytes only when it matters.
  if (text.length > max) return true;
  return text.length * 3 > max && encoder.encode(text).length > max;
}

/**
 * Frames waiting for flood control. A WebSocket cannot be paused the way a
 * TCP read can, so frames beyond the rate are queued here, up to a bound,
 * and handed to the session in order as the pacer allows.
 */
class Inbox {
  readonly #session: Session;
  readonly #pacer: Pacer;
  #queue: SplitLine[] = [];
  #frames = 0;
  #bytes = 0;
  #running = false;
  readonly #fail: (err: unknown) => void;

  /** `fail` is told when handling a frame throws; the queue is emptied. */
  constructor(session: Session, pacer: Pacer, fail: (err: unknown) => void) {
    this.#session = session;
    this.#pacer = pacer;
    this.#fail = fail;
  }

  /** Queues a frame; false when the queue is full. */
  push(line: SplitLine): boolean {
    const size = line === TOO_LONG ? 0 : line.length;
    if (this.#frames >= MAX_QUEUED_FRAMES || this.#bytes + size > MAX_QUEUED_BYTES) return false;
    this.#queue.push(line);
    this.#frames++;
    this.#bytes += size;
    if (!this.#running) this.#run();
    return true;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      // Frames that arrive in one turn of the event loop are handled as one
      // batch, like the lines of one TCP read.
      await Promise.resolve();
      while (this.#queue.length > 0 && !this.#session.ended) {
        const batch = this.#queue;
        this.#queue = [];
        const wait = this.#pacer.feed(this.#session, batch);
        if (wait) await wait;
        this.#frames -= batch.length;
        for (const l of batch) if (l !== TOO_LONG) this.#bytes -= l.length;
      }
    } catch (err) {
      this.#queue = [];
      this.#frames = 0;
      this.#bytes = 0;
      this.#fail(err);
    } finally {
      this.#running = false;
    }
  }
}
