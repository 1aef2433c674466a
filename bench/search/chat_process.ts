/**
 * A real `chat serve` for the search benchmark, and the two kinds of JSON
 * client it needs: one that asks one question at a time and times the
 * answer (search, history), and one that floods `say` and counts acks.
 */
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A running server; `stop()` is safe to call twice. */
export interface ChatServer {
  port: number;
  /** Seconds from spawn to listening (it opens and checks the database first). */
  startSeconds: number;
  stop(): Promise<void>;
}

/** Options of {@linkcode startChat}. */
export interface StartOptions {
  /** `--no-search`. @default false */
  noSearch?: boolean;
  /** Give up waiting for the listening line after this long. @default 60000 */
  timeoutMs?: number;
}

/** Starts `chat serve --db db` on a free port; flood control off, no web side, no replay. */
export async function startChat(db: string, options: StartOptions = {}): Promise<ChatServer> {
  const args = [
    "run",
    "-A",
    MAIN,
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--no-web",
    "--rate-limit",
    "0",
    "--max-per-ip",
    "0",
    "--history",
    "0",
    "--log-level",
    "warn",
    "--max-outbox",
    "64m",
    "--reserve-names",
    "off",
    "--db",
    db,
  ];
  if (options.noSearch) args.push("--no-search");
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await child.status;
  };
  const reader = child.stdout.getReader();
  let out = "";
  const timer = setTimeout(() => stop(), options.timeoutMs ?? 60_000);
  let m: RegExpExecArray | null = null;
  while (!(m = /tcp:\/\/[^:\s]+:(\d+)/.exec(out))) {
    const { value, done } = await reader.read();
    if (done) break;
    out += decoder.decode(value);
  }
  clearTimeout(timer);
  // Later output is not read: the server runs at --log-level warn, to stderr.
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  if (!m) {
    await stop();
    throw new Error(`Cannot start chat serve --db ${db}: it printed ${JSON.stringify(out)}`);
  }
  return { port: Number(m[1]), startSeconds: (performance.now() - t0) / 1000, stop };
}

/** A reply to a request, with the time it took. */
export interface Answer {
  // deno-lint-ignore no-explicit-any
  event: any;
  ms: number;
}

/** A JSON client that sends one request at a time and waits for the reply with its ref. */
export class Asker {
  readonly #conn: Deno.TcpConn;
  readonly #lines: AsyncIterator<string>;
  #ref = 0;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#lines = lines(conn);
  }

  /** Joins as `name`, in `rooms` (each created if it does not exist yet). */
  static async join(port: number, name: string, rooms: string[]): Promise<Asker> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const a = new Asker(conn);
    await a.#write({ type: "hello", name, rooms, reserve: false });
    for (;;) {
      const e = await a.#next(10_000);
      if (e.type === "welcome") return a;
      if (e.type === "error") throw new Error(`Cannot join as ${name}: ${e.message}`);
    }
  }

  /** Sends `request` with a fresh ref; resolves with the event that carries it back. */
  async ask(request: Record<string, unknown>, timeoutMs = 30_000): Promise<Answer> {
    const ref = `r${++this.#ref}`;
    const t0 = performance.now();
    await this.#write({ ...request, ref });
    for (;;) {
      const event = await this.#next(timeoutMs);
      if (event.ref === ref) return { event, ms: performance.now() - t0 };
    }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  async #write(event: Record<string, unknown>): Promise<void> {
    let bytes = encoder.encode(JSON.stringify(event) + "\n");
    while (bytes.length > 0) bytes = bytes.subarray(await this.#conn.write(bytes));
  }

  // deno-lint-ignore no-explicit-any
  async #next(timeoutMs: number): Promise<any> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      for (;;) {
        const r = await Promise.race([this.#lines.next(), timeout]);
        if (r.done) throw new Error("the server closed the connection");
        // The banner comes before the server knows this is a JSON client.
        if (r.value.startsWith("{")) return JSON.parse(r.value);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

async function* lines(conn: Deno.TcpConn): AsyncGenerator<string> {
  const buf = new Uint8Array(1 << 20);
  let rest = "";
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return;
    const parts = (rest + decoder.decode(buf.subarray(0, n), { stream: true })).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
}

/** Options of {@linkcode Flooder.join}. */
export interface FloodOptions {
  /** Messages kept in flight (sent, not yet acked). */
  window: number;
  /** Stops sending after this many. */
  maxMessages: number;
  /** Texts to post, in turn. */
  texts: readonly string[];
}

/**
 * A client that keeps `window` JSON `say`s (with refs) in flight and
 * counts the acks that come back while `measuring` is on. Acks are found
 * by prefix rather than parsed: the other clients' messages, most of what
 * it reads, never match.
 */
export class Flooder {
  readonly #conn: Deno.TcpConn;
  readonly #options: FloodOptions;
  #sent = 0;
  #acked = 0;
  #stopped = false;
  measuring = false;
  /** Acks counted while measuring. */
  counted = 0;
  errors = 0;
  readonly done: Promise<void>;

  private constructor(conn: Deno.TcpConn, options: FloodOptions) {
    this.#conn = conn;
    this.#options = options;
    this.done = this.#run();
  }

  static async join(port: number, name: string, options: FloodOptions): Promise<Flooder> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const hello = { type: "hello", name, reserve: false };
    await conn.write(encoder.encode(JSON.stringify(hello) + "\n"));
    return new Flooder(conn, options);
  }

  stop(): void {
    this.#stopped = true;
  }

  async #top(): Promise<void> {
    const { window, maxMessages, texts } = this.#options;
    const inFlight = this.#sent - this.#acked;
    if (this.#stopped || inFlight > window / 2) return;
    let out = "";
    for (let i = inFlight; i < window && this.#sent < maxMessages; i++) {
      // Corpus texts are letters and spaces: nothing to escape.
      const text = texts[this.#sent % texts.length];
      out += `{"type":"say","text":"${text}","ref":"${this.#sent++}"}\n`;
    }
    let bytes = encoder.encode(out);
    while (bytes.length > 0) bytes = bytes.subarray(await this.#conn.write(bytes));
  }

  async #run(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    let welcomed = false;
    let rest = "";
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        const text = rest + decoder.decode(buf.subarray(0, n), { stream: true });
        const end = text.lastIndexOf("\n");
        rest = text.slice(end + 1);
        for (let i = text.indexOf('{"type":"ack"'); i !== -1 && i < end;) {
          this.#acked++;
          if (this.measuring) this.counted++;
          i = text.indexOf('{"type":"ack"', i + 12);
        }
        for (let e = text.indexOf('"type":"error"'); e !== -1 && e < end;) {
          this.errors++;
          e = text.indexOf('"type":"error"', e + 14);
        }
        if (!welcomed && text.includes('"type":"welcome"')) welcomed = true;
        if (welcomed) await this.#top();
        const finished = this.#stopped || this.#sent >= this.#options.maxMessages;
        if (finished && this.#acked >= this.#sent) break;
      }
    } catch {
      // the server went away: the counts so far stand
    }
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}
