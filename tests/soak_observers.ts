// The soak's observers: members that stay the whole run, chat among
// themselves at a modest rate and record everything they receive.
import { joinJson, joinPlain, type LineClient } from "./helpers.ts";
import { WsClient } from "./web_helpers.ts";
import type { Ledger, ObserverLog } from "./soak_ledger.ts";
import type { Prng } from "./soak_prng.ts";
import { sleep, within } from "./soak_clients.ts";

/** How an observer connects. */
export type ObserverKind = "plain" | "json" | "ws";

/** Turns ~every 250 ms, so stopping never waits long. */
const TURN_MS = 250;
/** A write to the server that takes longer than this is a server that stopped reading. */
const WRITE_MS = 5000;

/** One observer: its connection, reader and poster. */
export class Observer {
  readonly name: string;
  readonly kind: ObserverKind;
  readonly #log: ObserverLog;
  readonly #ledger: Ledger;
  readonly #tcp: LineClient | undefined;
  readonly #ws: WsClient | undefined;
  readonly #texts = new Set<string>();
  readonly #refs = new Map<string, string>();
  #members: string[] | undefined;
  #reading = true;
  #lost = false;
  #reader: Promise<void> = Promise.resolve();
  #posted = 0;

  private constructor(name: string, kind: ObserverKind, ledger: Ledger, conn: {
    tcp?: LineClient;
    ws?: WsClient;
  }) {
    this.name = name;
    this.kind = kind;
    this.#ledger = ledger;
    this.#log = ledger.observer(name, kind !== "plain");
    this.#tcp = conn.tcp;
    this.#ws = conn.ws;
  }

  /** Joins as `name` over `kind` and starts reading. */
  static async join(
    kind: ObserverKind,
    name: string,
    ledger: Ledger,
    where: { port: number; http?: string },
  ): Promise<Observer> {
    let o: Observer;
    if (kind === "plain") {
      o = new Observer(name, kind, ledger, { tcp: await joinPlain(where.port, name) });
    } else if (kind === "json") {
      const { client } = await joinJson(where.port, name);
      o = new Observer(name, kind, ledger, { tcp: client });
    } else {
      if (!where.http) throw new TypeError("Cannot join a WebSocket observer: no web port");
      const { client } = await within(5000, `ws join ${name}`, WsClient.join(where.http, name));
      o = new Observer(name, kind, ledger, { ws: client });
    }
    o.#reader = o.#read();
    return o;
  }

  /** Messages this observer posted. */
  get posted(): number {
    return this.#posted;
  }

  /** True when `text` has arrived here (or, for its own message, been acked). */
  has(text: string): boolean {
    return this.#texts.has(text);
  }

  /** The last `members` list received (JSON observers only). */
  get members(): string[] | undefined {
    return this.#members;
  }

  /** Posts one message; `text` must be unique. A failure is a violation, not a throw. */
  async post(text: string): Promise<void> {
    this.#ledger.posted(this.name, text);
    this.#posted++;
    try {
      if (this.kind === "plain") {
        await within(WRITE_MS, "posting", this.#tcp!.send(text));
        this.#ledger.require([text]);
        return;
      }
      const ref = `r${this.#posted}`;
      this.#refs.set(ref, text);
      const say = { type: "say", text, ref };
      if (this.#ws) this.#ws.send(say);
      else await within(WRITE_MS, "posting", this.#tcp!.sendJson(say));
    } catch (err) {
      this.#fail(`could not post: ${err instanceof Error ? err.message : err}`);
    }
  }

  /** Asks for the member list (JSON observers); read it later from `members`. */
  async who(): Promise<void> {
    this.#members = undefined;
    try {
      if (this.#ws) this.#ws.send({ type: "who" });
      else if (this.kind === "json") {
        await within(WRITE_MS, "asking who", this.#tcp!.sendJson({ type: "who" }));
      }
    } catch (err) {
      this.#fail(`could not ask who: ${err instanceof Error ? err.message : err}`);
    }
  }

  #fail(why: string): void {
    if (!this.#lost) this.#ledger.violation(`observer ${this.name} ${why}`);
    this.#lost = true;
  }

  /** Posts every `gapMs` (±50 %) until `stop` is aborted. */
  async chat(
    prng: Prng,
    gapMs: number,
    pad: (prng: Prng) => string,
    stop: AbortSignal,
  ): Promise<void> {
    let n = 0;
    while (!stop.aborted && !this.#lost) {
      await sleep(gapMs * (0.5 + prng.next()));
      if (stop.aborted) break;
      await this.post(`${this.name}/${++n} ${pad(prng)}`);
    }
  }

  async #read(): Promise<void> {
    while (this.#reading) {
      let e: Record<string, unknown> | string;
      try {
        e = this.#ws ? await this.#ws.next(TURN_MS) : await this.#tcp!.line(TURN_MS);
      } catch {
        if (this.#ws ? this.#ws.closed : this.#tcp!.eof) {
          if (this.#reading) this.#fail("lost its connection");
          return;
        }
        continue;
      }
      if (typeof e !== "string") this.#event(e);
      else if (this.kind === "plain") this.#plain(e);
      else {
        let parsed;
        try {
          parsed = JSON.parse(e);
        } catch {
          this.#log.errors.push(`not JSON: ${e.slice(0, 80)}`);
          continue;
        }
        this.#event(parsed);
      }
    }
  }

  #plain(line: string): void {
    if (line.startsWith("! ")) return void this.#log.errors.push(line);
    if (line.startsWith("* ")) return;
    const colon = line.indexOf(": ");
    if (colon < 0) return void this.#log.errors.push(`unexpected line: ${line}`);
    const text = line.slice(colon + 2);
    this.#log.receipts.push({ from: line.slice(0, colon), text });
    this.#texts.add(text);
  }

  #event(e: Record<string, unknown>): void {
    switch (e.type) {
      case "message":
        this.#log.receipts.push({ seq: Number(e.seq), from: String(e.from), text: String(e.text) });
        this.#texts.add(String(e.text));
        return;
      case "ack": {
        const text = this.#refs.get(String(e.ref));
        if (text === undefined) return this.#ledger.violation(`${this.name}: stray ack ${e.ref}`);
        this.#refs.delete(String(e.ref));
        this.#ledger.acked(text, Number(e.seq));
        this.#texts.add(text);
        return;
      }
      case "join":
        return this.#ledger.noteJoin(this.#log, String(e.name));
      case "leave":
        return this.#ledger.noteLeave(this.#log, String(e.name), String(e.reason));
      case "members":
        this.#members = (e.names as string[]) ?? [];
        return;
      case "error":
        return void this.#log.errors.push(`${e.code}: ${e.message}`);
    }
  }

  /** Leaves the room gracefully and stops reading. */
  async leave(): Promise<void> {
    this.#reading = false;
    try {
      if (this.#ws) {
        this.#ws.send({ type: "bye" });
        await this.#ws.close();
      } else {
        await this.#tcp!.send(this.kind === "plain" ? "/quit" : JSON.stringify({ type: "bye" }));
        await this.#tcp!.closed(3000);
      }
    } catch {
      // already gone: the reader has said so
    }
    await within(3000, `${this.name} reader`, this.#reader).catch(() => {});
  }
}
