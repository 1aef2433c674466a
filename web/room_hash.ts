/**
 * The room in the page's address: `http://host:8081/#dev` opens #dev. Pure
 * functions of the hash, so they are tested without a browser.
 */

/**
 * The room a location hash names, or null for none.
 *
 * @example
 * roomFromHash("#dev") // "dev"
 * roomFromHash("#caf%C3%A9") // "café"
 */
export function roomFromHash(hash: string): string | null {
  let raw = hash.replace(/^#/, "");
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // A stray "%": take it as it is; the server judges the name.
  }
  // "#%23dev" (a # typed into the hash) means the same room.
  raw = raw.trim().replace(/^#/, "");
  return raw === "" ? null : raw;
}

/**
 * The hash for `room`: letters and digits stay readable, anything else is
 * escaped.
 *
 * @example
 * hashFor("dev") // "#dev"
 */
export function hashFor(room: string): string {
  return `#${encodeURIComponent(room)}`;
}
