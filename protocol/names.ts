import { skeleton } from "./confusables.ts";

/** The longest name, in characters (code points). */
export const MAX_NAME_LENGTH = 32;

const NAME = /^[\p{L}\p{N}_.\-]{1,32}$/u;

/** Why a name cannot be used, or null when it is fine. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return "a name cannot be empty, choose one of 1-32 letters or digits";
  if ([...name].length > MAX_NAME_LENGTH) {
    return `the name is longer than ${MAX_NAME_LENGTH} characters, choose a shorter one`;
  }
  if (!NAME.test(name)) {
    return "a name may only contain letters, digits, _ - and . (no spaces), choose another";
  }
  return null;
}

/** The form in which names are stored and shown: NFC, surrounding spaces trimmed. */
export function normalizeName(name: string): string {
  return name.trim().normalize("NFC");
}

/** A name with only its case folded: tells a look-alike ("аlice" for "alice") from a case change. */
export function foldName(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

// Names have no control characters; this only asks "ASCII only?".
// deno-lint-ignore no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
/** Keys of non-ASCII names, made once each (bounded: cleared when full). */
const KEYS = new Map<string, string>();
const MAX_CACHED_KEYS = 10_000;

/**
 * The key under which names (and room names) are compared: the same for
 * two names that differ only in case, width or compatibility form (NFKC),
 * or that look alike (the Unicode confusables of UTS #39: Cyrillic `аlice`
 * has the key of `alice`). Everything keyed by name — members, name
 * leases, reservations, bans, mutes, rooms — goes through it. An ASCII
 * name's key is its lower case, as before confusables were checked (see
 * `confusables.ts` for why ASCII look-alikes such as `0`/`o` stay apart).
 * Not for display.
 *
 * @example
 * nameKey("Alice") === nameKey("\u0430lice") // true (Cyrillic а)
 */
export function nameKey(name: string): string {
  if (ASCII.test(name)) return name.toLowerCase();
  let key = KEYS.get(name);
  if (key === undefined) {
    key = skeleton(name.normalize("NFKC").toLowerCase());
    if (KEYS.size >= MAX_CACHED_KEYS) KEYS.clear();
    KEYS.set(name, key);
  }
  return key;
}
