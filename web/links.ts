/**
 * Where a message's text holds a web address to make clickable. Only text
 * that literally starts with http:// or https:// (any case, ASCII letters
 * only) and that `new URL()` reads as an http: or https: URL is a link:
 * "javascript:", "data:", "jav\tascript:", "hxxp://", entities such as
 * "&#58;" and look-alike letters never are. No DOM here: the page builds
 * the <a> from `href` and the text with textContent.
 */

/** A link in a text: [start, end) and the URL to open. */
export interface Link {
  start: number;
  end: number;
  /** The parsed URL (`URL.href`): what the browser opens, punycode and all. */
  href: string;
}

// A candidate: the scheme in ASCII letters (no /i flag: with it, /s/iu would
// also match "ſ"), not glued to what is before it (a word, or "javascript:",
// "&#58;" and the like: "javascript:http://x" shows no half link), up to
// white space, a
// control or format character (bidi overrides, zero-width spaces), or a
// character that cannot be in a URL typed in text.
const CANDIDATE =
  /(?<![\p{L}\p{N}\p{M}_:/@&;#%\\-])[hH][tT][tT][pP][sS]?:\/\/[^\s\p{Cc}\p{Cf}\p{Z}<>"`\\^{|}]+/gu;

/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = /[.,;:!?'*_~…]$/u;

const CLOSERS: Record<string, string> = { ")": "(", "]": "[" };

/** `s` without the punctuation around it that is the sentence's, not the URL's. */
function trim(s: string): string {
  for (;;) {
    if (TRAILING.test(s)) {
      s = s.slice(0, -1);
      continue;
    }
    const last = s.at(-1) ?? "";
    const open = CLOSERS[last];
    // "(see https://en.wikipedia.org/wiki/Foo_(bar))": only the unmatched ")" goes.
    if (open !== undefined && count(s, last) > count(s, open)) {
      s = s.slice(0, -1);
      continue;
    }
    return s;
  }
}

const count = (s: string, ch: string): number => s.split(ch).length - 1;

/**
 * The http and https links in `text`, in order.
 *
 * @example
 * findLinks("see https://example.org/a.") // [{ start: 4, end: 25, href: "https://example.org/a" }]
 * findLinks("javascript:alert(1)")        // []
 */
export function findLinks(text: string): Link[] {
  const out: Link[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const raw = trim(m[0]);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") continue;
    out.push({ start: m.index!, end: m.index! + raw.length, href: url.href });
  }
  return out;
}
