// Shared by the end-to-end tests: a real `chat serve` process on port 0 and
// line-oriented clients over real sockets.
import { LineSplitter, TOO_LONG } from "../protocol/line_splitter.ts";
import { type ByteConn, connectFrom } from "./node_conn.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A running `chat serve` child process. */
export interface ServerProcess {
  readonly port: number;
  readonly child: Deno.ChildProcess;
  /** Every stdout line so far (the first is "chat listening on …"). */
  readonly stdout: string[];
  /** Every stderr line so far (the log). */
  readonly stderr: string[];
  /** Sends a signal and waits for the exit; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
  /** Resolves with the exit code when the process exits. */
  readonly exited: Promise<number>;
}

/** Options of {@linkcode startServer}. */
export interface StartOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Wait for this many stdout lines before returning. @default 1 */
  lines?: number;
  /** The script run as `SCRIPT serve …` in place of main.ts (one with planted bugs). */
  script?: string;
  /** Flags for deno itself, before the script (`--inspect=…`). */
  denoArgs?: string[];
}

async function pumpLines(
  stream: ReadableStream<Uint8Array>,
  out: string[],
  onLine?: () => void,
): Promise<void> {
  const splitter = new LineSplitter(1 << 20);
  for await (const chunk of stream) {
    for (const l of splitter.push(chunk)) if (l !== TOO_LONG) out.push(l);
    onLine?.();
  }
}

/** Starts `chat serve --host 127.0.0.1 --port 0 ARGS` and waits until it listens. */
export async function startServer(
  args: string[] = [],
  options: StartOptions = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    // History in memory unless a test picks a file: one chat.db in the
    // repository would be locked by whichever server started first.
    args: [
      "run",
      "-A",
      ...(options.denoArgs ?? []),
      options.script ?? MAIN,
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      ...(args.includes("--db") || args.includes("--redis") || options.env?.CHAT_DB
        ? []
        : ["--db", ":memory:"]),
      // No HTTP side unless a test asks for one: the default port 8081 would
      // clash between servers, and it adds a stdout line.
      ...(args.includes("--web-port") || args.includes("--no-web") ? [] : ["--no-web"]),
      ...args,
    ],
    cwd: options.cwd ?? ROOT,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout: string[] = [];
  const stderr: string[] = [];
  const want = options.lines ?? 1;
  const ready = Promise.withResolvers<void>();
  const outDone = pumpLines(child.stdout, stdout, () => {
    if (stdout.length >= want) ready.resolve();
  });
  const errDone = pumpLines(child.stderr, stderr);
  const exited = child.status.then(async (s) => {
    await Promise.all([outDone, errDone]);
    return s.code;
  });
  const timeout = setTimeout(() => ready.reject(new Error("server did not start in 15 s")), 15000);
  try {
    await Promise.race([
      ready.promise,
      exited.then((code) => {
        throw new Error(`server exited with ${code}: ${stderr.join("\n")}`);
      }),
    ]);
  } finally {
    clearTimeout(timeout);
  }
  const m = /:(\d+)$/.exec(stdout[0]);
  if (!m) throw new Error(`unexpected first line: ${stdout[0]}`);
  return {
    port: Number(m[1]),
    child,
    stdout,
    stderr,
    exited,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      return await exited;
    },
  };
}

/** A client that reads the server line by line, over a real TCP socket. */
export class LineClient {
  readonly conn: ByteConn;
  readonly #splitter = new LineSplitter(1 << 24);
  readonly #lines: string[] = [];
  #waiter: (() => void) | null = null;
  #eof = false;
  readonly #reading: Promise<void>;

  private constructor(conn: ByteConn) {
    this.conn = conn;
    this.#reading = this.#read();
  }

