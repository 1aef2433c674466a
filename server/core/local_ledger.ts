import type { History, StoredMessage } from "./history.ts";
import type { Draft, Entry, Ledger, LedgerSink } from "./ledger.ts";
import type { Log } from "./peer.ts";
import type { Room } from "./room.ts";

/** How many client message ids one node remembers (the newest), for dedup. */
export const REMEMBERED_IDS = 10_000;

/**
 * The ledger of one node: seqs given here from each room's counter, the
 * turn's messages stored as one batch in the history, and handed to the
 * sink before `submit` returns, so nothing else can come between storing
 * and showing. Client message ids are remembered for the newest
 * {@linkcode REMEMBERED_IDS} messages while the server runs.
 */
export class LocalLedger implements Ledger {
  readonly #history: History;
  readonly #log: Log;
  /** `roomKey \0 id` → seq, oldest first. */
  readonly #ids = new Map<string, number>();
  #sink: LedgerSink | null = null;

  constructor(history: History, log: Log) {
    this.#history = history;
    this.#log = log;
  }

  bind(sink: LedgerSink): void {
    this.#sink = sink;
  }

  submit(drafts: Draft[]): void {
    const sink = this.#sink!;
    const next = new Map<Room, number>();
    const entries: Entry[] = [];
    const batch: StoredMessage[] = [];
    const fresh: Draft[] = [];
    const seen = new Map<string, number>();
    for (const d of drafts) {
      const key = d.id === undefined ? undefined : `${d.room.key}\0${d.id}`;
      const known = key === undefined ? undefined : this.#ids.get(key) ?? seen.get(key);
      if (known !== undefined) {
        const message = { ...d.message, seq: known };
        entries.push({ message, draft: d, duplicate: true });
        continue;
      }
      const seq = (next.get(d.room) ?? d.room.lastSeq) + 1;
      next.set(d.room, seq);
      const message = d.message;
      message.seq = seq;
      if (key !== undefined) seen.set(key, seq);
      batch.push(message);
      fresh.push(d);
      entries.push({ message, draft: d });
    }
    if (batch.length > 0) {
      try {
        this.#history.append(batch);
      } catch (err) {
        this.#log(
          "error",
          `could not store ${batch.length} messages: ${err instanceof Error ? err.message : err}`,
        );
        // Resends of a message of this batch fail with it; of one stored before, are acked.
        const again = (e: Entry) => e.duplicate && seen.has(idKey(e.draft!));
        const refused = [...fresh, ...entries.filter(again).map((e) => e.draft!)];
        sink.refused(refused, "your message could not be stored and was not sent, try again");
        deliverByRoom(entries.filter((e) => e.duplicate && !again(e)), sink);
        return;
      }
    }
    for (const [room, seq] of next) room.lastSeq = seq;
    for (const [key, seq] of seen) {
      this.#ids.set(key, seq);
      if (this.#ids.size > REMEMBERED_IDS) this.#ids.delete(this.#ids.keys().next().value!);
    }
    deliverByRoom(entries, sink);
  }
}

function idKey(d: Draft): string {
  return `${d.room.key}\0${d.id}`;
}

/** One delivery per room, in the order the rooms first appear. */
export function deliverByRoom(entries: Entry[], sink: LedgerSink): void {
  const byRoom = new Map<Room, Entry[]>();
  for (const e of entries) {
    const room = e.draft!.room;
    const list = byRoom.get(room);
    if (list) list.push(e);
    else byRoom.set(room, [e]);
  }
  for (const [room, list] of byRoom) sink.deliver(room, list);
}
