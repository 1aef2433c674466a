import { clientAddress } from "../core/address.ts";
import type { Slot } from "./address_limits.ts";
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
/** A refused connection gets this long for its TLS handshake, one request and the answer. */
const REFUSAL_MS = 2000;
/** Refused connections being answered at once; more are closed unanswered. */
const MAX_REFUSALS = 64;

/** A relayed connection, as the HTTP side sees it. */
export interface Relayed {
  /** The client's address. */
  readonly address: string;
  /** The client's host and port, for logs. */
  readonly from: string;
  /** Closes the client's connection now (both sockets). */
  kill(): void;
  /**
   * Its place in the per-address counts, joining until its first request
   * (or, for a WebSocket, until the member joined); null behind a trusted
   * proxy, whose clients are counted by their forwarded address.
   */
  readonly slot: Slot | null;
  /**
   * Why it is refused (over `--max-per-ip` or `--max-pending-per-ip`), or
   * null: a refused connection is relayed only to be told so, by a 503 or,
   * on a WebSocket, `server_full`, and it is cut after {@linkcode REFUSAL_MS}.
   */
  readonly refusal: string | null;
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
  /** Backend connections' local ports -> the client each relays. */
  readonly #clients = new Map<number, Relayed>();
  readonly #open = new Set<StreamConn>();
  #refusals = 0;
  #closing = false;

  constructor(
    listener: Acceptor & { readonly addr: Deno.Addr; close(): void },
    backend: Deno.NetAddr,
    hub: Hub,
  ) {
    this.#listener = listener;
    this.#backend = backend;
    this.#hub = hub;
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
    // behind it, by the address it forwards. Everyone else shares one count
    // with the chat ports; a connection joins once it made a request, so
    // that idle ones (a slow-loris) use the small joining budget.
    const slot = this.#hub.config.trustProxy.contains(address)
      ? null
      : this.#hub.addressSlot(address, "a web connection");
    const refusal = typeof slot === "string" ? slot : null;
    let backend: Deno.TcpConn | undefined;
    let refusing = false;
    let cut: ReturnType<typeof setTimeout> | undefined;
    try {
      if (refusal !== null) {
        if (this.#refusals >= MAX_REFUSALS) return;
        this.#refusals++;
        refusing = true;
        cut = setTimeout(() => [client, backend].forEach((c) => c && closeQuietly(c)), REFUSAL_MS);
      }
      const handshakeMs = refusing ? REFUSAL_MS : this.#hub.config.handshakeTimeoutMs;
      if (!tls) {
        (client as Deno.TcpConn).setNoDelay(true);
        (client as Deno.TcpConn).setKeepAlive(true);
      } else if (!(await tlsHandshake(client, handshakeMs, this.#hub, label))) {
        return;
      }
      backend = await Deno.connect({ hostname: this.#backend.hostname, port: this.#backend.port });
      backend.setNoDelay(true);
      const port = (backend.localAddr as Deno.NetAddr).port;
      const pair = [client, backend];
      this.#clients.set(port, {
        address,
        from: `${remote.hostname}:${remote.port}`,
        kill: () => pair.forEach(closeQuietly),
        slot: typeof slot === "string" ? null : slot,
        refusal,
      });
      this.#open.add(backend);
      try {
        await this.#pipeBoth(client, backend);
      } finally {
        this.#clients.delete(port);
      }
    } finally {
      clearTimeout(cut);
      if (refusing) this.#refusals--;
      if (slot !== null && typeof slot !== "string") slot.release();
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
