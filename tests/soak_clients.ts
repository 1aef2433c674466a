// The soak's own TCP client: like LineClient, but its reading can be
// stopped, which is what a stalled reader and a reset need.
import { LineSplitter, TOO_LONG } from "../protocol/line_splitter.ts";

const encoder = new TextEncoder();

/** Rejects after `ms` with `what` in the message; clears its timer either way. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A TCP client that reads lines until told to stop. Once paused it starts no
 * further read, so what the server sends next stays in the kernel: the
 * server's writes back up (a stalled reader), and closing then makes the
 * kernel answer with RST instead of FIN (unread data is discarded).
 */
export class PausableClient {
  readonly #conn: Deno.TcpConn;
  readonly #splitter = new LineSplitter(1 << 20);
  readonly #lines: string[] = [];
  #wake: (() => void) | null = null;
  #paused = false;
  #parked = Promise.withResolvers<void>();
  #eof = false;
  #closed = false;
  readonly #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reading = this.#read();
  }

  /** Connects to 127.0.0.1:`port`, giving up after `timeoutMs`. */
  static async connect(port: number, timeoutMs = 5000): Promise<PausableClient> {
    const connecting = Deno.connect({ hostname: "127.0.0.1", port });
    try {
      return new PausableClient(await within(timeoutMs, "connect", connecting));
    } catch (err) {
      connecting.then((c) => c.close(), () => {});
      throw err;
    }
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      while (!this.#paused && !this.#closed) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        for (const l of this.#splitter.push(buf.subarray(0, n))) {
          if (l !== TOO_LONG) this.#lines.push(l);
        }
        this.#wake?.();
      }
    } catch {
      // reset, or closed by us: both end the reading
    }
    if (!this.#paused) this.#eof = true;
    this.#parked.resolve();
    this.#wake?.();
  }

  /** True once the server closed the connection (while we were reading). */
  get eof(): boolean {
    return this.#eof;
  }

  /** Stops reading after the read in flight; resolves when no read is pending. */
  pause(): Promise<void> {
    this.#paused = true;
    return this.#parked.promise;
  }

  /** Sends one line; throws if the socket is gone, or the server reads none of it for `timeoutMs`. */
  async send(line: string, timeoutMs = 5000): Promise<void> {
    let b = encoder.encode(line + "\n");
    while (b.length > 0) b = b.subarray(await within(timeoutMs, "write", this.#conn.write(b)));
  }

  /** The next line; throws after `timeoutMs`, or when reading has ended. */
  async line(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#eof || this.#paused) throw new Error("no more lines: reading ended");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#lines.shift()!;
  }

  /** Skips lines until one matches; returns it. */
  async until(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const l = await this.line(Math.max(1, deadline - Date.now()));
      if (match(l)) return l;
    }
  }

  /** Every line received and not yet taken, taken now. */
  take(): string[] {
    return this.#lines.splice(0);
  }

  /** Waits (at most `timeoutMs`) for the server to close; true if it did. */
  async closedByServer(timeoutMs: number): Promise<boolean> {
    await within(timeoutMs, "server close", this.#reading).catch(() => {});
    return this.#eof;
  }

  /** Closes the socket now; with unread data in the kernel, that is a reset. */
  async close(): Promise<void> {
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    await within(3000, "reader exit", this.#reading).catch(() => {});
  }
}
