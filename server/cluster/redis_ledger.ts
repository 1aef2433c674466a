import type { Draft, Entry, Ledger, LedgerSink } from "../core/ledger.ts";
import type { StoredMessage } from "../core/history.ts";
import { parseMessage } from "./cluster_revisions.ts";
import type { Log } from "../core/peer.ts";
import type { Room } from "../core/room.ts";
import { EPOCH_ERROR, ID_TTL_S, keys, PUBLISH_LUA } from "./keys.ts";
import type { Commands, Subscriptions } from "./link.ts";
import { Sequencer } from "./sequencer.ts";

/** What the node says when Redis is away and a message cannot be stored. */
export const UNAVAILABLE = "the chat is unavailable for a moment, try again";

/** Most messages in one publish script. */
const MAX_BATCH = 500;

/** Messages one stream read brings at most (a gap or a catch-up reads on in pages). */
const PAGE = 1000;

interface Open {
  /** The room's key and name (the Room itself may not exist here yet). */
  key: string;
  name: string;
  seq: Sequencer;
  /** This node's drafts waiting for the script in flight. */
  queue: Draft[];
  /** A script of this node is in flight: its messages' seqs are not known yet. */
  busy: boolean;
  /**
   * The batch token of the script in flight: its messages, when a gap fill
   * finds them in the stream, are left to its reply (which acks them).
   */
  inflight: string | null;
}

/** Options of a {@linkcode RedisLedger}. */
export interface RedisLedgerOptions {
  node: string;
  /** The epoch this node serves; a room whose epoch differs takes no message from it. */
  epoch: string;
  /** Redis lost its data (its epoch is not this node's): the node must stop. */
  lost: () => void;
  commands: Commands;
  subscriptions: Subscriptions;
  /** Newest messages kept per room stream (the count part of --retain); 0: no limit. */
  maxLen: number;
  /** Called with each delivered run, before members see it (the history's mirror). */
  stored: (roomKey: string, messages: StoredMessage[]) => void;
  /** The room of this key, if this node has made it. */
  room: (key: string) => Room | undefined;
  log: Log;
}

/**
 * The ledger of a cluster node: Redis gives each room one order for every
 * node. A turn's drafts go out as one publish script per room (pipelined);
 * the script's reply gives their seqs, so a message is acked only once
 * Redis has stored it. Other nodes' messages come on the room's live
 * channel; each room's {@linkcode Sequencer} delivers all of them in seq
 * order, filling gaps from the room's stream.
 */
export class RedisLedger implements Ledger {
  readonly #o: RedisLedgerOptions;
  readonly #open = new Map<string, Open>();
  #sink: LedgerSink | null = null;
  #batches = 0;

  constructor(options: RedisLedgerOptions) {
    this.#o = options;
  }

  /** Whether the room's messages reach this node. */
  isOpen(key: string): boolean {
    return this.#open.has(key);
  }

