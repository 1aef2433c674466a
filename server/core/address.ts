// Client addresses, as limits (and later bans) see them. Everything keyed by
// an address goes through `clientAddress` and `addressKey`, so IPv4-mapped
// IPv6 and the IPv6 /64 rule live in one place.
import ipaddr from "ipaddr.js";

/**
 * The canonical text of a client's address: IPv4 dotted, IPv6 compressed,
 * an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as the IPv4 address it is.
 * Anything that does not parse is returned trimmed, as it is.
 *
 * @example
 * clientAddress("::ffff:10.0.0.7") // "10.0.0.7"
 */
export function clientAddress(raw: string): string {
  const text = raw.trim().replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(text)) return text;
  return ipaddr.process(text).toString();
}

/** True when `text` is an IPv4 or IPv6 address (not a name, not a range). */
export function isAddress(text: string): boolean {
  return ipaddr.isValid(text);
}

/**
 * The key that per-address limits count under: the IPv4 address itself, or
 * the /64 an IPv6 address belongs to (one machine is routinely given a whole
 * /64, so counting single IPv6 addresses would not limit anybody).
 *
 * @example
 * addressKey("2001:db8:1:2:aaaa::1") // "2001:db8:1:2::/64"
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const a = ipaddr.process(address);
  if (a.kind() === "ipv4") return a.toString();
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString().replace(/::$/, "")}::/64`;
}

/** A list of address ranges, such as `--trust-proxy 10.0.0.0/8,::1`. */
export class CidrList {
  readonly #ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  readonly text: string;

  private constructor(ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][], text: string) {
    this.#ranges = ranges;
    this.text = text;
  }

  /** The empty list: contains nothing. */
  static readonly none: CidrList = new CidrList([], "");

  /**
   * Parses comma-separated CIDRs or single addresses. Throws `SyntaxError`
   * naming the entry that is not one.
   */
  static parse(raw: string): CidrList {
    const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
    for (const entry of raw.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
      try {
        if (entry.includes("/")) {
          const [addr, bits] = ipaddr.parseCIDR(entry);
          ranges.push([unmap(addr), addr.kind() === "ipv6" && isMapped(addr) ? bits - 96 : bits]);
        } else {
          const addr = unmap(ipaddr.parse(entry));
          ranges.push([addr, addr.kind() === "ipv4" ? 32 : 128]);
        }
      } catch {
        throw new SyntaxError(
          `"${entry}" is not an address or CIDR range like 10.0.0.0/8, 192.168.1.5 or fd00::/8`,
        );
      }
    }
    return new CidrList(ranges, ranges.length === 0 ? "" : raw.trim());
  }

  /** How many ranges are listed. */
  get size(): number {
    return this.#ranges.length;
  }

  /** True when `address` falls in one of the ranges. */
  contains(address: string): boolean {
    if (this.#ranges.length === 0 || !ipaddr.isValid(address)) return false;
    const a = ipaddr.process(address);
    for (const [range, bits] of this.#ranges) {
      if (range.kind() === a.kind() && a.match(range, bits)) return true;
    }
    return false;
  }
}

function isMapped(a: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return a.kind() === "ipv6" && (a as ipaddr.IPv6).isIPv4MappedAddress();
}

function unmap(a: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return isMapped(a) ? (a as ipaddr.IPv6).toIPv4Address() : a;
}
