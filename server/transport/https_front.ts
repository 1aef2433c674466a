import { clientAddress } from "../core/address.ts";
import type { Hub } from "./hub.ts";
import type { StreamConn } from "./stream_peer.ts";
import { tlsHandshake } from "./tcp.ts";
import type { TlsConn, TlsServer } from "./tls_server.ts";

const CHUNK = 16 * 1024;
/** Once one direction has ended, the other gets this long before both are closed. */
const HALF_CLOSED_MS = 5000;

/**
 * TLS in front of the web side. Deno's HTTP server cannot change its
 * certificate without closing every connection it holds (WebSockets
 * included), so HTTPS is served by this front instead: it accepts TLS on
 * the public port with a {@linkcode TlsServer} and relays the decrypted
 * bytes to the plain HTTP server, which listens on loopback only.
 * The front remembers which backend connection belongs to which client, so
 * the HTTP side still knows the real client address (and refuses any
 * connection to its loopback port that did not come through here).
 */
export class HttpsFront {
  readonly #listener: TlsServer;
  readonly #backend: Deno.NetAddr;
  readonly #hub: Hub;
  /** Backend connections' local ports -> the client address each relays. */
  readonly #clients = new Map<number, string>();
  readonly #open = new Set<StreamConn>();
  #closing = false;

  constructor(listener: TlsServer, backend: Deno.NetAddr, hub: Hub) {
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
      let conn: TlsConn;
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

  async #relay(client: TlsConn): Promise<void> {
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
      const ok = await tlsHandshake(client, this.#hub.config.handshakeTimeoutMs, this.#hub, label);
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

  async #pipeBoth(a: StreamConn, b: StreamConn): Promise<void> {
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
async function pipe(from: StreamConn, to: StreamConn): Promise<void> {
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
