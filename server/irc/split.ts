const encoder = new TextEncoder();

/** UTF-8 bytes of one code point. */
function utf8Bytes(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes each, on
 * character boundaries, that joined give `text` exactly: an IRC line holds
 * 512 bytes, a chat message more. `maxBytes` below 4 still makes progress.
 *
 * @example
 * splitUtf8("héllo", 3) // ["hé", "llo"]
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  const max = Math.max(4, maxBytes);
  // Most messages fit: one encode to know, no per-character walk.
  if (text.length * 3 <= max || encoder.encode(text).length <= max) return [text];
  const out: string[] = [];
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const b = utf8Bytes(cp);
    if (bytes + b > max) {
      out.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += b;
    i += units;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** UTF-8 length of a string. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}
