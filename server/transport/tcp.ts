import { setImmediate } from "node:timers";
import { LineSplitter } from "../../protocol/line_splitter.ts";
import { clientAddress } from "../core/address.ts";
import { Frame } from "../core/frame.ts";
import { Session } from "../core/session.ts";
import { handshakeDeadline } from "./handshake.ts";
import type { Closable, Hub } from "./hub.ts";
import type { Peer } from "../core/peer.ts";
import { type LineHandler, Pacer } from "./pacer.ts";
import { type StreamConn, StreamPeer } from "./stream_peer.ts";
import { TlsConn } from "./tls_server.ts";

const { BadResource, BrokenPipe, ConnectionAborted, ConnectionReset, Interrupted, UnexpectedEof } =
  Deno.errors;

const MIN_READ = 1024;
const MAX_READ = 64 * 1024;
/** A refused TLS client gets this long to finish its handshake and read why. */
const REFUSAL_HANDSHAKE_MS = 2000;
/** Refusals that may be doing a TLS handshake at once; more are closed unanswered. */
const MAX_TLS_REFUSALS = 64;
let tlsRefusals = 0;

/** A connection of either listener: plain TCP, or TLS. */
export type Conn = (StreamConn & { readonly remoteAddr: Deno.Addr }) | TlsConn;

/** Anything connections can be accepted from: a TCP or a TLS listener. */
export interface Acceptor {
  accept(): Promise<Conn>;
}

/**
 * Accepts connections until the listener is closed, running one task per
 * connection. Accept errors (such as running out of file descriptors) are
 * logged and retried: they never stop the server. With `scheme` "tls" each
 * connection's TLS handshake is done before it gets the banner.
 */
export async function acceptLoop(
  listener: Acceptor,
  hub: Hub,
  scheme = "tcp",
  handle: (conn: Conn, hub: Hub, scheme: string) => Promise<void> = handleConnection,
): Promise<void> {
  while (!hub.closing) {
    let conn: Conn;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (hub.closing || err instanceof Deno.errors.BadResource) return;
      hub.log("error", `accept failed: ${err instanceof Error ? err.message : err}; retrying`);
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    handle(conn, hub, scheme).catch((err) => {
      hub.log("error", `connection task failed: ${err instanceof Error ? err.stack : err}`);
      try {
        conn.close();
      } catch {
        // already closed
      }
    });
  }
}

export function isTls(conn: Conn): conn is TlsConn {
  return conn instanceof TlsConn;
}

export function tuneSocket(conn: Conn): void {
  // TLS sockets are tuned by the TLS server itself.
  if (!("setNoDelay" in conn)) return;
  try {
    const tcp = conn as Deno.TcpConn;
    tcp.setNoDelay(true);
    tcp.setKeepAlive(true);
  } catch {
    // the socket may already be gone; the read below will say so
  }
}

/**
 * Finishes a TLS handshake within `ms`. False when it failed or took too
 * long (plain bytes sent to the TLS port end here, quickly); the caller
 * closes the connection.
 */
export async function tlsHandshake(
  conn: TlsConn,
  ms: number,
  hub: Hub,
  label: string,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), ms));
  try {
    const r = await Promise.race([conn.handshake().then(() => "done" as const), late]);
    if (r === "done") return true;
    hub.log("info", `${label} did not finish the TLS handshake within ${ms / 1000}s`);
  } catch (err) {
    hub.log("debug", `${label} TLS handshake failed: ${err instanceof Error ? err.message : err}`);
  } finally {
    clearTimeout(timer);
  }
  hub.stats.tlsHandshakeFailures++;
  return false;
}

/**
 * Tells a refused connection why, in place of the banner, and closes it:
 * `say` queues the words (chat's `! server_full: …`, IRC's ERROR).
 */
export async function refuse(
  conn: Conn,
  peer: StreamPeer,
  message: string,
  hub: Hub,
  label: string,
  say: (message: string) => void,
) {
  if (isTls(conn)) {
    // Saying why needs a TLS handshake: bounded, so refusals cannot pile up.
    if (tlsRefusals >= MAX_TLS_REFUSALS) return peer.destroy();
    tlsRefusals++;
    try {
      if (!(await tlsHandshake(conn, REFUSAL_HANDSHAKE_MS, hub, label))) return peer.destroy();
    } finally {
      tlsRefusals--;
    }
  }
  say(message);
  peer.close();
  peer.readerDone();
}

/**
 * Reads the client's bytes until it closes (or is dropped), handing each
 * batch of lines to `handler` no faster than `pacer` lets it. Throws what
 * the socket throws.
 */
export async function pump(
  conn: Conn,
  peer: StreamPeer,
  splitter: LineSplitter,
  pacer: Pacer,
  handler: LineHandler,
): Promise<void> {
  let buf = new Uint8Array(MIN_READ);
  while (!peer.destroyed) {
    const n = await conn.read(buf);
    if (n === null) break;
    peer.heard = true;
    // A read that fills the buffer resolves at once while the client keeps
    // sending: without a turn of the event loop, other sockets' pending
    // writes (WebSocket frames) and timers would wait until it stops.
    if (n === buf.length) await new Promise((r) => setImmediate(r));
    const lines = splitter.push(buf.subarray(0, n));
    // Idle connections keep a small buffer; busy ones grow it to read more per call.
    if (n === buf.length && buf.length < MAX_READ) buf = new Uint8Array(buf.length * 4);
    if (handler.ended || lines.length === 0) continue;
    const wait = pacer.feed(handler, lines);
    if (wait) await wait;
  }
}

