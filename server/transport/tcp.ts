import { setImmediate } from "node:timers";
import { LineSplitter } from "../../protocol/line_splitter.ts";
import { Frame } from "../core/frame.ts";
import { Session } from "../core/session.ts";
import { handshakeDeadline } from "./handshake.ts";
import type { Hub } from "./hub.ts";
import { Pacer } from "./pacer.ts";
import { StreamPeer } from "./stream_peer.ts";

const MIN_READ = 1024;
const MAX_READ = 64 * 1024;

/**
 * Accepts connections until the listener is closed, running one task per
 * connection. Accept errors (such as running out of file descriptors) are
 * logged and retried: they never stop the server.
 */
export async function acceptLoop(listener: Deno.Listener, hub: Hub, scheme = "tcp"): Promise<void> {
  while (!hub.closing) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (hub.closing || err instanceof Deno.errors.BadResource) return;
      hub.log("error", `accept failed: ${err instanceof Error ? err.message : err}; retrying`);
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    handleConnection(conn, hub, scheme).catch((err) => {
      hub.log("error", `connection task failed: ${err instanceof Error ? err.stack : err}`);
    });
  }
}

function labelOf(conn: Deno.Conn, scheme: string): string {
  const a = conn.remoteAddr as Deno.NetAddr;
  return `${scheme} ${a.hostname}:${a.port}`;
}

/** One connection, from banner to close. */
export async function handleConnection(conn: Deno.Conn, hub: Hub, scheme: string): Promise<void> {
  const { config } = hub;
  try {
    if ("setNoDelay" in conn) {
      const tcp = conn as Deno.TcpConn;
      tcp.setNoDelay(true);
      tcp.setKeepAlive(true);
    }
  } catch {
    // the socket may already be gone; the read below will say so
  }
  const stats = hub.transport(scheme);
  stats.accepted++;
  const peer = new StreamPeer(conn, {
    maxOutbox: config.maxOutbox,
    label: labelOf(conn, scheme),
    onDrop: (reason) => {
      if (reason === "slow") stats.slowDrops++;
      session.end(reason); // called later, never during a send: session exists by then
    },
    stats,
  });
  const session = new Session(hub.room, peer, { maxLineBytes: config.maxLine });
  const release = hub.admit(peer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (!release) {
    peer.send(new Frame({ type: "error", code: "server_full", message: hub.fullMessage() }));
    session.end("disconnect");
  } else {
    stats.open++;
    session.start();
    timer = handshakeDeadline(hub, session, peer);
  }
  const splitter = new LineSplitter(config.maxLine);
  const pacer = new Pacer(config.rateLimit, hub.clock);
  let buf = new Uint8Array(MIN_READ);
  try {
    while (!peer.destroyed) {
      const n = await conn.read(buf);
      if (n === null) break;
      // A read that fills the buffer resolves at once while the client keeps
      // sending: without a turn of the event loop, other sockets' pending
      // writes (WebSocket frames) and timers would wait until it stops.
      if (n === buf.length) await new Promise((r) => setImmediate(r));
      const lines = splitter.push(buf.subarray(0, n));
      // Idle connections keep a small buffer; busy ones grow it to read more per call.
      if (n === buf.length && buf.length < MAX_READ) buf = new Uint8Array(buf.length * 4);
      if (session.ended || lines.length === 0) continue;
      const wait = pacer.feed(session, lines);
      if (wait) {
        stats.rateLimited++;
        await wait;
      }
      if (timer !== undefined && session.joined) {
        clearTimeout(timer);
        timer = undefined;
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.BadResource || err instanceof Deno.errors.ConnectionReset)) {
      hub.log("debug", `${peer.label} read failed: ${err instanceof Error ? err.message : err}`);
    }
  } finally {
    clearTimeout(timer);
    session.end("disconnect");
    peer.readerDone();
    if (release) {
      stats.open--;
      release();
    }
  }
}
