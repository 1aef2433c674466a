/// <reference lib="dom" />
/**
 * How a shared file looks in the log: a raster image as a thumbnail that
 * opens full size in an overlay (or, with a modifier key or a middle click,
 * in a new tab), anything else as a card with its name, its size and a
 * download link. Built with DOM methods and textContent only: a file's name
 * is never parsed as HTML.
 *
 * Every link and image uses the URL's path on the page's own origin: the
 * page's CSP allows nothing else, and a message can never point the page
 * at another site.
 */
import type { FileInfo } from "../protocol/events.ts";
import { fileSize } from "../protocol/plain.ts";
import { el } from "./dom.ts";

/** The types shown inline as thumbnails (the server serves them inline; SVG never is). */
const IMAGES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** True when a file of MIME type `type` is shown as a thumbnail. */
export function isImage(type: string): boolean {
  return IMAGES.has(type.toLowerCase());
}

/**
 * The path (and query) of a URL the server gave, to use on the page's own
 * origin; null when it is not an http(s) URL under /files/.
 */
export function sameOriginPath(url: string, base = "http://localhost/"): string | null {
  let u: URL;
  try {
    u = new URL(url, base);
  } catch {
    return null;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return null;
  if (!u.pathname.startsWith("/files/")) return null;
  return u.pathname + u.search;
}

/** A short label for a file's kind, from its name: "PDF", "ZIP"; "FILE" when there is none. */
export function kindLabel(name: string): string {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(name);
  return m ? m[1].toUpperCase() : "FILE";
}

/** The name (the message's text, hence the `text` class) and the size. */
function meta(file: FileInfo): HTMLSpanElement {
  const span = el("span", "file-meta");
  span.append(
    el("span", "text file-name", file.name),
    " ",
    el("span", "file-size", fileSize(file.size)),
  );
  return span;
}

/** A non-image: a card with the name, the size and a download link. */
function card(file: FileInfo, path: string | null): HTMLSpanElement {
  const c = el("span", "file-card");
  const icon = el("span", "file-icon", kindLabel(file.name));
  icon.setAttribute("aria-hidden", "true");
  c.append(icon, meta(file));
  if (path !== null) {
    const a = el("a", "file-download", "Download");
    a.href = path;
    a.download = file.name;
    a.setAttribute("aria-label", `Download ${file.name} (${fileSize(file.size)})`);
    c.append(a);
  } else c.append(el("span", "file-gone", "no link"));
  return c;
}

/** An image: a thumbnail (its size set by the style sheet) linking to the file, and its name. */
function thumbnail(file: FileInfo, path: string): HTMLSpanElement {
  const box = el("span", "file-image");
  const a = el("a", "thumb");
  a.href = path;
  a.target = "_blank";
  a.rel = "noopener";
  a.dataset.name = file.name;
  a.setAttribute("aria-label", `${file.name} (${fileSize(file.size)}): open full size`);
  const img = el("img");
  img.alt = file.name;
  img.decoding = "async";
  img.src = path;
  // Gone (retention deleted it) or not an image after all: the card says so.
  img.addEventListener("error", () => box.replaceWith(card(file, path)), { once: true });
  a.append(img);
  box.append(a, meta(file));
  return box;
}

/** What a file message shows after the sender's name. */
export function fileBody(file: FileInfo): HTMLSpanElement {
  const path = sameOriginPath(file.url, location.href);
  return path !== null && isImage(file.type) ? thumbnail(file, path) : card(file, path);
}

/** The overlay's elements (see index.html). */
export interface ViewerElements {
  dialog: HTMLDialogElement;
  title: HTMLElement;
  /** Holds the image while it is shown (the page has no <img> but the files'). */
  frame: HTMLDivElement;
  open: HTMLAnchorElement;
  download: HTMLAnchorElement;
  close: HTMLButtonElement;
}

/**
 * Clicks on thumbnails in `log` open the image full size in an overlay
 * (Escape, Close or a click beside it closes it); a click with a modifier
 * key or the middle button follows the link as usual (a new tab).
 */
export function imageViewer(log: HTMLElement, v: ViewerElements): void {
  log.addEventListener("click", (e) => {
    const a = (e.target as Element | null)?.closest?.("a.thumb") as HTMLAnchorElement | null;
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    const path = a.getAttribute("href") ?? "";
    const name = a.dataset.name ?? "";
    v.title.textContent = name;
    const img = el("img", "viewer-img");
    img.alt = name;
    img.src = path;
    v.frame.replaceChildren(img);
    v.open.href = path;
    v.download.href = path;
    v.download.download = name;
    v.dialog.showModal();
  });
  v.close.addEventListener("click", () => v.dialog.close());
  v.dialog.addEventListener("close", () => v.frame.replaceChildren());
  // A click on the backdrop (the dialog itself, not what is in it) closes it.
  v.dialog.addEventListener("click", (e) => {
    if (e.target === v.dialog) v.dialog.close();
  });
}
