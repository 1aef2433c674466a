import type { Chat } from "../core/chat.ts";
import { type FileMeta, isFileId } from "./file_store.ts";
import type { WebFiles } from "./web_files.ts";

/** Raster images the page shows inline; everything else (SVG included: it can hold script) is an attachment. */
const INLINE = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "image/bmp",
]);

/**
 * A downloaded file can never run in the page's origin: no script, no
 * plugin, no frame, a sandbox of its own (an HTML or SVG file opened
 * directly shows as inert text or markup).
 */
const FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body + "\n", {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** `Content-Disposition` with a plain fallback and the UTF-8 name (RFC 6266, RFC 8187). */
function disposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** One byte range of `size`, from a `Range` header; null: serve it all; "bad": 416. */
export function parseRange(header: string | null, size: number): [number, number] | null | "bad" {
  if (header === null) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges (a comma) or another unit: the whole file is a valid answer.
  if (!m) return header.includes(",") || !header.startsWith("bytes=") ? null : "bad";
  if (m[1] === "" && m[2] === "") return "bad";
  let start: number, end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "bad";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) return "bad";
  return [start, end];
}

/** The bytes `from`..`to` of an open file, as a stream that closes the file when done. */
function slice(file: Deno.FsFile, from: number, to: number): ReadableStream<Uint8Array> {
  let left = to - from + 1;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          if (from > 0) await file.seek(from, Deno.SeekMode.Start);
        }
        if (left <= 0) {
          file.close();
          controller.close();
          return;
        }
        const buf = new Uint8Array(Math.min(left, 64 * 1024));
        const n = await file.read(buf);
        if (n === null) {
          file.close();
          controller.close();
          return;
        }
        left -= n;
        controller.enqueue(n === buf.length ? buf : buf.subarray(0, n));
      } catch (err) {
        try {
          file.close();
        } catch {
          // closed already
        }
        controller.error(err);
      }
    },
    cancel() {
      try {
        file.close();
      } catch {
        // closed already
      }
    },
  });
}

/** `GET`/`HEAD /files/<id>/<name>`: the file, as an attachment (raster images inline). */
async function download(req: Request, files: WebFiles, id: string): Promise<Response> {
  const meta: FileMeta | null = isFileId(id) ? await files.store.meta(id) : null;
  const file = meta ? await files.store.open(id) : null;
  if (!meta || !file) {
    return text(404, "no such file: it may have been deleted with its message (retention)");
  }
  const headers: Record<string, string> = {
    "content-type": meta.type,
    "content-disposition": disposition(INLINE.has(meta.type) ? "inline" : "attachment", meta.name),
    "x-content-type-options": "nosniff",
    "content-security-policy": FILE_CSP,
    "cross-origin-resource-policy": "same-origin",
    "accept-ranges": "bytes",
    "etag": `"${meta.sha256}"`,
    "cache-control": "private, max-age=86400, immutable",
  };
  const range = parseRange(req.headers.get("range"), meta.size);
  if (range === "bad") {
    file.close();
    return text(416, `the range is outside the file's ${meta.size} bytes`, {
      "content-range": `bytes */${meta.size}`,
    });
  }
  const [from, to] = range ?? [0, meta.size - 1];
  const length = meta.size === 0 ? 0 : to - from + 1;
  headers["content-length"] = String(length);
  if (range) headers["content-range"] = `bytes ${from}-${to}/${meta.size}`;
  if (req.method === "HEAD" || length === 0) {
    file.close();
    return new Response(null, { status: range ? 206 : 200, headers });
  }
  files.stats.downloads++;
  return new Response(slice(file, from, to), { status: range ? 206 : 200, headers });
}

/** `PUT /files/upload/<one-time id>`: exactly the announced bytes, then the room's message. */
async function upload(req: Request, files: WebFiles, id: string): Promise<Response> {
  const t = files.take(id);
  if (!t) {
    files.refused("expired");
    return text(
      404,
      "this upload URL is unknown, used or expired (they work once, for 10 minutes): ask for a new one",
    );
  }
  if (!files.present(t)) {
    files.store.release(t.size);
    files.refused("gone");
    return text(410, `the upload's sender is no longer in #${t.room.name}: join and ask again`);
  }
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) !== t.size) {
    files.store.release(t.size);
    files.refused("lied");
    const status = Number(declared) > t.size ? 413 : 400;
    return text(status, `this upload is for exactly ${t.size} bytes, not ${declared}`);
  }
  const body = req.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  const result = await files.store.receive(body, t.size, {
    name: t.name,
    room: t.room.name,
    from: t.member.name,
  });
  if ("reason" in result) {
    files.refused(result.reason === "io" ? "io" : result.reason === "too_long" ? "lied" : "cut");
    const status = result.reason === "too_long" ? 413 : result.reason === "too_short" ? 400 : 507;
    return text(status, `upload failed: ${result.message}`);
  }
  if (!files.present(t)) {
    await files.store.remove(result);
    files.refused("gone");
    return text(410, `the upload's sender left #${t.room.name} meanwhile: nothing was shared`);
  }
  const file = files.share(t, result);
  return new Response(JSON.stringify({ file }) + "\n", {
    status: 201,
    headers: { "content-type": "application/json" },
  });
}

/**
 * Routes `/files/…`: uploads (`PUT /files/upload/<id>`) and downloads
 * (`GET`/`HEAD /files/<id>/<name>`); undefined for any other path. A
 * banned address gets 403 for both.
 */
export function filesRoute(
  req: Request,
  path: string,
  address: string,
  chat: Chat,
  files: WebFiles | undefined,
): Response | Promise<Response> | undefined {
  if (!path.startsWith("/files/")) return undefined;
  if (!files) return text(404, "file sharing is off on this server");
  const ban = chat.moderation.bannedAddress(address);
  if (ban) {
    files.refused("banned");
    return text(403, chat.moderation.bannedText(ban));
  }
  const parts = path.slice("/files/".length).split("/");
  if (parts[0] === "upload" && parts.length === 2) {
    if (req.method !== "PUT") {
      return text(405, "upload with PUT: curl -T FILE URL", { allow: "PUT" });
    }
    return upload(req, files, parts[1]);
  }
  if (parts.length === 2) {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return text(405, "files are read with GET", { allow: "GET, HEAD" });
    }
    return download(req, files, parts[0]);
  }
  return text(404, "no such file");
}
