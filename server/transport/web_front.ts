import { clientAddress } from "../core/address.ts";
import { AddressLimits } from "./address_limits.ts";
import type { Hub } from "./hub.ts";
import type { StreamConn } from "./stream_peer.ts";
import { type Acceptor, type Conn, tlsHandshake } from "./tcp.ts";
import { TlsConn } from "./tls_server.ts";

const CHUNK = 16 * 1024;
/** Once one direction has ended, the other gets this long before both are closed. */
const HALF_CLOSED_MS = 5000;
/**
 * A connection with no byte either way for this long is closed: an idle
 * HTTP keep-alive (nginx's default is 75 s). A WebSocket is never this
 * quiet: the server pings it after half of --ping-timeout (so the bound is
 * at least that).
 */
const IDLE_MS = 75_000;

const UNLIMITED = { joined() {}, release() {} };

/** A relayed connection, as the HTTP side sees it. */
export interface Relayed {
  /** The client's address. */
  readonly address: string;
  /** The client's host and port, for logs. */
  readonly from: string;
  /** Closes the client's connection now (both sockets). */
  kill(): void;
}

/**
 * The front of the web port. The HTTP server (Deno.serve) listens on
 * loopback only, and this front owns the public sockets and relays bytes to
 * it, for three reasons: Deno's HTTP server cannot change its certificate
 * without closing every connection it holds (WebSockets included), so TLS
 * is terminated here, by the same {@linkcode TlsServer} as the TCP port;
 * Deno's server WebSocket, once it has sent its close frame, waits for the
 * client's answer with no time limit (denoland/deno#27924), so a client
 * that never answers would keep its socket outside every limit, and only
 * the owner of the socket can really close it ({@linkcode Relayed.kill});
 * and connections per address are bounded here before the HTTP server
 * spends anything on them. The HTTP side still learns the real client
 * address (by the backend connection's source port), and refuses any
 * connection to its loopback port that did not come through here.
 */
export class WebFront {
  readonly #listener: Acceptor & { readonly addr: Deno.Addr; close(): void };
  readonly #backend: Deno.NetAddr;
  readonly #hub: Hub;
  readonly #limits: AddressLimits;
  /** Backend connections' local ports -> the client each relays. */
  readonly #clients = new Map<number, Relayed>();
  readonly #open = new Set<StreamConn>();
  #closing = false;

  constructor(
    listener: Acceptor & { readonly addr: Deno.Addr; close(): void },
    backend: Deno.NetAddr,
    hub: Hub,
  ) {
    this.#listener = listener;
    this.#backend = backend;
    this.#hub = hub;
    // Browsers open a few connections per page; one address may hold as
    // many as it may hold chat connections, and no more.
    this.#limits = new AddressLimits(() => ({
      perAddress: hub.config.maxPerIp,
      pendingPerAddress: hub.config.maxPendingPerIp,
    }));
  }

  /** The public address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  /** The client a backend connection (by its source port) relays; undefined: not ours. */
  clientOf(port: number): Relayed | undefined {
    return this.#clients.get(port);
  }

  /** Accepts until {@linkcode close}. */
  async run(): Promise<void> {
    while (!this.#closing) {
      let conn: Conn;
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

  async #relay(client: Conn): Promise<void> {
    const remote = client.remoteAddr as Deno.NetAddr;
    const address = clientAddress(remote.hostname);
    const tls = client instanceof TlsConn;
    const label = `${tls ? "https" : "http"} ${remote.hostname}:${remote.port}`;
    this.#open.add(client);
    // A trusted proxy carries many clients: they are counted one by one
    // behind it, by the address it forwards.
    const slot = this.#hub.config.trustProxy.contains(address)
      ? UNLIMITED
      : this.#limits.take(address);
    let backend: Deno.TcpConn | undefined;
    try {
      if (typeof slot === "string") {
        this.#hub.stats.refusedAddress++;
        return;
      }
      if (!tls) {
        (client as Deno.TcpConn).setNoDelay(true);
        (client as Deno.TcpConn).setKeepAlive(true);
      } else if (
        !(await tlsHandshake(client, this.#hub.config.handshakeTimeoutMs, this.#hub, label))
      ) {
        return;
      }
      // Past the TLS handshake the connection no longer counts as joining.
      slot.joined();
      backend = await Deno.connect({ hostname: this.#backend.hostname, port: this.#backend.port });
      backend.setNoDelay(true);
      const port = (backend.localAddr as Deno.NetAddr).port;
      const pair = [client, backend];
      this.#clients.set(port, {
        address,
        from: `${remote.hostname}:${remote.port}`,
        kill: () => pair.forEach(closeQuietly),
      });
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
        closeQuietly(c);
      }
    }
  }

  async #pipeBoth(a: StreamConn, b: StreamConn): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cut = () => {
      timer ??= setTimeout(() => [a, b].forEach(closeQuietly), HALF_CLOSED_MS);
    };
    const activity = { at: Date.now() };
    const limit = Math.max(IDLE_MS, this.#hub.config.pingTimeoutMs);
    const idle = setInterval(() => {
      if (Date.now() - activity.at > limit) [a, b].forEach(closeQuietly);
    }, limit / 3);
    Deno.unrefTimer(idle);
    try {
      await Promise.all([pipe(a, b, activity).finally(cut), pipe(b, a, activity).finally(cut)]);
    } finally {
      clearTimeout(timer);
      clearInterval(idle);
    }
  }

  /** Stops accepting and closes every relayed connection. Safe to call twice. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#listener.close();
    this.#open.forEach(closeQuietly);
  }
}

function closeQuietly(c: StreamConn): void {
  try {
    c.close();
  } catch {
    // already closed
  }
}

/**
 * Copies `from` to `to` until `from` ends, then ends `to`'s writing side;
 * `activity.at` is the time of the last bytes. Never throws.
 */
async function pipe(from: StreamConn, to: StreamConn, activity: { at: number }): Promise<void> {
  const buf = new Uint8Array(CHUNK);
  try {
    while (true) {
      const n = await from.read(buf);
      if (n === null) break;
      activity.at = Date.now();
      // A copy: a TLS socket may keep the bytes it was given until they are
      // sent, and `buf` is read into again at once.
      const bytes = buf.slice(0, n);
      let off = 0;
      while (off < n) off += await to.write(bytes.subarray(off));
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
