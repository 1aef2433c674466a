/// <reference lib="dom" />
/**
 * Sharing files from the page: the file button, files dropped on the chat,
 * files (screenshots) pasted into the message field. Each goes to the room
 * shown: an `upload` event asks the server, whose answer names a one-time
 * URL; the bytes go there with a PUT (XMLHttpRequest, for its progress and
 * its abort), on the page's own origin. The uploads list shows each one
 * with its progress and a Cancel button, and a refusal with the server's
 * reason. Once the PUT is answered the file's message shows in the room,
 * pending until the ack (which may come before the answer: then it is kept
 * for it).
 */
import type { FileInfo, ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import type { Status } from "./connection.ts";
import { sameOriginPath } from "./file_view.ts";
import type { PageElements } from "./page.ts";
import type { PageState } from "./state.ts";
import type { MessageLog } from "./view.ts";

type Grant = Extract<ServerEvent, { type: "upload" }>;

/** One file on its way. */
interface Upload {
  ref: string;
  file: File;
  /** The room's name, and its key. */
  room: string;
  key: string;
  row: HTMLLIElement;
  bar: HTMLProgressElement;
  percent: HTMLSpanElement;
  /** Set once the bytes are being sent. */
  xhr?: XMLHttpRequest;
  /** The ack's seq, when it came before the PUT's answer. */
  seq?: number;
  /** Cancelled before the grant came: the grant is dropped when it does. */
  cancelled?: true;
}

/** What {@linkcode uploads} needs. */
export interface UploadsDeps {
  page: PageElements;
  state: PageState;
  log: MessageLog;
}

/** What file sharing does for the rest of the page. */
export interface Uploads {
  /** Shares files in the room shown. */
  share(files: Iterable<File>): void;
  /** The server's answer to an `upload`: the URL to send the bytes to. */
  granted(e: Grant): void;
  /** An ack; true when it was an upload's, kept for its PUT's answer. */
  acked(ref: string | undefined, seq: number): boolean;
  /** An error; true when it refused one of our uploads (its row says why). */
  refused(code: string, message: string, ref: string | undefined): boolean;
  /** The connection's status: uploads not yet granted are lost with the socket. */
  connection(s: Status): void;
}

/** Pasted screenshots are all called "image.png": a name with the time tells them apart. */
export function pastedName(name: string, type: string, now = new Date()): string {
  if (name !== "" && !/^image\.(png|jpe?g|gif|webp|bmp)$/i.test(name)) return name;
  const ext = /^image\/(png|jpeg|gif|webp|bmp)$/.exec(type)?.[1].replace("jpeg", "jpg") ??
    (/\.(\w+)$/.exec(name)?.[1] ?? "bin");
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-` +
    `${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `pasted-${stamp}.${ext}`;
}

/** True when a drag carries files (not text or a link). */
const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") === true;

/** Sets up the file button, dropping and pasting, and the uploads list. */
export function uploads(d: UploadsDeps): Uploads {
  const { page, state, log } = d;
  const { fileButton, fileInput, uploadList, chatView, dropTarget, textInput } = page;
  const { conn, pending, tracker, me } = state;
  const active = new Map<string, Upload>();
  let nextRef = 1;

  function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string) {
    const e = document.createElement(tag);
    e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** Changes the list (hidden when empty): the log it takes room from keeps its newest in view. */
  function changeList(change: () => void): void {
    log.keepEnd(() => {
      change();
      uploadList.hidden = uploadList.childElementCount === 0;
    });
  }

  function share(files: Iterable<File>): void {
    const list = [...files];
    if (list.length === 0) return;
    const room = tracker().current;
    if (!room) {
      log.add(log.system("You are in no room: /join ROOM, then share the file there.", true), true);
      return;
    }
    for (const file of list) start(file, room.name);
  }

  function start(file: File, room: string): void {
    const ref = `u${nextRef++}`;
    const row = el("li", "upload");
    const bar = el("progress", "upload-bar");
    bar.max = 100;
    bar.setAttribute("aria-label", `Uploading ${file.name}`);
    const percent = el("span", "upload-percent", "waiting…");
    const cancel = el("button", "upload-cancel", "Cancel");
    cancel.type = "button";
    cancel.setAttribute("aria-label", `Cancel uploading ${file.name}`);
    row.append(
      el("span", "upload-name", file.name),
      el("span", "upload-room", `to #${room}`),
      bar,
      percent,
      cancel,
    );
    const u: Upload = { ref, file, room, key: nameKey(room), row, bar, percent };
    cancel.addEventListener("click", () => abort(u));
    active.set(ref, u);
    changeList(() => uploadList.append(row));
    const sent = conn.send({ type: "upload", room, name: file.name, size: file.size, ref });
    if (!sent) fail(u, "Not connected right now: share it again once the page is back online.");
  }

  /** Cancel: the PUT stops (the server keeps nothing), or the grant is dropped when it comes. */
  function abort(u: Upload): void {
    if (u.xhr) {
      active.delete(u.ref);
      u.xhr.abort();
    } else u.cancelled = true;
    changeList(() => u.row.remove());
    textInput.focus();
  }

  /** The upload failed: its row says why until dismissed. */
  function fail(u: Upload, why: string): void {
    active.delete(u.ref);
    u.row.classList.add("failed");
    const dismiss = el("button", "upload-cancel", "Dismiss");
    dismiss.type = "button";
    dismiss.setAttribute("aria-label", `Dismiss the error about ${u.file.name}`);
    dismiss.addEventListener("click", () => {
      changeList(() => u.row.remove());
      textInput.focus();
    });
    const message = el("span", "upload-error", why);
    message.setAttribute("role", "alert");
    changeList(() =>
      u.row.replaceChildren(el("span", "upload-name", u.file.name), message, dismiss)
    );
  }

  function granted(e: Grant): void {
    const u = e.ref === undefined ? undefined : active.get(e.ref);
    if (!u) return;
    if (u.cancelled) return void active.delete(u.ref);
    const path = sameOriginPath(e.url, location.href);
    if (path === null) {
      return fail(u, `The server gave an upload URL this page cannot use: ${e.url}`);
    }
    const xhr = new XMLHttpRequest();
    u.xhr = xhr;
    xhr.open("PUT", path);
    const progress = (loaded: number) => {
      const pct = u.file.size === 0 ? 100 : Math.floor((loaded / u.file.size) * 100);
      u.bar.value = pct;
      u.percent.textContent = `${pct}%`;
    };
    progress(0);
    xhr.upload.addEventListener("progress", (p) => progress(p.loaded));
    xhr.addEventListener("load", () => {
      if (active.get(u.ref) !== u) return;
      if (xhr.status === 201) {
        let file: FileInfo | undefined;
        try {
          file = JSON.parse(xhr.responseText).file;
        } catch {
          // said below
        }
        if (file && typeof file.url === "string" && typeof file.name === "string") {
          return done(u, file);
        }
        return fail(u, "The server's answer to the upload could not be read.");
      }
      const why = xhr.responseText.trim();
      fail(u, why !== "" ? why : `The upload failed: the server answered ${xhr.status}.`);
    });
    xhr.addEventListener("error", () => {
      if (active.get(u.ref) !== u) return;
      fail(u, "The upload was cut off: the connection to the server broke. Share it again.");
    });
    xhr.send(u.file);
  }

  /** Shared: the file's message shows in its room, pending until the ack unless that came. */
  function done(u: Upload, file: FileInfo): void {
    active.delete(u.ref);
    changeList(() => u.row.remove());
    // Left the room meanwhile: its log is gone (the server refuses such a PUT anyway).
    if (!tracker().get(u.key)) return;
    const li = log.message({ from: me(), text: file.name, file }, me());
    if (u.seq !== undefined) li.dataset.seq = String(u.seq);
    else {
      li.classList.add("pending");
      pending.set(u.ref, { li, text: file.name, room: u.key, url: file.url });
    }
    log.addTo(u.key, li, true);
  }

  function acked(ref: string | undefined, seq: number): boolean {
    const u = ref === undefined ? undefined : active.get(ref);
    if (!u) return false;
    u.seq = seq;
    return true;
  }

  function refused(_code: string, message: string, ref: string | undefined): boolean {
    const u = ref === undefined ? undefined : active.get(ref);
    if (!u) return false;
    if (u.cancelled) active.delete(u.ref);
    else fail(u, message);
    return true;
  }

  function connection(s: Status): void {
    if (s === "online") return;
    if (s === "closed") {
      // We left (or could not come back): nothing goes on, and the list starts empty next time.
      for (const u of active.values()) u.xhr?.abort();
      active.clear();
      return changeList(() => uploadList.replaceChildren());
    }
    for (const u of [...active.values()]) {
      if (u.xhr) continue; // the PUT goes on: the server says if it still can share it
      if (u.cancelled) active.delete(u.ref);
      else fail(u, "The connection dropped before the upload could start: share it again.");
    }
  }

  // The button opens the file picker; the same file can be picked again.
  fileButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const files = [...fileInput.files ?? []];
    fileInput.value = "";
    share(files);
    textInput.focus();
  });

  // Files pasted into the message field (a screenshot) are shared; text pastes as ever.
  textInput.addEventListener("paste", (e) => {
    const files = [...e.clipboardData?.files ?? []];
    if (files.length === 0) return;
    e.preventDefault();
    share(files.map((f) => new File([f], pastedName(f.name, f.type), { type: f.type })));
  });

  // Dropped anywhere on the chat; the drop target shows over the messages while dragging.
  let depth = 0;
  const dragging = (on: boolean) => {
    if (on) {
      const r = tracker().current;
      dropTarget.textContent = r ? `Drop to share in #${r.name}` : "Join a room to share files";
    }
    dropTarget.hidden = !on;
  };
  chatView.addEventListener("dragenter", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    if (depth++ === 0) dragging(true);
  });
  chatView.addEventListener("dragover", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = tracker().current ? "copy" : "none";
  });
  chatView.addEventListener("dragleave", (e) => {
    if (!carriesFiles(e)) return;
    if (--depth <= 0) {
      depth = 0;
      dragging(false);
    }
  });
  chatView.addEventListener("drop", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth = 0;
    dragging(false);
    share(e.dataTransfer?.files ?? []);
  });
  // A file dropped beside the chat would replace the page with it: refused.
  for (const type of ["dragover", "drop"] as const) {
    document.addEventListener(type, (e) => {
      if (e.defaultPrevented || !carriesFiles(e)) return;
      e.preventDefault();
      e.dataTransfer!.dropEffect = "none";
    });
  }
  document.addEventListener("dragend", () => {
    depth = 0;
    dragging(false);
  });

  return { share, granted, acked, refused, connection };
}