  /**
   * Subscribes to the room and reads its counter; `recent` is then the
   * room's newest messages (oldest first) for the history's mirror. Live
   * messages that come while it reads are held and delivered after.
   */
  async open(key: string, name: string, keep: number): Promise<StoredMessage[]> {
    const { commands, subscriptions } = this.#o;
    if (this.#open.has(key)) return [];
    const o: Open = {
      key,
      name,
      queue: [],
      busy: false,
      inflight: null,
      seq: new Sequencer(
        null,
        (entries) => this.#deliver(o, entries),
        (from, to) => void this.#fill(o, from, to),
      ),
    };
    this.#open.set(key, o);
    try {
      await this.#stamp(key);
      await subscriptions.subscribe(keys.live(key), (m) => this.#live(o, m));
      const [last, recent] = await Promise.all([
        commands.send(["GET", keys.seq(key)]),
        keep > 0
          ? commands.send(["XREVRANGE", keys.log(key), "+", "-", "COUNT", String(keep)])
          : Promise.resolve([]),
      ]);
      const lastSeq = Number(last ?? 0);
      const room = this.#o.room(key);
      if (room) room.lastSeq = Math.max(room.lastSeq, lastSeq);
      const messages = streamEntries(recent).map((e) => e.message).filter((m) => m.seq <= lastSeq)
        .reverse();
      // What came live while reading: the seqs after the counter read.
      o.seq.start(lastSeq + 1);
      return messages;
    } catch (err) {
      this.#open.delete(key);
      o.seq.close();
      await subscriptions.unsubscribe(keys.live(key)).catch(() => {});
      throw err;
    }
  }

  bind(sink: LedgerSink): void {
    this.#sink = sink;
  }

  submit(drafts: Draft[]): void {
    const sink = this.#sink!;
    for (const d of drafts) {
      const o = this.#open.get(d.room.key);
      if (!o) {
        // Rooms are opened before anyone enters them, so this is a bug if it happens.
        this.#o.log("error", `BUG: a message for #${d.room.name}, which is not open here`);
        sink.refused([d], UNAVAILABLE);
        continue;
      }
      o.queue.push(d);
    }
    for (const d of drafts) {
      const o = this.#open.get(d.room.key);
      if (o && !o.busy && o.queue.length > 0) void this.#pump(o, d.room);
    }
  }

  /**
   * One script at a time per room: what is posted while one runs waits
   * and goes in the next, so a room's messages from this node keep their
   * order whatever happens to a script (a retry after NOSCRIPT cannot be
   * overtaken), and a busy room sends many messages per script.
   */
  async #pump(o: Open, room: Room): Promise<void> {
    o.busy = true;
    while (o.queue.length > 0) {
      const drafts = o.queue.splice(0, MAX_BATCH);
      await this.#publish(o, room, drafts);
    }
    o.busy = false;
  }

  async #publish(o: Open, room: Room, drafts: Draft[]): Promise<void> {
    const batch = String(++this.#batches);
    const { node, epoch } = this.#o;
    const args = [node, keys.live(o.key), String(this.#o.maxLen), String(ID_TTL_S), epoch, batch];
    for (const d of drafts) {
      const json = JSON.stringify({ ...d.message, seq: 0 });
      const at = json.indexOf('"seq":0') + 6;
      args.push(d.id ?? "", json.slice(0, at), json.slice(at + 1));
    }
    let reply: unknown;
    o.inflight = batch;
    try {
      reply = await this.#o.commands.script(
        PUBLISH_LUA,
        [keys.seq(o.key), keys.log(o.key), keys.ids(o.key), keys.roomEpoch(o.key), keys.rev(o.key)],
        args,
      );
    } catch (err) {
      this.#sink!.refused(drafts, UNAVAILABLE);
      if (errorText(err).startsWith(EPOCH_ERROR)) {
        // Nothing was stored. Redis lost its data, or a stale node stamped the room.
        this.#o.log("warn", `#${room.name} has another epoch in Redis: checking the cluster's`);
        void this.#stamp(o.key).catch(() => {});
        return;
      }
      this.#o.log("warn", `could not publish to #${room.name}: ${errorText(err)}`);
      // The script may have run before the reply was lost: the stream says.
      setTimeout(() => o.seq.catchUp(), 0);
      return;
    } finally {
      o.inflight = null;
    }
    const seqs = reply as number[];
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i], s = Number(seqs[i]);
      if (s < 0 || (o.seq.next !== null && s < o.seq.next)) {
        // A resend (its seq was delivered before), or delivered already from
        // the stream: only its ack, at once.
        this.#sink!.deliver(room, [{
          message: { ...d.message, seq: Math.abs(s) },
          draft: d,
          duplicate: true,
        }]);
        continue;
      }
      d.message.seq = s;
      o.seq.put({ message: d.message, draft: d });
    }
    o.seq.drain();
  }

  /** A live message batch: "NODE\nMESSAGE…"; this node's own come by their scripts' replies. */
  #live(o: Open, payload: string): void {
    const lines = payload.split("\n");
    if (lines[0] === this.#o.node) return;
    for (let i = 1; i < lines.length; i++) {
      const message = parseMessage(lines[i]);
      if (message) o.seq.put({ message });
    }
    o.seq.drain();
  }

  /** Reads from..to (to: null = the end) from the stream into the sequencer. */
  async #fill(o: Open, from: number, to: number | null): Promise<void> {
    try {
      let start = from;
      for (;;) {
        const end = to === null ? "+" : `0-${to}`;
        const reply = await this.#o.commands.send([
          "XRANGE",
          keys.log(o.key),
          `0-${start}`,
          end,
          "COUNT",
          String(PAGE),
        ]);
        const entries = streamEntries(reply);
        if (entries.length > 0 && entries[0].message.seq > (o.seq.next ?? 0)) {
          // Retention removed what was missed: go on from what is there.
          this.#o.log(
            "warn",
            `#${o.name}: seqs ${o.seq.next}–${entries[0].message.seq - 1} were trimmed`,
          );
          o.seq.skipTo(entries[0].message.seq);
        }
        for (const e of entries) {
          // Of our script still in flight: its reply delivers it (with the ack).
          // Any other of ours (a script whose reply was lost) is delivered
          // here, or a room that keeps posting would wait behind it forever.
          if (e.node === this.#o.node && e.batch === o.inflight) continue;
          o.seq.put({ message: e.message });
        }
        o.seq.drain();
        if (entries.length < PAGE) break;
        start = entries[entries.length - 1].message.seq + 1;
      }
    } catch (err) {
      this.#o.log("warn", `could not read #${o.name}'s stream: ${errorText(err)}`);
      // drain() re-arms the gap timer while something is still held.
      setTimeout(() => o.seq.drain(), 500);
    }
  }

  #deliver(o: Open, entries: Entry[]): void {
    const messages: StoredMessage[] = [];
    for (const e of entries) messages.push(e.message);
    this.#o.stored(o.key, messages);
    const room = this.#o.room(o.key);
    if (!room) return;
    room.lastSeq = Math.max(room.lastSeq, messages[messages.length - 1].seq);
    this.#sink!.deliver(room, entries);
  }

  /**
   * Writes this node's epoch into the room's keys, then checks it is still
   * the cluster's (read after the write: a Redis that lost its data in
   * between has no epoch, and the room's copy went with the data). Not the
   * cluster's: the node is lost, and this throws.
   */
  async #stamp(key: string): Promise<void> {
    const { commands, epoch } = this.#o;
    await commands.send(["SET", keys.roomEpoch(key), epoch]);
    const now = await commands.send(["GET", keys.epoch]);
    if (now === epoch) return;
    this.#o.log("error", `Redis lost its data: its epoch is ${now ?? "gone"}, not ${epoch}`);
    this.#o.lost();
    throw new Error("Redis lost its data");
  }

  /** After the subscriber connection came back: read what was missed, every open room. */
  catchUp(): void {
    for (const o of this.#open.values()) o.seq.catchUp();
  }

  /** Stops every room's timers. */
  close(): void {
    for (const o of this.#open.values()) o.seq.close();
    this.#open.clear();
  }
}

/** XRANGE/XREVRANGE replies: [[id, [field, value, …]], …]. */
function streamEntries(
  reply: unknown,
): { message: StoredMessage; node: string; batch: string }[] {
  const out: { message: StoredMessage; node: string; batch: string }[] = [];
  if (!Array.isArray(reply)) return out;
  for (const item of reply) {
    if (!Array.isArray(item) || !Array.isArray(item[1])) continue;
    const fields = item[1] as string[];
    let m = "", n = "", b = "";
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === "m") m = String(fields[i + 1]);
      else if (fields[i] === "n") n = String(fields[i + 1]);
      else if (fields[i] === "b") b = String(fields[i + 1]);
    }
    const message = parseMessage(m);
    if (message) out.push({ message, node: n, batch: b });
  }
  return out;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
