// What the soak posted and what each observer received, and the check that
// compares them: exact-once delivery in seq order, and no ghost members.

/** One message the soak posted. Texts are unique, so a text names its message. */
interface Post {
  sender: string;
  /** Must arrive: acked, or sent before a quit the server honoured. */
  mandatory: boolean;
  /** From the sender's ack, when it got one. */
  ackSeq?: number;
}

/** One message as an observer saw it; `seq` is absent in plain mode. */
interface Receipt {
  seq?: number;
  from: string;
  text: string;
}

/** What one observer saw while it was live. */
class ObserverLog {
  readonly receipts: Receipt[] = [];
  readonly joins = new Map<string, number>();
  readonly leaves = new Map<string, string[]>();
  readonly errors: string[] = [];
  constructor(readonly name: string, readonly json: boolean) {}
}

/** The result of {@linkcode Ledger.check}. */
export interface CheckResult {
  violations: string[];
  /** Messages whose delivery was checked (every message that has a seq). */
  messages: number;
  /** Observer deliveries checked (messages times observers, minus own ones). */
  deliveries: number;
}

const MAX_VIOLATIONS = 40;

/** Records posts, acks and receipts; `check()` says what went wrong. */
export class Ledger {
  readonly #posts = new Map<string, Post>();
  readonly #senders = new Set<string>();
  readonly #observers = new Map<string, ObserverLog>();
  /** Churners whose welcome arrived: each must join and leave exactly once. */
  readonly #welcomed = new Set<string>();
  readonly #leaveReasons = new Map<string, readonly string[]>();
  readonly #left = new Map<string, string>();
  readonly #joined = new Set<string>();
  #violations: string[] = [];
  #dropped = 0;

