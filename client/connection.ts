import type { ClientEvent, ServerEvent } from "../protocol/events.ts";
import { LineSplitter, TOO_LONG } from "../protocol/line_splitter.ts";
import { describeTlsError } from "./tls_errors.ts";

/** The welcome event: the handshake's result. */
export type Welcome = Extract<ServerEvent, { type: "welcome" }>;

/** The connection could not be opened, or closed during the handshake. Exit 1. */
export class ConnectError extends Error {
  override name = "ConnectError";
  /** True when trying again later may help (server full, gone mid-handshake). */
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message);
    this.transient = transient;
  }
}

/**
 * The server's TLS certificate did not verify (or it speaks no TLS): the
 * message says why and what to do. Retrying will not help.
 */
export class TlsRefused extends ConnectError {
  override name = "TlsRefused";
  constructor(message: string) {
    super(message, false);
  }
}

/** Ends a "cannot connect" line: a hint, unless the reason already says what to do. */
export function connectHint(err: ConnectError): string {
  return err instanceof TlsRefused ? "" : ". Is chat serve running there?";
}

/** The server refused the name; `message` is its reason. */
export class NameRefused extends Error {
  override name = "NameRefused";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** The server refused the room password (or needs one that was not given). Exit 1. */
export class AuthRefused extends Error {
  override name = "AuthRefused";
  /** True when a password was sent (so it is wrong), false when none was. */
  readonly sent: boolean;
  constructor(message: string, sent: boolean) {
    super(message);
    this.sent = sent;
  }
}

/**
 * The server refused us with `banned` (the message says why and until
 * when): joining again will not help. Exit 1.
 */
export class Banned extends ConnectError {
  override name = "Banned";
  constructor(message: string) {
    super(message, false);
  }
}

/** A line from the server: the event (null for a non-JSON line) and its text. */
export interface Incoming {
  event: ServerEvent | null;
  raw: string;
}

/** Options of {@linkcode Link.open}. */
export interface OpenOptions {
  /** Give up connecting after this long. @default 10000 */
  timeoutMs?: number;
  /**
   * Connect with TLS, verifying the server against Deno's roots and
   * `caCerts` (PEM: the system's and `--ca`'s; `withCa` says `--ca` was
   * given, for the error). The handshake is done before `open` returns, so a
   * certificate that does not verify is refused right here, with why.
   */
  tls?: { caCerts: string[]; withCa?: boolean };
}

/** Options of {@linkcode Link.handshake}. */
export interface HandshakeOptions {
  /** No answer this long: not a chat server. @default 15000 */
  timeoutMs?: number;
  /** The key kept for a name (a reserved one), to send with it when `askName` gave another name. */
  keyFor?: (name: string) => string | undefined;
}

/** How often a {@linkcode Link.keepAlive} pings, and how long a silent server is given. */
export const PING_EVERY_MS = 10_000;
const SILENT_MS = 30_000;

const encoder = new TextEncoder();
// Server lines are at most a welcome with history: generous, but bounded.
const MAX_SERVER_LINE = 64 << 20;

/** Why a connection attempt failed, in a few words. */
export function connectReason(err: unknown): string {
  if (err instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (err instanceof Deno.errors.TimedOut) return "timed out";
  if (err instanceof Deno.errors.PermissionDenied) {
    return "permission denied (run with --allow-net)";
  }
  const msg = err instanceof Error ? err.message : String(err);
  if (/lookup|resolve|not known|NotFound/i.test(msg) || err instanceof Deno.errors.NotFound) {
    return "no such host";
  }
  if (/unreachable/i.test(msg)) return "network unreachable";
  return msg.replace(/\s*\(os error \d+\)$/, "");
}

/**
 * One TCP connection to a chat server speaking JSON mode: connect, skip the
 * banner, hello, then events. Writes are queued in order and never
 * interleave; reads are split into lines once, here.
 */
export class Link {
  readonly #conn: Deno.Conn;
  readonly #splitter = new LineSplitter(MAX_SERVER_LINE);
  readonly #buf = new Uint8Array(64 * 1024);
  #lines: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  #writeFailed = false;
  #lastHeard = Date.now();
  #pinger: ReturnType<typeof setInterval> | undefined;

  private constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Connects; throws {@linkcode ConnectError} with the reason. */
  static async open(host: string, port: number, options: OpenOptions = {}): Promise<Link> {
    const timeoutMs = options.timeoutMs ?? 10000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tls = options.tls;
    const connecting: Promise<Deno.Conn> = tls
      ? Deno.connectTls({ hostname: host, port, caCerts: tls.caCerts })
      : Deno.connect({ hostname: host, port });
    let conn: Deno.Conn;
    try {
      conn = await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Deno.errors.TimedOut("timed out")), timeoutMs);
        }),
      ]);
      try {
        (conn as Deno.TcpConn).setNoDelay?.(true);
      } catch {
        // not fatal: only latency
      }
    } catch (err) {
      connecting.then((c) => c.close(), () => {});
      clearTimeout(timer);
      throw new ConnectError(connectReason(err), false);
    }
    if (!tls) {
      clearTimeout(timer);
      return new Link(conn);
    }
    try {
      await Promise.race([
        (conn as Deno.TlsConn).handshake(),
        new Promise<never>((_, reject) => {
          clearTimeout(timer);
          timer = setTimeout(() => reject(new Deno.errors.TimedOut("timed out")), timeoutMs);
        }),
      ]);
      return new Link(conn);
    } catch (err) {
      try {
        conn.close();
      } catch {
        // already closed
      }
      if (err instanceof Deno.errors.TimedOut) {
        throw new ConnectError("the TLS handshake timed out: is it a chat server with TLS?", false);
      }
      throw new TlsRefused(describeTlsError(err, host, tls.withCa ?? tls.caCerts.length > 0));
    } finally {
      clearTimeout(timer);
    }
  }

  /** True once the connection is closed (by either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next lines from the server, at least one, or null when the
   * connection is closed.
   */
  async read(): Promise<string[] | null> {
    while (this.#lines.length === 0) {
      if (this.#closed) return null;
      let n: number | null;
      try {
        n = await this.#conn.read(this.#buf);
      } catch {
        n = null;
      }
      if (n === null) {
        this.close();
        return null;
      }
      this.#lastHeard = Date.now();
      for (const l of this.#splitter.push(this.#buf.subarray(0, n))) {
        if (l !== TOO_LONG) this.#lines.push(l);
      }
    }
    const lines = this.#lines;
    this.#lines = [];
    return lines;
  }

  /** The next single line, or null when closed. */
  async readLine(): Promise<string | null> {
    if (this.#lines.length === 0) {
      const got = await this.read();
      if (got === null) return null;
      this.#lines = got;
    }
    return this.#lines.shift() ?? null;
  }

  /**
   * Queues events to be written as one write, after anything queued
   * before. The promise settles when they are written (or the connection
   * is gone: then it resolves too, and {@linkcode closed} tells).
   */
  send(...events: ClientEvent[]): Promise<void> {
    if (events.length === 0 || this.#closed) return this.#writing;
    const bytes = encoder.encode(events.map((e) => JSON.stringify(e) + "\n").join(""));
    this.#writing = this.#writing.then(async () => {
      let b = bytes;
      try {
        while (b.length > 0 && !this.#writeFailed) b = b.subarray(await this.#conn.write(b));
      } catch {
        this.#writeFailed = true;
        this.close();
      }
    });
    return this.#writing;
  }

  /**
   * Pings the server every {@linkcode PING_EVERY_MS} from now on, and closes
   * the connection when nothing at all came back for 30 s: a server (or a
   * network) that vanished without a word is found, and the server in turn
   * drops a client that stopped pinging. The pongs arrive as events.
   */
  keepAlive(): void {
    if (this.#pinger !== undefined || this.#closed) return;
    this.#lastHeard = Date.now();
    this.#pinger = setInterval(() => {
      if (Date.now() - this.#lastHeard > SILENT_MS) this.close();
      else this.send({ type: "ping" });
    }, PING_EVERY_MS);
    Deno.unrefTimer(this.#pinger);
  }

  /**
   * The handshake: skips the banner, says hello, and returns the welcome.
   * A refused name asks `askName` for another (null gives up with
   * {@linkcode NameRefused}), which is sent with `keyFor`'s key for it;
   * anything else the server refuses, or a close, throws
   * {@linkcode ConnectError}.
   */
  async handshake(
    hello: Extract<ClientEvent, { type: "hello" }>,
    askName: (code: string, message: string) => Promise<string | null>,
    options: HandshakeOptions = {},
  ): Promise<Welcome> {
    const timeoutMs = options.timeoutMs ?? 15000;
    // Something that accepts connections but never answers is not a chat server.
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      timer = setTimeout(() => {
        timedOut = true;
        this.close();
      }, timeoutMs);
    };
    const closedError = () =>
      new ConnectError(
        timedOut
          ? `no answer within ${
            timeoutMs / 1000
          } s: is it a chat server? (if it uses TLS, add --tls)`
          : "the server closed the connection during the handshake (if it uses TLS, add --tls)",
        true,
      );
    arm();
    try {
      const banner = await this.readLine();
      if (banner === null) throw closedError();
      // A full server says so in plain mode instead of the banner.
      const plainError = /^! (\w+): (.*)$/.exec(banner);
      if (plainError) {
        this.close();
        // So does a banned address (a name ban is told after the hello).
        if (plainError[1] === "banned") throw new Banned(plainError[2]);
        throw new ConnectError(`${plainError[1]}: ${plainError[2]}`, true);
      }
      await this.send(hello);
      while (true) {
        const line = await this.readLine();
        if (line === null) throw closedError();
        const event = parseServerLine(line);
        if (event === null) continue;
        if (event.type === "welcome") return event;
        if (event.type !== "error") continue; // a notice, say; nothing else comes before welcome
        if (event.code === "bad_name" || event.code === "name_taken") {
          clearTimeout(timer); // a person may take their time
          const name = await askName(event.code, event.message);
          if (name === null) {
            this.close();
            throw new NameRefused(event.code, event.message);
          }
          arm();
          hello = { ...hello, name };
          const key = options.keyFor?.(name);
          if (key === undefined) delete hello.key;
          else hello.key = key;
          await this.send(hello);
          if (this.#closed) throw closedError();
          continue;
        }
        this.close();
        if (event.code === "auth_failed") {
          throw new AuthRefused(event.message, hello.password !== undefined);
        }
        if (event.code === "banned") throw new Banned(event.message);
        throw new ConnectError(`${event.code}: ${event.message}`, event.code === "server_full");
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pinger);
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

/** Parses one server line into an event, or null when it is not a JSON object with a type. */
export function parseServerLine(line: string): ServerEvent | null {
  if (!line.startsWith("{")) return null;
  try {
    const o = JSON.parse(line);
    if (typeof o !== "object" || o === null || typeof o.type !== "string") return null;
    return o as ServerEvent;
  } catch {
    return null;
  }
}

/** Options of {@linkcode backoffDelays}. */
export interface BackoffOptions {
  /** @default 500 */
  firstMs?: number;
  /** @default 10000 */
  maxMs?: number;
  /** Spread of each delay, as a fraction. @default 0.2 */
  jitter?: number;
  random?: () => number;
}

/**
 * Reconnect delays: 0.5 s doubling to 10 s, each with ±20 % jitter so
 * that a restarted server is not hit by every client at the same instant.
 */
export function* backoffDelays(options: BackoffOptions = {}): Generator<number, never> {
  const first = options.firstMs ?? 500;
  const max = options.maxMs ?? 10000;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  let base = first;
  while (true) {
    yield Math.round(base * (1 + jitter * (2 * random() - 1)));
    base = Math.min(max, base * 2);
  }
}
