import type { ChatMessage } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";

/** One of your messages, as `/edit` needs it. */
export interface OwnMessage {
  seq: number;
  text: string;
}

/** Messages kept per room: `/edit` alone and Tab reach back this far. */
const PER_ROOM = 100;

/**
 * Your recent messages in each room, by seq: from the acks of what you
 * sent, and from the histories the server replays (what you said before
 * this client started). `/edit TEXT` edits the newest; Tab after `/edit`
 * fills in a message's text to fix. A file shared can't be edited, so it
 * is not kept. The server decides what you may edit: this is only where
 * to point. No I/O.
 */
export class OwnMessages {
  /** Room key → seq → text. */
  readonly #rooms = new Map<string, Map<number, string>>();

  /** One of ours, acked (or seen in a history) with its seq. */
  add(room: string, seq: number, text: string): void {
    const key = nameKey(room);
    let seqs = this.#rooms.get(key);
    if (!seqs) this.#rooms.set(key, seqs = new Map());
    seqs.set(seq, text);
    if (seqs.size > PER_ROOM) seqs.delete(Math.min(...seqs.keys()));
  }

  /** Takes ours (sent by `me`) from messages of `room` (a history, or one message). */
  seen(messages: readonly ChatMessage[], me: string, room?: string): void {
    for (const m of messages) {
      const r = m.room ?? room;
      if (r === undefined || nameKey(m.from) !== nameKey(me) || m.file) continue;
      if (m.deleted) this.deleted(r, m.seq);
      else this.add(r, m.seq, m.text);
    }
  }

  /** Message `seq` of `room` has new text now (if it is ours). */
  edited(room: string, seq: number, text: string): void {
    const seqs = this.#rooms.get(nameKey(room));
    if (seqs?.has(seq)) seqs.set(seq, text);
  }

  deleted(room: string, seq: number): void {
    this.#rooms.get(nameKey(room))?.delete(seq);
  }

  /** Our message `seq` in `room`; without `seq`, our newest there. */
  find(room: string, seq?: number): OwnMessage | undefined {
    const seqs = this.#rooms.get(nameKey(room));
    if (!seqs || seqs.size === 0) return undefined;
    const at = seq ?? Math.max(...seqs.keys());
    const text = seqs.get(at);
    return text === undefined ? undefined : { seq: at, text };
  }

  /** We left `room`. */
  forget(room: string): void {
    this.#rooms.delete(nameKey(room));
  }

  /** The server's history started over, or our name changed: nothing kept is ours any more. */
  clear(): void {
    this.#rooms.clear();
  }
}
