import { UsageError } from "../cli/flags.ts";

/** One server `chat join` may connect to. */
export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

// A name or an IPv4 address; IPv6 goes in brackets (or bare, with its colons).
const NAME = /^[\p{L}\p{N}._-]+$/u;
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[\w.-]+)?$/;

function portOf(entry: string, raw: string): number {
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new UsageError(
      `--host entry "${entry}": the port must be a whole number from 1 to 65535, got "${raw}"`,
    );
  }
  return port;
}

/**
 * Parses `--host` values (each may be a comma-separated list) into the
 * servers to try, in order. An entry is `HOST`, `HOST:PORT`, `[V6]`,
 * `[V6]:PORT` or a bare IPv6 address; without a port, `defaultPort`
 * applies. Throws {@linkcode UsageError} naming a bad entry.
 *
 * @example
 * parseHosts(["a,b:9000", "[::1]:7"], 8080)
 * // [{host:"a",port:8080}, {host:"b",port:9000}, {host:"::1",port:7}]
 */
export function parseHosts(values: readonly string[], defaultPort: number): ServerAddress[] {
  const out: ServerAddress[] = [];
  for (const value of values) {
    for (const raw of value.split(",")) {
      const entry = raw.trim();
      if (entry === "") {
        throw new UsageError(
          `--host has an empty entry in "${value}": list servers like a,b:9000`,
        );
      }
      const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(entry);
      let host: string;
      let port = defaultPort;
      if (bracket) {
        host = bracket[1];
        if (bracket[2] !== undefined) port = portOf(entry, bracket[2]);
        if (!IPV6.test(host)) {
          throw new UsageError(`--host entry "${entry}": [${host}] is not an IPv6 address`);
        }
      } else if ((entry.match(/:/g) ?? []).length === 1) {
        const at = entry.indexOf(":");
        host = entry.slice(0, at);
        port = portOf(entry, entry.slice(at + 1));
      } else host = entry;
      if (host === "") {
        throw new UsageError(`--host entry "${entry}" has no host name, try 127.0.0.1:8080`);
      }
      if (!bracket && !NAME.test(host) && !IPV6.test(host)) {
        throw new UsageError(
          `--host entry "${entry}" is not a host name, an IP address or HOST:PORT`,
        );
      }
      out.push(Object.freeze({ host, port }));
    }
  }
  return out;
}

/** `host:port`, with an IPv6 address in brackets: `[::1]:8080`. */
export function formatAddress(a: ServerAddress): string {
  return `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`;
}
