import { LineSplitter } from "../../protocol/line_splitter.ts";
import { clientAddress } from "../core/address.ts";
import { Session } from "../core/session.ts";
import { handshakeDeadline } from "../transport/handshake.ts";
import type { Hub } from "../transport/hub.ts";
import { Pacer } from "../transport/pacer.ts";
import { StreamPeer } from "../transport/stream_peer.ts";
import { type Conn, isTls, pump, refuse, tlsHandshake, tuneSocket } from "../transport/tcp.ts";
import { IrcClient } from "./irc_client.ts";
import { IrcPeer } from "./irc_peer.ts";
import { MAX_LINE_BYTES, MAX_TAG_BYTES } from "./message.ts";
import type { IrcServer } from "./server_info.ts";

/**
 * One IRC connection, from registration to close: the same admission,
 * limits, outbox, flood control and handshake deadline as a chat TCP
 * connection, with IRC in place of chat's line protocol.
 */
export function ircConnections(server: IrcServer) {
  return async (conn: Conn, hub: Hub, scheme: string): Promise<void> => {
    const { config } = hub;
    tuneSocket(conn);
    const remote = conn.remoteAddr as Deno.NetAddr;
    const address = clientAddress(remote.hostname);
    const label = `${scheme} ${remote.hostname}:${remote.port}`;
    const stats = hub.transport(scheme);
    stats.accepted++;
    const out = new StreamPeer(conn, {
      maxOutbox: config.maxOutbox,
      label,
      address,
      onDrop: (reason) => {
        if (reason === "slow") stats.slowDrops++;
        session.end(reason); // called later, never during a send: session exists by then
      },
      stats,
    });
    const peer = new IrcPeer(out, server, stats);
    const admission = hub.admit(peer, address);
    if (admission.refusal !== null) {
      return await refuse(conn, out, admission.refusal, hub, label, (why) => {
        peer.line(`ERROR :Closing Link: ${why}`);
      });
    }
    stats.open++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const session = new Session(hub.chat, peer, {
      maxLineBytes: config.maxLine,
      mode: "json",
      banner: false,
      gate: hub.gate,
      directory: hub.directory,
      onJoin: () => {
        clearTimeout(timer);
        admission.joined();
      },
    });
    peer.member = session;
    const client = new IrcClient(hub.chat, server, peer, session, hub.gate);
    server.identities.set(session, client.identity);
    // Tags may come on top of the 512 bytes (IRCv3); longer lines get 417.
    const splitter = new LineSplitter(MAX_LINE_BYTES + 2 + MAX_TAG_BYTES);
    const pacer = new Pacer(config.rateLimit, hub.clock, () => stats.rateLimited++);
    try {
      const started = hub.clock.now();
      if (isTls(conn) && !(await tlsHandshake(conn, config.handshakeTimeoutMs, hub, label))) {
        return out.destroy();
      }
      session.start();
      const left = config.handshakeTimeoutMs - (hub.clock.now() - started);
      timer = handshakeDeadline(hub, session, peer, left);
      await pump(conn, out, splitter, pacer, client);
    } catch (err) {
      if (!(err instanceof Deno.errors.BadResource || err instanceof Deno.errors.ConnectionReset)) {
        hub.log("debug", `${label} read failed: ${err instanceof Error ? err.message : err}`);
      }
    } finally {
      clearTimeout(timer);
      session.end(out.dropReason ?? "disconnect");
      out.readerDone();
      stats.open--;
      admission.release();
    }
  };
}
