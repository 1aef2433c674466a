/**
 * The well-behaved side of the fuzzer: bystanders that stay joined through
 * the whole run and record every legitimate message they see, the sender
 * that posts those messages, and the probes that prove a newcomer is still
 * served. Every wait here is bounded; every socket error is a finding, never
 * a crash of the fuzzer.
 */
import { LineClient } from "./helpers.ts";
import { WsClient } from "./web_helpers.ts";

/** C0 (except TAB), DEL and C1: PROTOCOL.md says none of them is ever relayed. */
// deno-lint-ignore no-control-regex
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/**
 * The legitimate messages posted so far, in the order they were acked. A text
 * is known from before it is posted: a bystander may well see the message
 * before the sender sees its ack.
 */
export class Ledger {
  readonly sent: { text: string; seq: number }[] = [];
  readonly #known = new Set<string>();

  /** Called before posting `text`. */
  expect(text: string): void {
    this.#known.add(text);
  }

  /** Called when `text` was acked with `seq`. */
  acked(text: string, seq: number): void {
    this.sent.push({ text, seq });
  }

  /** True for a text the sender posts or posted. */
  has(text: string): boolean {
    return this.#known.has(text);
  }
}

/** A legitimate message as a bystander received it. */
export interface Seen {
  text: string;
  /** Absent in plain mode, which shows no seq. */
  seq?: number;
}

/** A long-lived member that checks what it is sent. */
export interface Bystander {
  readonly name: string;
  readonly transport: string;
  /** Legitimate texts, in the order they arrived, with their seq (JSON mode). */
  readonly seen: Seen[];
  /** What went wrong (seq gaps, unsanitised text, disconnection), not yet reported. */
  readonly problems: string[];
  /** Message events whose seq was checked. */
  readonly seqChecked: number;
  readonly closed: boolean;
  close(): Promise<void>;
}

function parse(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line);
    return typeof v === "object" && v !== null ? v : null;
  } catch {
    return null;
  }
}

/** Checks JSON events: seq continuity per room, sanitised strings, legitimate texts. */
class JsonCheck {
  readonly seen: Seen[] = [];
  readonly problems: string[] = [];
  seqChecked = 0;
  readonly #last = new Map<string, number>();
  readonly #sender: string;
  readonly #ledger: Ledger;

  constructor(welcome: Record<string, unknown>, sender: string, ledger: Ledger) {
    this.#sender = sender;
    this.#ledger = ledger;
    const history = Array.isArray(welcome.history) ? welcome.history : [];
    const last = history.at(-1) as { seq?: unknown } | undefined;
    if (typeof last?.seq === "number") this.#last.set("", last.seq);
  }

  event(e: Record<string, unknown> | null, raw: string): void {
    if (!e) return void this.problems.push(`not a JSON object: ${raw.slice(0, 200)}`);
    for (const k of ["text", "from", "to", "name"]) {
      const v = e[k];
      if (typeof v === "string" && (CONTROLS.test(v) || !v.isWellFormed())) {
        this.problems.push(`unsanitised ${k} in ${raw.slice(0, 200)}`);
      }
    }
    if (e.type !== "message") return;
    const room = typeof e.room === "string" && e.room !== "lobby" ? e.room : "";
    const seq = e.seq;
    if (typeof seq !== "number") return void this.problems.push(`message without seq: ${raw}`);
    const last = this.#last.get(room);
    if (last !== undefined && seq !== last + 1) {
      this.problems.push(`${seq > last ? "gap" : "repeat"}: seq ${seq} after ${last}`);
    }
    this.#last.set(room, seq);
    this.seqChecked++;
    if (e.from !== this.#sender || typeof e.text !== "string") return;
    if (this.#ledger.has(e.text)) this.seen.push({ text: e.text, seq });
  }
}

/**
 * Joins over TCP as `name` in `mode` (JSON: without reserving the name, so a
 * seed can be replayed on a server that keeps names). Like the helpers'
 * joinPlain and joinJson, but the socket is closed when the join fails.
 */
export async function joinTcp(
  port: number,
  name: string,
  mode: "plain" | "json",
): Promise<{ client: LineClient; welcome: Record<string, unknown> }> {
  const client = await LineClient.connect(port);
  try {
    await client.line(); // the banner
    if (mode === "json") {
      await client.sendJson({ type: "hello", name, reserve: false });
      const welcome = await client.json();
      if (welcome.type !== "welcome") throw new Error(`refused: ${JSON.stringify(welcome)}`);
      return { client, welcome };
    }
    await client.send(name);
    const l = await client.until((l) => l.startsWith("* Welcome,") || l.startsWith("! "));
    if (l.startsWith("! ")) throw new Error(`refused: ${l}`);
    return { client, welcome: {} };
  } catch (err) {
    await client.close();
    throw new Error(`${mode} join as ${name}: ${err instanceof Error ? err.message : err}`);
  }
}

/** Reads lines until closed or `until` (ms since the epoch): bounded in time. */
async function pump(c: LineClient, until: number, each: (line: string) => void): Promise<void> {
  while (!c.eof && Date.now() < until) {
    let line: string;
    try {
      line = await c.line(250);
    } catch {
      continue; // no line yet, or EOF (the loop test sees it)
    }
    each(line);
  }
}

abstract class StreamBystander implements Bystander {
  abstract readonly seen: Seen[];
  abstract readonly problems: string[];
  abstract readonly seqChecked: number;
  #stopped = false;
  #pumping: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly transport: string,
    readonly client: LineClient,
  ) {}

  protected start(until: number, each: (line: string) => void): void {
    this.#pumping = pump(this.client, until, each);
  }

  get closed(): boolean {
    return this.client.eof && !this.#stopped;
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.client.close();
    await this.#pumping;
  }
}

/** A plain-mode member: checks the order of `SENDER: TEXT` lines and that no control byte arrives. */
export class PlainBystander extends StreamBystander {
  readonly seen: Seen[] = [];
  readonly problems: string[] = [];
  readonly seqChecked = 0;

