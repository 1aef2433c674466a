import type { Hub } from "../transport/hub.ts";
import { type Conn, serveStream, type StreamProtocol } from "../transport/tcp.ts";
import { Session } from "../core/session.ts";
import { IrcClient } from "./irc_client.ts";
import { IrcPeer } from "./irc_peer.ts";
import { MAX_LINE_BYTES, MAX_TAG_BYTES } from "./message.ts";
import type { IrcServer } from "./server_info.ts";

/**
 * IRC on a stream connection: the same admission, limits, outbox, flood
 * control and handshake deadline as a chat TCP connection (serveStream),
 * with IRC in place of chat's line protocol.
 */
function ircProtocol(server: IrcServer): StreamProtocol {
  return {
    peer: (out) => new IrcPeer(out, server, out.stats),
    refusal: (peer, _out, why) => (peer as IrcPeer).line(`ERROR :Closing Link: ${why}`),
    open(hub, peer, onJoin) {
      // msgids name the history's epoch, which the chat knows and ircServer() is not given.
      server.msgIds.epoch = hub.chat.epoch;
      const irc = peer as IrcPeer;
      const session = new Session(hub.chat, irc, {
        maxLineBytes: hub.config.maxLine,
        mode: "json",
        banner: false,
        gate: hub.gate,
        directory: hub.directory,
        onJoin,
      });
      irc.member = session;
      const client = new IrcClient(hub.chat, server, irc, session, hub.gate);
      server.identities.set(session, client.identity);
      // Tags may come on top of the 512 bytes (IRCv3); longer lines get 417.
      return { session, handler: client, maxLine: MAX_LINE_BYTES + 2 + MAX_TAG_BYTES };
    },
  };
}

/** The accept loop's handler for the IRC port. */
export function ircConnections(server: IrcServer) {
  const protocol = ircProtocol(server);
  return (conn: Conn, hub: Hub, scheme: string): Promise<void> =>
    serveStream(conn, hub, scheme, protocol);
}
