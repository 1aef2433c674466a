import { Frame } from "../core/frame.ts";
import type { Peer } from "../core/peer.ts";
import type { Session } from "../core/session.ts";
import type { Hub } from "./hub.ts";

/**
 * Closes a connection that has not given a name within
 * `--handshake-timeout`, on any transport. Returns the timer, to clear once
 * the session has joined or closed.
 */
export function handshakeDeadline(
  hub: Hub,
  session: Session,
  peer: Peer,
): ReturnType<typeof setTimeout> {
  const ms = hub.config.handshakeTimeoutMs;
  return setTimeout(() => {
    if (session.joined || session.ended) return;
    hub.log("info", `${peer.label} gave no name within ${ms / 1000}s`);
    hub.stats.handshakeFailures++;
    peer.send(
      new Frame({
        type: "notice",
        text: "No name given in time, closing. Reconnect to try again.",
      }),
    );
    session.end("timeout");
  }, ms);
}