  static async join(port: number, name: string, o: WatchOptions): Promise<PlainBystander> {
    const { client } = await joinTcp(port, name, "plain");
    const b = new PlainBystander(name, "plain tcp", client);
    const prefix = `${o.sender}: `;
    b.start(o.until, (line) => {
      if (CONTROLS.test(line)) b.problems.push(`unsanitised line: ${JSON.stringify(line)}`);
      if (!line.startsWith(prefix)) return;
      const text = line.slice(prefix.length);
      if (o.ledger.has(text)) b.seen.push({ text });
    });
    return b;
  }
}

/** A JSON-mode member over TCP. */
export class JsonBystander extends StreamBystander {
  readonly #check: JsonCheck;

  private constructor(name: string, client: LineClient, check: JsonCheck) {
    super(name, "json tcp", client);
    this.#check = check;
  }

  get seen(): Seen[] {
    return this.#check.seen;
  }
  get problems(): string[] {
    return this.#check.problems;
  }
  get seqChecked(): number {
    return this.#check.seqChecked;
  }

  static async join(port: number, name: string, o: WatchOptions): Promise<JsonBystander> {
    const { client, welcome } = await joinTcp(port, name, "json");
    const b = new JsonBystander(name, client, new JsonCheck(welcome, o.sender, o.ledger));
    b.start(o.until, (line) => b.#check.event(parse(line), line));
    return b;
  }
}

/** A JSON-mode member over a real WebSocket (the runtime's client). */
export class WsBystander implements Bystander {
  readonly transport = "websocket";
  readonly #client: WsClient;
  readonly #check: JsonCheck;
  #stopped = false;

  private constructor(readonly name: string, client: WsClient, check: JsonCheck) {
    this.#client = client;
    this.#check = check;
    // Our own handler, so a frame that is not JSON is a finding, not a throw.
    client.ws.onmessage = (e: MessageEvent) => {
      const raw = typeof e.data === "string" ? e.data : "(a binary frame)";
      check.event(parse(raw), raw);
    };
  }

  get seen(): Seen[] {
    return this.#check.seen;
  }
  get problems(): string[] {
    return this.#check.problems;
  }
  get seqChecked(): number {
    return this.#check.seqChecked;
  }
  get closed(): boolean {
    return this.#client.closed && !this.#stopped;
  }

  static async join(http: string, name: string, o: WatchOptions): Promise<WsBystander> {
    const { client, welcome } = await WsClient.join(http, name, { reserve: false });
    return new WsBystander(name, client, new JsonCheck(welcome, o.sender, o.ledger));
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.#client.close();
  }
}

/** Options of the bystanders. */
export interface WatchOptions {
  /** The sender's name: its messages are the legitimate ones. */
  sender: string;
  ledger: Ledger;
  /** Stop reading at this time (ms since the epoch). */
  until: number;
}

/** Resolves with `p`, or rejects after `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The well-behaved JSON client that posts the legitimate messages and asks who is there. */
export class Sender {
  #refs = 0;
  private constructor(readonly name: string, readonly client: LineClient) {}

  static async join(port: number, name: string): Promise<Sender> {
    const { client } = await joinTcp(port, name, "json");
    return new Sender(name, client);
  }

  /** Posts `text`; resolves with its acked seq; throws when refused or not acked in 5 s. */
  async post(text: string): Promise<number> {
    const ref = `legit${++this.#refs}`;
    await this.client.sendJson({ type: "say", text, ref });
    const line = await this.client.until((l) => parse(l)?.ref === ref, 5000);
    const e = parse(line)!;
    if (e.type !== "ack" || typeof e.seq !== "number") throw new Error(`refused: ${line}`);
    return e.seq;
  }

  /** The member list, as `who` answers it. */
  async who(): Promise<string[]> {
    await this.client.sendJson({ type: "who" });
    const e = parse(await this.client.until((l) => parse(l)?.type === "members", 5000))!;
    return Array.isArray(e.names) ? e.names.map(String) : [];
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * A newcomer is served: a JSON client joins and gets `pong` for `ping`, a
 * plain client joins and gets its welcome. Returns what failed, or null.
 */
export async function probe(port: number, name: string): Promise<string | null> {
  const open: LineClient[] = [];
  try {
    const { client } = await joinTcp(port, name + "j", "json");
    open.push(client);
    await client.sendJson({ type: "ping" });
    await client.until((l) => parse(l)?.type === "pong", 5000);
    open.push((await joinTcp(port, name + "p", "plain")).client);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    for (const c of open) await c.close();
  }
}
