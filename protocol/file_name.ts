import { sanitize } from "./sanitize.ts";

/** Most UTF-8 bytes of a file name (what file systems allow). */
export const MAX_FILE_NAME_BYTES = 200;

// Bidirectional overrides and isolates: "gpj.exe" shown as "exe.jpg".
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const encoder = new TextEncoder();

/**
 * A file name safe to show and to save: its last path component only (no
 * `..`, no `/` or `\`), without control characters or bidirectional
 * overrides, not hidden (no leading dot), at most 200 bytes keeping the
 * extension; "file" when nothing is left.
 *
 * @example
 * cleanFileName("../../etc/passwd") // "passwd"
 */
export function cleanFileName(raw: string): string {
  let name = sanitize(raw).replace(BIDI, "");
  name = name.split(/[/\\]/).pop() ?? "";
  name = name.replace(/^[.\s]+/, "").replace(/[\s.]+$/, "").replace(/[<>:"|?*]/g, "_");
  if (name === "") return "file";
  if (encoder.encode(name).length <= MAX_FILE_NAME_BYTES) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
  let stem = [...name.slice(0, name.length - ext.length)];
  while (encoder.encode(stem.join("") + ext).length > MAX_FILE_NAME_BYTES) stem = stem.slice(0, -1);
  return stem.join("") + ext;
}
