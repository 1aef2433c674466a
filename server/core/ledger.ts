import type { StoredMessage } from "./history.ts";
import type { Member, Room } from "./room.ts";

/** A message posted on this node, on its way to be given a seq and stored. */
export interface Draft {
  room: Room;
  /** Who posted it (a member of this node): it gets the ack instead of the message. */
  from: Member;
  /** The message; its seq is 0 until the ledger gives it one. */
  message: StoredMessage;
  /** The client's `ref`, echoed in the ack. */
  ref: string | undefined;
  /** The client's message id, if it gave one: stored at most once per room. */
  id: string | undefined;
  /** Told the message's seq once it is stored (a shared file's, for retention). */
  stored?: (seq: number) => void;
}

/** One message of a room, ready to be shown, in seq order. */
export interface Entry {
  /** The message as stored (for a duplicate, only its seq is certain). */
  message: StoredMessage;
  /** Set when it was posted on this node: its sender gets the ack. */
  draft?: Draft;
  /** The draft's id was already stored: only the ack (of the original seq) is sent. */
  duplicate?: true;
}

/** Where a ledger hands what it ordered. */
export interface LedgerSink {
  /** A room's next messages, in seq order with no gap since the last call for that room. */
  deliver(room: Room, entries: Entry[]): void;
  /** Drafts that were not stored (and so must not be shown or acked); `message` says why. */
  refused(drafts: Draft[], message: string): void;
}

/**
 * Where a room's messages get their seq and are stored: one node with its
 * history (`LocalLedger`), or a cluster where Redis decides one order for
 * every node (`RedisLedger`). Each room's messages reach the sink in seq
 * order, with no gap and no duplicate, only once they are stored; a local
 * ledger does it before `submit` returns, a shared one later.
 */
export interface Ledger {
  /** Where delivered messages go (the Chat's relay); called once, before any submit. */
  bind(sink: LedgerSink): void;
  /** Orders and stores a turn's drafts (of any rooms). Never throws. */
  submit(drafts: Draft[]): void;
}
