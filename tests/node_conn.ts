// A TCP connection from a chosen local address. Deno.connect cannot bind
// the client side, and the tests need a second client machine: 127.0.0.2
// on loopback. node:net can (localAddress); this wraps its socket in the
// few methods the line clients use.
import net from "node:net";
import tls from "node:tls";
import { Buffer } from "node:buffer";

/** The part of a connection the test clients use. */
export interface ByteConn {
  read(buf: Uint8Array): Promise<number | null>;
  write(buf: Uint8Array): Promise<number>;
  close(): void;
}

/**
 * Connects to 127.0.0.1:`port` from `localAddress` (e.g. "127.0.0.2");
 * with `ca` (PEM text), over TLS to "localhost", trusting it.
 */
export function connectFrom(localAddress: string, port: number, ca?: string): Promise<ByteConn> {
  const raw = net.connect({ host: "127.0.0.1", port, localAddress });
  const socket: net.Socket = ca === undefined
    ? raw
    : tls.connect({ socket: raw, servername: "localhost", ca });
  if (socket !== raw) raw.on("error", () => {});
  const chunks: Uint8Array[] = [];
  let ended = false;
  let failed: Error | null = null;
  let wake: (() => void) | null = null;
  socket.on("data", (d: Buffer) => {
    chunks.push(new Uint8Array(d));
    wake?.();
  });
  socket.on("end", () => {
    ended = true;
    wake?.();
  });
  socket.on("close", () => {
    ended = true;
    wake?.();
  });
  socket.on("error", (e: Error) => {
    failed = e;
    wake?.();
  });
  const conn: ByteConn = {
    async read(buf) {
      while (chunks.length === 0) {
        if (ended || failed) return null;
        await new Promise<void>((r) => wake = r);
        wake = null;
      }
      const c = chunks[0];
      const n = Math.min(c.length, buf.length);
      buf.set(c.subarray(0, n));
      if (n === c.length) chunks.shift();
      else chunks[0] = c.subarray(n);
      return n;
    },
    write(buf) {
      if (failed || ended) return Promise.reject(failed ?? new Error("closed"));
      return new Promise((resolve, reject) =>
        socket.write(
          Buffer.from(buf),
          (err?: Error | null) => err ? reject(err) : resolve(buf.length),
        )
      );
    },
    close() {
      socket.destroy();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once(ca === undefined ? "connect" : "secureConnect", () => resolve(conn));
    socket.once("error", reject);
  });
}
