import { nameKey, nameProblem, normalizeName } from "../../protocol/names.ts";
import type { Directory } from "../core/directory.ts";
import type { Log } from "../core/peer.ts";
import { type Refusal, refuse } from "../core/rooms.ts";
import type { ClusterHistory } from "./cluster_history.ts";
import type { NameLeases } from "./names.ts";
import { type RedisLedger, UNAVAILABLE } from "./redis_ledger.ts";

/**
 * What a session waits for in a cluster: the name's lease, and each room
 * open on this node (subscribed to, its newest messages mirrored) before
 * the member enters it. A room is opened once; sessions that ask while it
 * opens wait for the same opening.
 */
export class ClusterDirectory implements Directory {
  readonly #names: NameLeases;
  readonly #ledger: RedisLedger;
  readonly #history: ClusterHistory;
  readonly #keep: number;
  readonly #log: Log;
  readonly #opening = new Map<string, Promise<void>>();

  constructor(
    options: {
      names: NameLeases;
      ledger: RedisLedger;
      history: ClusterHistory;
      keep: number;
      log: Log;
    },
  ) {
    this.#names = options.names;
    this.#ledger = options.ledger;
    this.#history = options.history;
    this.#keep = options.keep;
    this.#log = options.log;
  }

  claim(name: string): Promise<Refusal | null> {
    return this.#names.claim(name);
  }

  release(name: string): void {
    this.#names.release(name);
  }

  async open(rooms: readonly string[]): Promise<Refusal | null> {
    try {
      await Promise.all(rooms.map((raw) => this.#open(raw)));
      return null;
    } catch (err) {
      this.#log("warn", `could not open a room: ${err instanceof Error ? err.message : err}`);
      return refuse("server_error", UNAVAILABLE);
    }
  }

  #open(raw: string): Promise<void> {
    const name = normalizeName(raw).replace(/^#/, "");
    // A bad name is the Chat's to refuse (bad_room), with its usual message.
    if (nameProblem(name)) return Promise.resolve();
    const key = nameKey(name);
    if (this.#ledger.isOpen(key) && !this.#opening.has(key)) return Promise.resolve();
    let p = this.#opening.get(key);
    if (!p) {
      this.#history.opening(name);
      p = this.#ledger.open(key, name, this.#keep).then(
        async (messages) =>
          this.#history.load(name, await this.#history.withRevisions(name, messages)),
      ).finally(() => this.#opening.delete(key));
      this.#opening.set(key, p);
    }
    return p;
  }
}
