// TLS for the TCP and web ports, on node:net and node:tls. Deno's own TLS
// listener was tried first and left for three reasons, each measured here:
// a connection closed before its TLS handshake finished kept its socket
// open for as long as the client stayed silent (a slow-loris could hold
// file descriptors forever); its sockets offer no keepalive (a vanished
// client was never noticed in a quiet room); and it keeps its certificate
// for life, so a reload had to close and reopen the port. Here the raw TCP
// socket is ours: keepalive and no-delay are set on it, destroying it
// really closes it, and a reload only swaps the context new handshakes use.
import net from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";
import type { TlsPair } from "./tls_pair.ts";

/** Buffered bytes at which reading from the socket pauses, until `read` catches up. */
const HIGH_WATER = 64 * 1024;
/** Keepalive probes start after this much silence, so a vanished peer is found in minutes. */
const KEEPALIVE_MS = 60_000;

/**
 * One TLS connection in the shape the stream transport reads and writes
 * (`read`/`write` as on a `Deno.Conn`): bytes wait in a bounded buffer until
 * read, and the socket is paused while it is full, so TCP flow control holds
 * a client whose lines are not being taken (flood control relies on that).
 */
export class TlsConn {
  readonly remoteAddr: Deno.NetAddr;
  readonly #socket: tls.TLSSocket;
  readonly #raw: net.Socket;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;
  readonly #secure = Promise.withResolvers<void>();

  constructor(raw: net.Socket, context: tls.SecureContext) {
    this.#raw = raw;
    this.remoteAddr = {
      transport: "tcp",
      hostname: raw.remoteAddress ?? "",
      port: raw.remotePort ?? 0,
    };
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    this.#socket = socket;
    // Nothing may be left unhandled: a TLS error is the end of this connection.
    this.#secure.promise.catch(() => {});
    socket.on("secure", () => this.#secure.resolve());
    socket.on("data", (d: Buffer) => {
      this.#chunks.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      this.#buffered += d.byteLength;
      if (this.#buffered >= HIGH_WATER) socket.pause();
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#secure.reject(new Deno.errors.ConnectionReset("closed before the TLS handshake"));
      this.#notify();
    });
    socket.on("error", (err: Error) => {
      this.#error ??= err;
      this.#secure.reject(err);
      this.#notify();
    });
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Resolves once the TLS handshake is done; rejects if it fails or the socket closes first. */
  handshake(): Promise<void> {
    return this.#secure.promise;
  }

  /** Reads into `buf`; null at the end of the stream. Throws the socket's error. */
  async read(buf: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((r) => this.#wake = r);
    }
    let n = 0;
    while (n < buf.length && this.#chunks.length > 0) {
      const c = this.#chunks[0];
      const take = Math.min(c.length, buf.length - n);
      buf.set(c.subarray(0, take), n);
      n += take;
      if (take === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(take);
    }
    this.#buffered -= n;
    if (this.#buffered < HIGH_WATER / 2 && this.#socket.isPaused()) this.#socket.resume();
    return n;
  }

  /**
   * Writes all of `buf` (which must not change afterwards: the socket may
   * hold it until sent). Resolves at once while the socket's buffer has
   * room, else once it drained: the outbox's writer waits exactly as long as
   * on a TCP connection, without a callback per write.
   */
  write(buf: Uint8Array): Promise<number> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#socket.write(buf)) return Promise.resolve(buf.length);
    return new Promise((resolve, reject) => {
      const done = () => {
        this.#socket.off("drain", done);
        this.#socket.off("close", done);
        if (this.#error) reject(this.#error);
        else resolve(buf.length);
      };
      this.#socket.on("drain", done);
      this.#socket.on("close", done);
    });
  }

  /** Ends the writing side (close_notify, then FIN); reading goes on. */
  closeWrite(): Promise<void> {
    return new Promise((resolve) => this.#socket.end(() => resolve()));
  }

  /** Closes the socket now. Safe to call twice. */
  close(): void {
    this.#socket.destroy();
    this.#raw.destroy();
    this.#ended = true;
    this.#notify();
  }
}

/**
 * A TLS listener whose certificate can be replaced while it runs: a reload
 * swaps the context that new handshakes use, the port stays open, and
 * connections already made are not touched.
 */
export class TlsServer {
  readonly addr: Deno.NetAddr;
  readonly #server: net.Server;
  #context: tls.SecureContext;
  #pair: TlsPair;
  readonly #queue: TlsConn[] = [];
  #waiting: { resolve(c: TlsConn): void; reject(e: Error): void } | null = null;
  #closed = false;

  private constructor(server: net.Server, pair: TlsPair) {
    this.#server = server;
    this.#pair = pair;
    this.#context = tls.createSecureContext({ cert: pair.cert, key: pair.key });
    const a = server.address() as net.AddressInfo;
    this.addr = { transport: "tcp", hostname: a.address, port: a.port };
    server.on("connection", (raw: net.Socket) => this.#connection(raw));
    // Accept errors (out of file descriptors) are the server's to log and survive.
    server.on("error", () => {});
  }

  /**
   * Listens on `hostname:port` (0 picks a port). Throws the `Deno.errors`
   * a `Deno.listen` would (AddrInUse, PermissionDenied, AddrNotAvailable).
   */
  static async listen(hostname: string, port: number, pair: TlsPair): Promise<TlsServer> {
    const server = net.createServer({ pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: Error & { code?: string }) => reject(denoError(err)));
      server.listen({ host: hostname, port, backlog: 511 }, () => resolve());
    });
    return new TlsServer(server, pair);
  }

  /** The pair new connections get. */
  get pair(): TlsPair {
    return this.#pair;
  }

  #connection(raw: net.Socket): void {
    if (this.#closed) return void raw.destroy();
    raw.setNoDelay(true);
    raw.setKeepAlive(true, KEEPALIVE_MS);
    raw.on("error", () => {});
    const conn = new TlsConn(raw, this.#context);
    const w = this.#waiting;
    if (w) {
      this.#waiting = null;
      w.resolve(conn);
    } else this.#queue.push(conn);
  }

  /** The next connection; its TLS handshake is under way, not done. */
  accept(): Promise<TlsConn> {
    const next = this.#queue.shift();
    if (next) return Promise.resolve(next);
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("the listener is closed"));
    return new Promise((resolve, reject) => this.#waiting = { resolve, reject });
  }

  /** New connections get `pair` from now on. */
  reload(pair: TlsPair): void {
    this.#context = tls.createSecureContext({ cert: pair.cert, key: pair.key });
    this.#pair = pair;
  }

  /** Stops listening; connections not yet accepted are closed. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const c of this.#queue.splice(0)) c.close();
    this.#waiting?.reject(new Deno.errors.BadResource("the listener is closed"));
    this.#waiting = null;
  }
}

function denoError(err: Error & { code?: string }): Error {
  switch (err.code) {
    case "EADDRINUSE":
      return new Deno.errors.AddrInUse(err.message);
    case "EACCES":
      return new Deno.errors.PermissionDenied(err.message);
    case "EADDRNOTAVAIL":
      return new Deno.errors.AddrNotAvailable(err.message);
    default:
      return err;
  }
}
