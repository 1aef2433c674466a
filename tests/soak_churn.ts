// The soak's churning clients: one slot runs one connection after another,
// each joining, chatting and then quitting, resetting, stalling or leaving
// before it gave a name, as its seeded PRNG decides.
import { RawWebSocket, WsClient } from "./web_helpers.ts";
import type { Ledger } from "./soak_ledger.ts";
import type { Prng } from "./soak_prng.ts";
import { PausableClient, sleep, within } from "./soak_clients.ts";

/** How a churning connection ends. */
export type Fate = "quit" | "reset" | "stall" | "abandon";

/** What the churners did, for the figures. */
export interface ChurnCounts {
  /** Connections opened. */
  connections: number;
  quit: number;
  reset: number;
  stall: number;
  /** Stalls that ended with the server dropping the client (not with our reset). */
  stallDropped: number;
  /** Of those, how many left with reason `slow` (the others: `disconnect`). */
  stallSlow: number;
  abandon: number;
  /** Messages the churners posted. */
  posted: number;
}

/** A zeroed {@linkcode ChurnCounts}. */
export function newChurnCounts(): ChurnCounts {
  return {
    connections: 0,
    quit: 0,
    reset: 0,
    stall: 0,
    stallDropped: 0,
    stallSlow: 0,
    abandon: 0,
    posted: 0,
  };
}

/**
 * Bounds how many churners are joining at once (connected, no welcome yet):
 * a server may refuse an address that has many half-open handshakes.
 */
export class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Waits for a place (at most `timeoutMs`); returns its release, safe to call twice. */
  async enter(timeoutMs = 10_000): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else {
      const turn = Promise.withResolvers<void>();
      this.#waiting.push(turn.resolve);
      try {
        await within(timeoutMs, "a joining place", turn.promise);
      } catch (err) {
        const i = this.#waiting.indexOf(turn.resolve);
        if (i >= 0) this.#waiting.splice(i, 1);
        else this.#leave(); // handed over just as the wait ended
        throw err;
      }
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#leave();
    };
  }

  #leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** What one slot needs. */
export interface SlotOptions {
  port: number;
  /** The web side, for WebSocket churners; without it every churner uses TCP. */
  http?: string;
  ledger: Ledger;
  prng: Prng;
  /** Names are `${prefix}c${slot}x${life}`. */
  prefix: string;
  slot: number;
  /** No new connection is started after this (ms since the epoch). */
  deadline: number;
  /** Longest a stalled client waits to be dropped before it resets. */
  stallMs: number;
  /** Whether stalled clients send themselves DMs (a flood: for servers without flood control). */
  feedStalls: boolean;
  /** Most messages one connection posts. */
  maxPosts: number;
  /** Padding for a message text. */
  pad: (prng: Prng) => string;
  counts: ChurnCounts;
  joining: Gate;
  /** Aborted: start no further connection. */
  signal: AbortSignal;
}

/** The leave reasons that fit each fate. */
const REASONS: Record<Fate, readonly string[]> = {
  quit: ["quit"],
  reset: ["disconnect"],
  stall: ["slow", "disconnect"],
  abandon: [],
};
const FATES: Record<Fate, number> = { quit: 4, reset: 3, stall: 2, abandon: 1 };
/** A bound on lives per slot, besides the deadline. */
const MAX_LIVES = 1_000_000;
const STEP_MS = 5000;

/** Runs connection after connection until the deadline. */
export async function churnSlot(o: SlotOptions): Promise<void> {
  for (let life = 1; life <= MAX_LIVES && Date.now() < o.deadline && !o.signal.aborted; life++) {
    const mode = o.prng.weighted({ plain: 1, json: 1, ws: o.http ? 1 : 0 });
    const fate = o.prng.weighted(FATES);
    const name = `${o.prefix}c${o.slot}x${life}`;
    o.ledger.sender(name);
    o.ledger.expectLeave(name, REASONS[fate]);
    o.counts.connections++;
    o.counts[fate]++;
    try {
      if (mode === "ws") await wsLife(o, name, fate);
      else await tcpLife(o, name, fate, mode === "json");
    } catch (err) {
      o.ledger.violation(`${name} (${mode}, ${fate}): ${err instanceof Error ? err.message : err}`);
    }
  }
}

/** Texts of the messages a connection is about to post. */
function texts(o: SlotOptions, name: string): string[] {
  const n = o.prng.int(0, o.maxPosts);
  const out: string[] = [];
  for (let i = 1; i <= n; i++) out.push(`${name}/${i} ${o.pad(o.prng)}`);
  return out;
}

