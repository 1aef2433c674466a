// The client address of a request that came through a reverse proxy.
import parseForwarded from "forwarded-parse";
import { type CidrList, clientAddress, isAddress } from "../core/address.ts";

/**
 * The address a web request really comes from. When the connection's peer
 * is a trusted proxy (`--trust-proxy`), the `Forwarded` header (RFC 7239)
 * or else `X-Forwarded-For` names the hops; they are walked from the
 * nearest one back, skipping trusted proxies, and the first untrusted hop is
 * the client. A header that does not parse, or a hop that is not an
 * address ("unknown", an obfuscated name), stops the walk at the last hop
 * known for sure. An untrusted peer's headers are ignored: anybody can send
 * them.
 *
 * @example
 * // peer 10.0.0.2 is nginx (trusted), the header says 203.0.113.9
 * realClient(new Headers({ "x-forwarded-for": "203.0.113.9" }), "10.0.0.2", trusted)
 * // "203.0.113.9"
 */
export function realClient(headers: Headers, peer: string, trusted: CidrList): string {
  const from = clientAddress(peer);
  if (!trusted.contains(from)) return from;
  const hops = forwardedHops(headers);
  let client = from;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop === null) break;
    client = hop;
    if (!trusted.contains(hop)) break;
  }
  return client;
}

/** The hops a request went through, client first; null for one that is not an address. */
function forwardedHops(headers: Headers): (string | null)[] {
  const forwarded = headers.get("forwarded");
  if (forwarded !== null) {
    try {
      return parseForwarded(forwarded).map((e) => e.for === undefined ? null : hostOf(e.for));
    } catch {
      return [null];
    }
  }
  const xff = headers.get("x-forwarded-for");
  if (xff === null) return [];
  return xff.split(",").map((s) => hostOf(s.trim()));
}

/** "203.0.113.9", "[2001:db8::1]:4711" or "198.51.100.7:80" -> the address, or null. */
function hostOf(value: string): string | null {
  let host = value;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) host = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(value)) host = value.slice(0, value.lastIndexOf(":"));
  return isAddress(host) ? clientAddress(host) : null;
}