  /** Records a violation seen while running (bounded; the rest are counted). */
  violation(text: string): void {
    if (this.#violations.length < MAX_VIOLATIONS) this.#violations.push(text);
    else this.#dropped++;
  }

  /** Adds an observer; the returned log is filled by its reader. */
  observer(name: string, json: boolean): ObserverLog {
    const log = new ObserverLog(name, json);
    this.#observers.set(name, log);
    this.#senders.add(name);
    return log;
  }

  /** A connection of the soak may use this name. */
  sender(name: string): void {
    this.#senders.add(name);
  }

  /** Whether `name` is one the soak used. */
  isSender(name: string): boolean {
    return this.#senders.has(name);
  }

  /** Records a message as posted (not yet known to have arrived). */
  posted(sender: string, text: string): void {
    this.#posts.set(text, { sender, mandatory: false });
  }

  /** Marks messages as ones the server must have relayed. */
  require(texts: readonly string[]): void {
    for (const t of texts) this.#posts.get(t)!.mandatory = true;
  }

  /** The sender got an ack with this seq: the message was stored and relayed. */
  acked(text: string, seq: number): void {
    const p = this.#posts.get(text);
    if (!p) return this.violation(`an ack for a message never posted: ${text}`);
    if (p.ackSeq !== undefined) this.violation(`${text} was acked twice`);
    p.ackSeq = seq;
    p.mandatory = true;
  }

  /** The churner was welcomed, and which leave reasons fit the way it ends. */
  welcomed(name: string, reasons: readonly string[]): void {
    this.#welcomed.add(name);
    this.#leaveReasons.set(name, reasons);
  }

  /** The way a churner that may or may not have joined is allowed to leave. */
  expectLeave(name: string, reasons: readonly string[]): void {
    this.#leaveReasons.set(name, reasons);
  }

  /** Why `name` left, as the first JSON observer to see it was told; undefined until then. */
  leaveReason(name: string): string | undefined {
    return this.#left.get(name);
  }

  /** Whether some JSON observer has seen `name` join. */
  seenJoining(name: string): boolean {
    return this.#joined.has(name);
  }

  /** Called by observers for each join event they see. */
  noteJoin(log: ObserverLog, name: string): void {
    log.joins.set(name, (log.joins.get(name) ?? 0) + 1);
    this.#joined.add(name);
  }

  /** Called by observers for each leave event they see. */
  noteLeave(log: ObserverLog, name: string, reason: string): void {
    const list = log.leaves.get(name) ?? [];
    list.push(reason);
    log.leaves.set(name, list);
    if (!this.#left.has(name)) this.#left.set(name, reason);
  }

  /** Compares everything; call once every observer has seen the last message. */
  check(): CheckResult {
    const seqOf = new Map<string, number>();
    const textOf = new Map<number, string>();
    const note = (text: string, seq: number, where: string) => {
      const had = seqOf.get(text);
      if (had !== undefined && had !== seq) {
        this.violation(`${text} has seq ${had} and, at ${where}, seq ${seq}`);
      }
      const other = textOf.get(seq);
      if (other !== undefined && other !== text) {
        this.violation(`seq ${seq} is both "${other}" and, at ${where}, "${text}"`);
      }
      seqOf.set(text, seq);
      textOf.set(seq, text);
    };
    for (const [text, p] of this.#posts) if (p.ackSeq !== undefined) note(text, p.ackSeq, "ack");
    for (const o of this.#observers.values()) {
      if (!o.json) continue;
      for (const r of o.receipts) if (this.#posts.has(r.text)) note(r.text, r.seq!, o.name);
    }
    for (const [text, p] of this.#posts) {
      if (p.mandatory && !seqOf.has(text)) this.violation(`lost: "${text}" from ${p.sender}`);
    }
    const known = [...seqOf.entries()].sort((a, b) => a[1] - b[1]);
    let deliveries = 0;
    for (const o of this.#observers.values()) {
      deliveries += this.#checkObserver(o, known, seqOf);
      this.#checkPresence(o);
    }
    const violations = [...this.#violations];
    if (this.#dropped > 0) violations.push(`… and ${this.#dropped} more violations`);
    return { violations, messages: known.length, deliveries };
  }

  /** Exactly once, in seq order, nothing unknown, nothing of its own echoed. */
  #checkObserver(o: ObserverLog, known: [string, number][], seqOf: Map<string, number>): number {
    const seen = new Set<string>();
    let last = 0;
    for (const r of o.receipts) {
      const p = this.#posts.get(r.text);
      if (!p) {
        // Somebody else's traffic on a shared server is not ours to judge.
        if (this.#senders.has(r.from)) this.violation(`${o.name} got "${r.text}", never posted`);
        continue;
      }
      if (p.sender !== r.from) this.violation(`${o.name} got "${r.text}" from ${r.from}`);
      if (p.sender === o.name) this.violation(`${o.name} got its own "${r.text}" echoed`);
      if (seen.has(r.text)) this.violation(`${o.name} got "${r.text}" twice`);
      seen.add(r.text);
      const seq = seqOf.get(r.text);
      if (seq === undefined) {
        this.violation(`${o.name} got "${r.text}", which no JSON observer saw`);
        continue;
      }
      if (seq <= last) this.violation(`${o.name} got seq ${seq} after seq ${last}`);
      last = Math.max(last, seq);
    }
    let missing = 0;
    let example = "";
    let expected = 0;
    for (const [text, seq] of known) {
      if (this.#posts.get(text)!.sender === o.name) continue;
      expected++;
      if (!seen.has(text)) {
        missing++;
        example ||= `"${text}" (seq ${seq})`;
      }
    }
    if (missing > 0) this.violation(`${o.name} missed ${missing} messages, first ${example}`);
    for (const e of o.errors) this.violation(`${o.name} got an error: ${e}`);
    return expected;
  }

  /** Each churner seen to join leaves exactly once, for a reason that fits. */
  #checkPresence(o: ObserverLog): void {
    if (!o.json) return;
    const names = new Set([...this.#welcomed, ...o.joins.keys(), ...o.leaves.keys()]);
    for (const name of names) {
      if (this.#observers.has(name) || !this.#senders.has(name)) continue;
      const joins = o.joins.get(name) ?? 0;
      const leaves = o.leaves.get(name) ?? [];
      if (this.#welcomed.has(name) && joins !== 1) {
        this.violation(`${o.name} saw welcomed ${name} join ${joins} times`);
      }
      if (joins !== leaves.length) {
        this.violation(`${o.name} saw ${name} join ${joins} times and leave ${leaves.length}`);
      }
      const allowed = this.#leaveReasons.get(name);
      for (const reason of leaves) {
        if (allowed && !allowed.includes(reason)) {
          this.violation(`${o.name} saw ${name} leave as ${reason}, expected ${allowed}`);
        }
      }
    }
  }
}

export type { ObserverLog };
