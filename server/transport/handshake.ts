import { Frame } from "../core/frame.ts";
import type { Peer } from "../core/peer.ts";
import type { Session } from "../core/session.ts";
import type { Hub } from "./hub.ts";

/**
 * Closes a connection that has not joined within `--handshake-timeout` (or
 * the `ms` left of it after a TLS handshake), on any transport. Returns the
 * timer, to clear once the session has joined or closed.
 */
export function handshakeDeadline(
  hub: Hub,
  session: Session,
  peer: Peer,
  ms: number = hub.config.handshakeTimeoutMs,
): ReturnType<typeof setTimeout> {
  const limit = hub.config.handshakeTimeoutMs;
  return setTimeout(() => {
    if (session.joined || session.ended) return;
    hub.log("info", `${peer.label} did not join within ${limit / 1000}s`);
    hub.stats.handshakeFailures++;
    peer.send(
      new Frame({
        type: "notice",
        text: "No name given in time, closing. Reconnect to try again.",
      }),
    );
    try {
      session.end("timeout");
    } catch (err) {
      // A bug: this connection goes, loudly, and the timer takes nothing else down.
      hub.log("error", `BUG: ${peer.label} dropped, ending it failed: ${describe(err)}`);
      peer.close();
    }
  }, Math.max(0, ms));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.stack ?? err.message : String(err);
}