/** What a protocol puts on a stream connection: chat's line protocol, or IRC. */
export interface StreamProtocol {
  /** The peer the core sends to: the StreamPeer itself, or one around it (IRC). */
  peer(out: StreamPeer): Peer & Closable;
  /** Queues why a connection is refused before its handshake, in the protocol's words. */
  refusal(peer: Peer & Closable, out: StreamPeer, message: string): void;
  /** The session (told `onJoin` once joined), what reads its lines, and the longest line. */
  open(hub: Hub, peer: Peer & Closable, onJoin: () => void): {
    session: Session;
    handler: LineHandler;
    maxLine: number;
  };
}

/** chat's own protocol: the banner, then plain or JSON lines. */
export const CHAT_PROTOCOL: StreamProtocol = {
  peer: (out) => out,
  refusal: (_peer, out, message) =>
    out.send(new Frame({ type: "error", code: "server_full", message })),
  open(hub, peer, onJoin) {
    const session = new Session(hub.chat, peer, {
      maxLineBytes: hub.config.maxLine,
      gate: hub.gate,
      directory: hub.directory,
      onJoin,
    });
    return { session, handler: session, maxLine: hub.config.maxLine };
  },
};

/**
 * One stream connection, from accept to close, whatever its protocol: the
 * admission and per-address limits, the bounded outbox, the TLS and
 * handshake deadlines, flood control, and the read loop.
 */
export async function serveStream(
  conn: Conn,
  hub: Hub,
  scheme: string,
  protocol: StreamProtocol,
): Promise<void> {
  const { config } = hub;
  tuneSocket(conn);
  const remote = conn.remoteAddr as Deno.NetAddr;
  const address = clientAddress(remote.hostname);
  const label = `${scheme} ${remote.hostname}:${remote.port}`;
  const stats = hub.transport(scheme);
  stats.accepted++;
  // The outbox is made before the session, which its drops end.
  const ended: { session?: Session } = {};
  const out = new StreamPeer(conn, {
    maxOutbox: config.maxOutbox,
    label,
    address,
    onDrop: (reason) => {
      if (reason === "slow") stats.slowDrops++;
      ended.session?.end(reason); // called later, never during a send: the session exists by then
    },
    stats,
  });
  const peer = protocol.peer(out);
  const admission = hub.admit(peer, address);
  if (admission.refusal !== null) {
    const why = admission.refusal;
    return await refuse(conn, out, why, hub, label, () => protocol.refusal(peer, out, why));
  }
  stats.open++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const opened = protocol.open(hub, peer, () => {
    clearTimeout(timer);
    admission.joined();
  });
  const session = ended.session = opened.session;
  const splitter = new LineSplitter(opened.maxLine);
  const pacer = new Pacer(config.rateLimit, hub.clock, () => stats.rateLimited++);
  try {
    const started = hub.clock.now();
    if (isTls(conn) && !(await tlsHandshake(conn, config.handshakeTimeoutMs, hub, label))) {
      return out.destroy();
    }
    session.start();
    const left = config.handshakeTimeoutMs - (hub.clock.now() - started);
    timer = handshakeDeadline(hub, session, peer, left);
    await pump(conn, out, splitter, pacer, opened.handler);
  } catch (err) {
    if (!socketError(err)) {
      // A bug in a handler: this connection ends (below), loudly; the rest carry on.
      hub.log("error", `BUG: ${label} dropped, its handler failed: ${describe(err)}`);
    } else if (!(err instanceof Deno.errors.BadResource || err instanceof ConnectionReset)) {
      hub.log("debug", `${label} read failed: ${err instanceof Error ? err.message : err}`);
    }
  } finally {
    clearTimeout(timer);
    try {
      session.end(out.dropReason ?? "disconnect");
    } catch (err) {
      hub.log("error", `BUG: ending ${label} failed: ${describe(err)}`);
      // Once more, so that a bug that struck part-way does not hold the name.
      try {
        session.end("disconnect");
      } catch {
        // logged above
      }
    }
    out.readerDone();
    stats.open--;
    admission.release();
  }
}

/**
 * True for what a socket throws when its client goes away or breaks the
 * transport: the client's doing, not a bug, so not worth an ERROR line.
 */
export function socketError(err: unknown): boolean {
  for (const kind of [BadResource, BrokenPipe, ConnectionAborted, ConnectionReset, Interrupted]) {
    if (err instanceof kind) return true;
  }
  if (err instanceof UnexpectedEof || err instanceof Deno.errors.TimedOut) return true;
  // The TLS socket (node:tls, tls_server.ts) fails with system and OpenSSL codes.
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(E[A-Z]+$|ERR_SSL_|ERR_TLS_)/.test(code);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.stack ?? err.message : String(err);
}

/** One connection of chat's own protocol, from banner to close. */
export function handleConnection(conn: Conn, hub: Hub, scheme: string): Promise<void> {
  return serveStream(conn, hub, scheme, CHAT_PROTOCOL);
}
