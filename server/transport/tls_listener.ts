import type { TlsPair } from "./tls_pair.ts";

/**
 * A TLS listener whose certificate can be replaced while it runs. Deno's
 * listener keeps the certificate it was made with, so a reload closes it
 * and listens again on the same address with the new pair, at once (the
 * port is unbound for well under a millisecond; connections already
 * accepted are separate sockets and carry on untouched). `accept` moves to
 * the new listener by itself.
 */
export class ReloadableTlsListener {
  readonly addr: Deno.NetAddr;
  #listener: Deno.TlsListener;
  #pair: TlsPair;
  #closed = false;

  private constructor(listener: Deno.TlsListener, pair: TlsPair) {
    this.#listener = listener;
    this.#pair = pair;
    this.addr = listener.addr;
  }

  /** Listens on `hostname:port` (0 picks a port); throws as `Deno.listenTls` does. */
  static listen(hostname: string, port: number, pair: TlsPair): ReloadableTlsListener {
    const l = Deno.listenTls({ hostname, port, cert: pair.cert, key: pair.key });
    return new ReloadableTlsListener(l, pair);
  }

  /** The pair new connections get. */
  get pair(): TlsPair {
    return this.#pair;
  }

  /** The next connection; its TLS handshake is not done yet. */
  async accept(): Promise<Deno.TlsConn> {
    while (true) {
      const l = this.#listener;
      try {
        return await l.accept();
      } catch (err) {
        // Closed by a reload: go on with the new listener.
        if (!this.#closed && l !== this.#listener) continue;
        throw err;
      }
    }
  }

  /**
   * New connections get `pair` from now on. Throws when listening again
   * failed; then the old pair is kept (listening again with it).
   */
  reload(pair: TlsPair): void {
    if (this.#closed) return;
    const { hostname, port } = this.addr;
    const old = this.#listener;
    old.close();
    try {
      this.#listener = Deno.listenTls({ hostname, port, cert: pair.cert, key: pair.key });
      this.#pair = pair;
    } catch (err) {
      this.#listener = Deno.listenTls({
        hostname,
        port,
        cert: this.#pair.cert,
        key: this.#pair.key,
      });
      throw err;
    }
  }

  /** Stops listening. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
  }
}
