// The confusables table of Unicode's UTS #39 (confusables.txt, 13.0.0), as
// the npm package unhomoglyph ships it: one source code point → the
// "prototype" it is confusable with. See nameKey in names.ts.
import table from "unhomoglyph/data.json" with { type: "json" };

/**
 * The table with this project's one tweak: ASCII letters and digits are
 * their own prototypes. UTS #39 maps `m` → `rn`, `0` → `O`, `1` → `l`; kept,
 * that would make every existing ASCII name's key change (its Redis keys
 * in a cluster, the order of member lists) and forbid `bob0` next to
 * `bobo`. What the table is for here is other scripts posing as Latin
 * (Cyrillic `а` for `a`), and that is kept whole: a prototype `rn` (of `m`
 * look-alikes such as `ｍ`) is rewritten to `m`, so they still meet the
 * ASCII letter they imitate.
 */
const PROTOTYPES: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>();
  for (const [source, target] of Object.entries(table as Record<string, string>)) {
    const cp = source.codePointAt(0)!;
    if (cp < 0x80) continue;
    map.set(cp, target.replaceAll("rn", "m"));
  }
  return map;
})();

/** Each code point of `text` replaced by its prototype (code points not in the table stay). */
function mapPrototypes(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 ? ch : PROTOTYPES.get(cp) ?? ch;
  }
  return out;
}

/**
 * The UTS #39 skeleton of an already lower-cased string (NFD, each code
 * point to its prototype, NFD again), lower-cased: two strings that look
 * alike have the same skeleton. Not for display: `а` and `a` both become
 * `a`, `ｍ` becomes `m`.
 */
export function skeleton(text: string): string {
  let s = text.normalize("NFD");
  // Prototypes can be capitals (`О` for Cyrillic `о`'s look-alikes), and a
  // lower-cased prototype may itself have one: settle in at most 3 rounds.
  for (let i = 0; i < 3; i++) {
    const next = mapPrototypes(s).normalize("NFD").toLowerCase();
    if (next === s) break;
    s = next;
  }
  return s.normalize("NFC");
}
