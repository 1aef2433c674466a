/**
 * IRCv3 `msgid`s of chat's room messages. A message is known by its room
 * and seq (what `edit` and `delete` name), but a msgid must be unique on the
 * whole network for all time (message-ids spec): seq 34 exists in every
 * room, and seqs start over when the history does (a new epoch). So the id
 * is `ROOM/SEQ/EPOCH`: `dev/34/1f2e3d4c`, EPOCH being the first 8 hex digits
 * of the history's epoch. Room names cannot contain `/` (protocol/names.ts),
 * so the id reads back unambiguously; it never has a space or a leading `:`.
 */

/** What a msgid names. */
export interface MsgRef {
  room: string;
  seq: number;
}

/** The msgids of one history (its epoch): made for messages, read back from REDACT. */
export class MsgIds {
  #epoch = "";

  /**
   * The history's epoch, set when the first IRC client connects (the
   * IrcServer is made before it can see the chat).
   */
  set epoch(epoch: string) {
    this.#epoch = epoch.replaceAll("-", "").slice(0, 8).toLowerCase();
  }

  /**
   * @example
   * ids.of("dev", 34) // "dev/34/1f2e3d4c"
   */
  of(room: string, seq: number): string {
    return `${room}/${seq}/${this.#epoch}`;
  }

  /**
   * The room and seq of `id`, or null for an id this history never made
   * (malformed, or from a history that has since started over).
   */
  parse(id: string): MsgRef | null {
    const parts = id.split("/");
    if (parts.length !== 3) return null;
    const [room, seq, epoch] = parts;
    if (room === "" || !/^\d{1,15}$/.test(seq) || epoch !== this.#epoch) return null;
    return { room, seq: Number(seq) };
  }
}