  /** Connects over TCP; `from` picks the local address (127.0.0.2: a second client machine). */
  static async connect(port: number, from?: string): Promise<LineClient> {
    if (from !== undefined) return new LineClient(await connectFrom(from, port));
    return new LineClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Connects over TCP to `hostname` (e.g. "::1", for a server listening on IPv6). */
  static async connectHost(hostname: string, port: number): Promise<LineClient> {
    return new LineClient(await Deno.connect({ hostname, port }));
  }

  /** Connects over TLS to localhost, trusting the PEM certificate file `ca`; `from` as in connect. */
  static async connectTls(port: number, ca: string, from?: string): Promise<LineClient> {
    if (from !== undefined) {
      return new LineClient(await connectFrom(from, port, await Deno.readTextFile(ca)));
    }
    const conn = await Deno.connectTls({
      hostname: "localhost",
      port,
      caCerts: [await Deno.readTextFile(ca)],
    });
    await conn.handshake();
    return new LineClient(conn);
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        for (const l of this.#splitter.push(buf.subarray(0, n))) {
          if (l !== TOO_LONG) this.#lines.push(l);
        }
        this.#waiter?.();
      }
    } catch {
      // reset by the server: same as EOF for a test
    }
    this.#eof = true;
    this.#waiter?.();
  }

  /** True once the server closed the connection. */
  get eof(): boolean {
    return this.#eof;
  }

  /** Lines received and not yet taken. */
  get buffered(): readonly string[] {
    return this.#lines;
  }

  /** Sends a line (adds "\n"). */
  async send(line: string): Promise<void> {
    await this.sendRaw(encoder.encode(line + "\n"));
  }

  /** Sends bytes as they are. */
  async sendRaw(bytes: Uint8Array | string): Promise<void> {
    let b = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    while (b.length > 0) b = b.subarray(await this.conn.write(b));
  }

  /** The next line; throws after `timeoutMs` or at EOF. */
  async line(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#eof) throw new Error("connection closed before a line arrived");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#waiter = null;
    }
    return this.#lines.shift()!;
  }

  /** Skips lines until one matches; returns it. */
  async until(match: (line: string) => boolean, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const l = await this.line(Math.max(1, deadline - Date.now()));
      if (match(l)) return l;
    }
  }

  /** The next line parsed as JSON. */
  async json(timeoutMs = 5000): Promise<Record<string, unknown>> {
    return JSON.parse(await this.line(timeoutMs));
  }

  /** Skips JSON events until one of `type` arrives. */
  async event(type: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const l = await this.until((l) => l.startsWith("{") && JSON.parse(l).type === type, timeoutMs);
    return JSON.parse(l);
  }

  /** Sends a JSON object as one line. */
  async sendJson(o: unknown): Promise<void> {
    await this.send(JSON.stringify(o));
  }

  /** Waits until the server closes the connection. */
  async closed(timeoutMs = 5000): Promise<void> {
    const t = setTimeout(() => this.conn.close(), timeoutMs);
    await this.#reading;
    clearTimeout(t);
    try {
      this.conn.close();
    } catch {
      // closed by the timeout
    }
  }

  /** Closes our side and waits for the reader to finish. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    await this.#reading;
  }
}

/** Connects in plain mode as `name` and returns once welcomed. */
export async function joinPlain(port: number, name: string, from?: string): Promise<LineClient> {
  const c = await LineClient.connect(port, from);
  await c.line(); // banner
  await c.send(name);
  const l = await c.until((l) => l.startsWith("* Welcome,") || l.startsWith("! "));
  if (l.startsWith("! ")) throw new Error(`join as ${name} refused: ${l}`);
  return c;
}

/**
 * Connects in JSON mode as `name`; returns the client and its welcome event.
 * The name is not reserved (`"reserve":false`) unless `extra` says
 * `reserve: true`: tests join the same names again and again.
 */
export async function joinJson(
  port: number,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<{ client: LineClient; welcome: Record<string, unknown> }> {
  const c = await LineClient.connect(port);
  await c.line(); // banner
  await c.sendJson({ type: "hello", name, reserve: false, ...extra });
  const welcome = await c.json();
  if (welcome.type !== "welcome") {
    throw new Error(`join as ${name} refused: ${JSON.stringify(welcome)}`);
  }
  return { client: c, welcome };
}

/** The repository root, for tests that run other commands. */
export const REPO_ROOT = ROOT;

/** Decodes bytes as UTF-8. */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Runs `fn` with a fresh server and always stops it (and closes `clients` left open). */
export async function withServer(
  args: string[],
  fn: (server: ServerProcess) => Promise<void>,
  options: StartOptions = {},
): Promise<void> {
  const server = await startServer(args, options);
  try {
    await fn(server);
  } finally {
    await server.stop("SIGKILL");
  }
}

/** Waits until `check` is true, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
