import type { Frame, FrameRun, Mode } from "./frame.ts";
import type { Refusal } from "./rooms.ts";

/**
 * The connection of a member, as the core sees it: something to hand frames
 * to, without waiting. Each transport (TCP, WebSocket) implements it with a
 * bounded outbox.
 */
export interface Peer {
  /** How this connection speaks; set by the session once the first line decides. */
  mode: Mode;
  /** A short label for logs, e.g. "tcp 127.0.0.1:50312". */
  readonly label: string;
  /**
   * The client's address, as limits and password throttling key it (see
   * `clientAddress` in address.ts): behind a trusted proxy, the real client's.
   */
  readonly address: string;
  /**
   * Queues a frame. Never awaits; a peer whose outbox overflows drops
   * itself. `tagged`: the frame's room is not the member's current one
   * (plain mode prefixes its lines with the room).
   */
  send(frame: Frame, tagged?: boolean): void;
  /**
   * Optional fast path for a room flush: queues the run's frames except
   * those at `own`, with `acks[i]` in their place; the same as `send` for
   * each in order. Peers without it get one `send` per frame.
   */
  sendRun?(
    run: FrameRun,
    own: readonly number[] | undefined,
    acks: readonly Frame[],
    tagged?: boolean,
  ): void;
  /**
   * Wants every join and leave of a big room, not `presence` summaries
   * (IRC clients keep their nick lists from JOIN and PART lines).
   */
  readonly eachPresence?: boolean;
  /**
   * A member of another node: hands it a frame addressed to it alone (a DM)
   * and resolves once that is on its way (null), or with why it cannot be
   * (its node cannot be reached). Its sender is answered only then.
   */
  relay?(frame: Frame): Promise<Refusal | null>;
  /** The client pinged: a transport may expect it to keep doing so. */
  onPing?(): void;
  /** Sends what is queued, then closes. Safe to call twice. */
  close(): void;
}

/** Levels of the server log, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where the core reports what happened (joins, leaves, drops). */
export type Log = (level: LogLevel, message: string) => void;