async function tcpLife(o: SlotOptions, name: string, fate: Fate, json: boolean): Promise<void> {
  const joined = await o.joining.enter();
  let c: PausableClient;
  try {
    c = await PausableClient.connect(o.port);
  } catch (err) {
    joined();
    throw err;
  }
  try {
    await c.line(STEP_MS); // banner
    if (fate === "abandon") return;
    await c.send(json ? JSON.stringify({ type: "hello", name }) : name);
    const welcome = await c.until(
      (l) => json ? /^\{"type":"(welcome|error)"/.test(l) : /^(\* Welcome,|! )/.test(l),
      STEP_MS,
    );
    if (!welcome.includes("elcome")) throw new Error(`refused: ${welcome}`);
    joined();
    o.ledger.welcomed(name, REASONS[fate]);
    const posts = texts(o, name);
    for (const [i, text] of posts.entries()) {
      await sleep(o.prng.int(0, 100));
      o.ledger.posted(name, text);
      o.counts.posted++;
      await c.send(json ? JSON.stringify({ type: "say", text, ref: String(i) }) : text);
    }
    // Something the server answers; not a ping, which would opt this client
    // into being dropped for silence.
    const probe = json ? JSON.stringify({ type: "who" }) : "/who";
    if (fate === "quit") {
      await c.send(json ? JSON.stringify({ type: "bye" }) : o.prng.next() < 0.5 ? "/quit" : "exit");
      if (!(await c.closedByServer(STEP_MS))) throw new Error("not closed after quitting");
      // Everything before the quit was read and handled, in order.
      o.ledger.require(posts);
    } else {
      // Stop reading: the read in flight ends with the probe's answer at the
      // latest; what comes after it stays unread in the kernel.
      const parked = c.pause();
      await c.send(probe);
      await within(STEP_MS, "the read in flight", parked);
      await c.send(probe);
      if (fate === "stall") {
        await stalled(o, name, (to) =>
          c.send(
            to.map((n) =>
              json
                ? JSON.stringify({ type: "dm", to: n, text: FEED_TEXT })
                : `/msg ${n} ${FEED_TEXT}`
            ).join("\n"),
          ));
      } else await sleep(o.prng.int(10, 50));
    }
    if (json) takeAcks(o.ledger, c.take(), posts);
  } finally {
    await c.close();
    joined();
  }
}

/** Self-addressed DMs a stalled client may send while it does not read, at most. */
const MAX_FEED = 3000;
const FEED_TEXT = "z".repeat(3500);

/**
 * Waits until the server drops `name` as slow, or `stallMs` at most. Most
 * stallers also send themselves DMs meanwhile: on loopback the kernel takes
 * ~4 MB before the server's outbox even starts to fill, which the room's
 * traffic alone would take minutes to send one client. The others wait for
 * the room and are, in the end, reset by us.
 */
async function stalled(o: SlotOptions, name: string, send: (lines: string[]) => Promise<void>) {
  const until = Date.now() + o.prng.int(o.stallMs / 4, o.stallMs);
  let feed = o.prng.next() < 0.7 && o.feedStalls ? MAX_FEED : 0;
  let refused = false;
  const batch = Array(20).fill(name);
  while (Date.now() < until && o.ledger.leaveReason(name) === undefined) {
    if (feed <= 0) {
      await sleep(50);
      continue;
    }
    feed -= batch.length;
    // Writing fails once the server has dropped us: that is the drop, not an
    // error. A write that hangs means the server reads us slowly: stop feeding.
    await within(2000, "feeding", send(batch)).catch((err) => {
      feed = 0;
      refused = !/nothing within/.test(err.message);
    });
    await sleep(1);
  }
  // A refused write means the leave is on its way to the observers.
  for (let i = 0; refused && i < 40 && o.ledger.leaveReason(name) === undefined; i++) {
    await sleep(50);
  }
  const reason = o.ledger.leaveReason(name);
  if (reason !== undefined) o.counts.stallDropped++;
  if (reason === "slow") o.counts.stallSlow++;
}

function takeAcks(ledger: Ledger, lines: string[], posts: string[]): void {
  for (const l of lines) {
    if (!l.startsWith('{"type":"ack"')) continue;
    const e = JSON.parse(l);
    ledger.acked(posts[Number(e.ref)], e.seq);
  }
}

async function wsLife(o: SlotOptions, name: string, fate: Fate): Promise<void> {
  if (fate === "quit") return await wsQuit(o, name);
  // A raw WebSocket never reads: the server's frames pile up unread, and
  // closing it resets the connection.
  const port = Number(new URL(o.http!).port);
  const joined = await o.joining.enter();
  let raw: RawWebSocket;
  try {
    raw = await within(STEP_MS, "ws upgrade", RawWebSocket.open(port));
  } catch (err) {
    joined();
    throw err;
  }
  try {
    if (raw.status !== 101) throw new Error(`upgrade answered ${raw.status}`);
    if (fate === "abandon") return;
    await raw.sendText(JSON.stringify({ type: "hello", name }));
    // It reads nothing, so the observers tell when it has joined.
    for (let i = 0; i < 100 && !o.ledger.seenJoining(name); i++) await sleep(50);
    joined();
    for (const [i, text] of texts(o, name).entries()) {
      await sleep(o.prng.int(0, 100));
      o.ledger.posted(name, text);
      o.counts.posted++;
      await raw.sendText(JSON.stringify({ type: "say", text, ref: String(i) }));
    }
    if (fate === "stall") {
      await stalled(o, name, async (to) => {
        for (const n of to) {
          await raw.sendText(JSON.stringify({ type: "dm", to: n, text: FEED_TEXT }));
        }
      });
    } else await sleep(o.prng.int(10, 50));
  } finally {
    raw.close();
    joined();
  }
}

async function wsQuit(o: SlotOptions, name: string): Promise<void> {
  const joined = await o.joining.enter();
  let client: WsClient;
  try {
    ({ client } = await within(STEP_MS, "ws join", WsClient.join(o.http!, name)));
  } finally {
    joined();
  }
  try {
    o.ledger.welcomed(name, REASONS.quit);
    const posts = texts(o, name);
    for (const [i, text] of posts.entries()) {
      await sleep(o.prng.int(0, 100));
      o.ledger.posted(name, text);
      o.counts.posted++;
      client.send({ type: "say", text, ref: String(i) });
    }
    client.send({ type: "bye" });
    const deadline = Date.now() + STEP_MS;
    // Until the close, then whatever is still queued: next() throws once both are done.
    while (Date.now() < deadline) {
      const e = await client.next(Math.max(1, deadline - Date.now())).catch(() => null);
      if (e === null && client.closed) break;
      if (e?.type === "ack") o.ledger.acked(posts[Number(e.ref)], Number(e.seq));
    }
    if (!client.closed) throw new Error("not closed after bye");
    o.ledger.require(posts);
  } finally {
    await client.close();
  }
}
