import type { Hub } from "./hub.ts";
import type { ReloadableTlsListener } from "./tls_listener.ts";
import { clientAddress } from "../core/address.ts";

const CHUNK = 16 * 1024;
/** Once one direction has ended, the other gets this long before both are closed. */
const HALF_CLOSED_MS = 5000;

/**
 * TLS in front of the web side. Deno's HTTP server cannot change its
 * certificate without closing every connection it holds (WebSockets
 * included), so HTTPS is served by this front instead: it accepts TLS on
 * the public port with a {@linkcode ReloadableTlsListener} and relays the
 * decrypted bytes to the plain HTTP server, which listens on loopback only.
 * The front remembers which backend connection belongs to which client, so
 * the HTTP side still knows the real client address (and refuses any
 * connection to its loopback port that did not come through here).
 */
export class HttpsFront {
  readonly #listener: ReloadableTlsListener;
  readonly #backend: Deno.NetAddr;
  readonly #hub: Hub;
  /** Backend connections' local ports -> the client address each relays. */
  readonly #clients = new Map<number, string>();
  readonly #open = new Set<Deno.Conn>();
  #closing = false;

  constructor(listener: ReloadableTlsListener, backend: Deno.NetAddr, hub: Hub) {
    this.#listener = listener;
    this.#backend = backend;
    this.#hub = hub;
  }

  /** The public address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** The client a backend connection (by its source port) relays; undefined: not ours. */
  clientOf(port: number): string | undefined {
    return this.#clients.get(port);
  }

  /** Accepts until {@linkcode close}. */
  async run(): Promise<void> {
    while (!this.#closing) {
      let conn: Deno.TlsConn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#closing || err instanceof Deno.errors.BadResource) return;
        this.#hub.log("error", `web accept failed: ${err instanceof Error ? err.message : err}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      this.#relay(conn).catch((err) => {
        this.#hub.log("error", `web relay failed: ${err instanceof Error ? err.stack : err}`);
      });
    }
  }

  async #relay(client: Deno.TlsConn): Promise<void> {
    const remote = client.remoteAddr as Deno.NetAddr;
    const address = clientAddress(remote.hostname);
    const label = `https ${remote.hostname}:${remote.port}`;
    this.#open.add(client);
    // A TLS handshake counts as a connection still joining: one address
    // cannot hold many of them open.
    const slot = this.#hub.pendingSlot(address);
    let backend: Deno.TcpConn | undefined;
    try {
      if (typeof slot === "string") return;
      const ok = await this.#handshake(client, label);
      slot.release();
      if (!ok) return;
      backend = await Deno.connect({ hostname: this.#backend.hostname, port: this.#backend.port });
      backend.setNoDelay(true);
      const port = (backend.localAddr as Deno.NetAddr).port;
      this.#clients.set(port, address);
      this.#open.add(backend);
      try {
        await this.#pipeBoth(client, backend);
      } finally {
        this.#clients.delete(port);
      }
    } finally {
      if (typeof slot !== "string") slot.release();
      for (const c of [client, backend]) {
        if (!c) continue;
        this.#open.delete(c);
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    }
  }

  async #handshake(conn: Deno.TlsConn, label: string): Promise<boolean> {
    const ms = this.#hub.config.handshakeTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), ms));
    try {
      const r = await Promise.race([conn.handshake().then(() => "done" as const), late]);
      return r === "done";
    } catch (err) {
      this.#hub.log(
        "debug",
        `${label} TLS handshake failed: ${err instanceof Error ? err.message : err}`,
      );
      this.#hub.stats.tlsHandshakeFailures++;
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async #pipeBoth(a: Deno.Conn, b: Deno.Conn): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cut = () => {
      timer ??= setTimeout(() => {
        for (const c of [a, b]) {
          try {
            c.close();
          } catch {
            // already closed
          }
        }
      }, HALF_CLOSED_MS);
    };
    await Promise.all([pipe(a, b).finally(cut), pipe(b, a).finally(cut)]);
    clearTimeout(timer);
  }

  /** Stops accepting and closes every relayed connection. Safe to call twice. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#listener.close();
    for (const c of this.#open) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  }
}

/** Copies `from` to `to` until `from` ends, then ends `to`'s writing side. Never throws. */
async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(CHUNK);
  try {
    while (true) {
      const n = await from.read(buf);
      if (n === null) break;
      let off = 0;
      while (off < n) off += await to.write(buf.subarray(off, n));
    }
  } catch {
    // a reset or a close on either side ends this direction
  }
  try {
    await to.closeWrite();
  } catch {
    // already closed
  }
}
