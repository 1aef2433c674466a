import type { ChatMessage, FileInfo, ServerEvent } from "../protocol/events.ts";
import { nameKey } from "../protocol/names.ts";
import { bansText, fileSize, moderationText, presenceText } from "../protocol/plain.ts";
import { sanitize } from "../protocol/sanitize.ts";
import { fileOf } from "./file_list.ts";
import { displayWidth, wrapCells } from "./width.ts";

/** How to render: who is looking, how wide the screen is, whether to colour. */
export interface RenderOptions {
  /** Your current name: mentions of it are highlighted. */
  me: string;
  /** Terminal width in cells. @default 80 */
  columns?: number;
  /** ANSI colours on or off. */
  color: boolean;
  /** Formats a timestamp; the default is local HH:MM. */
  time?: (ts: string | undefined) => string;
  /**
   * The number `/get` takes for a shared file: with it, a message sharing
   * one shows as "bob shared report.pdf (47.1 kB) — /get 3".
   */
  fileNumber?: (file: FileInfo) => number;
  /** Every message line shows its `#seq` after the time (`/seqs`), for /edit and /delete. */
  seqs?: boolean;
}

/** How {@linkcode Renderer.message} lays out one message beyond the usual. */
export interface MessageStyle {
  /** Its `#seq` after the time, even without {@linkcode RenderOptions.seqs} (/history). */
  seq?: boolean;
  /** Its room in front, even the current one's, undimmed (/search). */
  withRoom?: boolean;
  /** The date too when it is not today's (old messages in /history and /search). */
  date?: boolean;
}

/** Rendered lines, and whether they call for the terminal bell. */
export interface Rendered {
  lines: string[];
  bell: boolean;
}

// Readable on dark and light backgrounds; no red (errors) and no grey (notices).
const PALETTE = [32, 33, 34, 35, 36, 92, 93, 94, 95, 96] as const;
const RESET = "\x1b[0m";

/** The palette colour of a name: the same name always gets the same colour, any case. */
export function nameColor(name: string): number {
  // FNV-1a: small, stable across runs and machines.
  let h = 0x811c9dc5;
  for (const ch of nameKey(name)) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return PALETTE[h % PALETTE.length];
}

/** Local time as HH:MM; "--:--" for a missing or bad timestamp. */
export function hhmm(ts: string | undefined): string {
  const d = ts ? new Date(ts) : new Date();
  if (Number.isNaN(d.getTime())) return "--:--";
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** HH:MM today, "YYYY-MM-DD HH:MM" another day: an old message's time says which day. */
export function when(ts: string | undefined, now: Date = new Date()): string {
  const d = ts ? new Date(ts) : now;
  if (Number.isNaN(d.getTime())) return "--:--";
  const p = (n: number) => String(n).padStart(2, "0");
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  const today = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
  return day === today ? hhmm(ts) : `${day} ${hhmm(ts)}`;
}

/** True when `text` mentions `name` as a word, in any case. */
export function mentions(text: string, name: string): boolean {
  if (name === "") return false;
  const t = nameKey(text);
  const n = nameKey(name);
  let i = t.indexOf(n);
  while (i >= 0) {
    const before = i === 0 ? "" : t[i - 1];
    const after = t[i + n.length] ?? "";
    if (!/[\p{L}\p{N}_]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return true;
    i = t.indexOf(n, i + 1);
  }
  return false;
}

// The server already strips control characters; a client must not trust that.
const clean = (v: unknown): string => sanitize(typeof v === "string" ? v : String(v ?? ""));

/** The names, each operator's marked: "alice (op)". */
export function withOps(names: readonly string[], ops: readonly string[] | undefined): string[] {
  const op = new Set((ops ?? []).map(nameKey));
  return names.map((n) => op.has(nameKey(n)) ? `${n} (op)` : n);
}

/** Renders events to terminal lines. */
export class Renderer {
  options: RenderOptions;

  constructor(options: RenderOptions) {
    this.options = options;
  }

  #paint(code: string, text: string): string {
    return this.options.color ? `\x1b[${code}m${text}${RESET}` : text;
  }

  #name(name: string): string {
    return this.#paint(String(nameColor(name)), name);
  }

  #time(ts: string | undefined): string {
    return this.#paint("2", (this.options.time ?? hhmm)(ts));
  }

  /**
   * Lays out `prefix` + `text`, wrapping the text to the screen with
   * continuation lines indented under its first character, measured in
   * cells so wide characters and emoji keep the column.
   */
  #layout(prefix: string, prefixCells: number, text: string, style?: string): string[] {
    const columns = this.options.columns ?? 80;
    const indent = prefixCells <= columns / 2 ? prefixCells : 0;
    const first = wrapCells(text, columns - prefixCells);
    const pieces = first.length === 1 || indent === prefixCells
      ? first
      : [first[0], ...wrapCells(first.slice(1).join(" "), columns - indent)];
    return pieces.map((p, i) => {
      const body = style ? this.#paint(style, p) : p;
      return i === 0 ? prefix + body : " ".repeat(indent) + body;
    });
  }

  /**
   * A room message (from history, the room, or your own once acked).
   * `room`: it is from that room, not the current one: prefixed and dimmed.
   * An edited one ends "(edited)"; a deleted one reads "(deleted)", dimmed.
   */
  message(m: ChatMessage, room?: string, how: MessageStyle = {}): Rendered {
    const from = clean(m.from);
    const text = m.deleted ? "(deleted)" : clean(m.text) + (m.edited ? " (edited)" : "");
    const time = (this.options.time ?? (how.date ? when : hhmm))(m.ts) +
      (how.seq || this.options.seqs ? ` #${m.seq}` : "");
    const mine = nameKey(from) === nameKey(this.options.me);
    const bell = !m.deleted && !mine && mentions(text, this.options.me);
    // bold reverse: hard to miss; another room's line is dim, and so is a deleted one
    const style = bell ? "1;7" : room !== undefined || m.deleted ? "2" : undefined;
    const shownRoom = room ?? (how.withRoom ? m.room : undefined);
    const tag = shownRoom === undefined ? "" : `[#${clean(shownRoom)}] `;
    const name = room === undefined ? this.#name(from) : this.#paint("2", from);
    const stamp = this.#paint("2", time);
    const file = m.file === undefined || m.deleted || !this.options.fileNumber
      ? null
      : fileOf(m.file);
    if (file) {
      // cleanFileName (in fileOf): no bidi overrides, no path, nothing hidden.
      const n = this.options.fileNumber!(file);
      const head = `${tag}${time} ${from} `;
      const painted = `${this.#paint("2", tag)}${stamp} ${name} `;
      const what = `shared ${file.name} (${fileSize(file.size)}) — /get ${n}`;
      return { lines: this.#layout(painted, displayWidth(head), what, style), bell };
    }
    const action = m.action && !m.deleted;
    const head = action ? `${tag}${time} * ${from} ` : `${tag}${time} ${from}: `;
    const painted = this.#paint("2", tag) +
      (action ? `${stamp} * ${name} ` : `${stamp} ${name}: `);
    return { lines: this.#layout(painted, displayWidth(head), text, style), bell };
  }

  /**
   * An edit or a deletion as it happens: "* bob edited #34: new text",
   * "* bob deleted #34"; `room` as for {@linkcode message}.
   */
  revision(e: Extract<ServerEvent, { type: "edit" | "delete" }>, room?: string): Rendered {
    if (e.type === "delete") {
      return { lines: this.notice(`${clean(e.by)} deleted #${e.seq}`, e.ts, room), bell: false };
    }
    const time = (this.options.time ?? hhmm)(e.ts);
    const tag = room === undefined ? "" : `[#${clean(room)}] `;
    const from = clean(e.from);
    const head = `${tag}${time} * ${from} edited #${e.seq}: `;
    const name = room === undefined ? this.#name(from) : this.#paint("2", from);
    const painted = `${this.#paint("2", tag)}${this.#time(e.ts)} * ${name} edited #${e.seq}: `;
    const style = room !== undefined ? "2" : undefined;
    return { lines: this.#layout(painted, displayWidth(head), clean(e.text), style), bell: false };
  }

  /** A notice line: "* text", dimmed, wrapped; `room` as for {@linkcode message}. */
  notice(text: string, ts?: string, room?: string): string[] {
    const time = (this.options.time ?? hhmm)(ts);
    const tag = room === undefined ? "" : `[#${clean(room)}] `;
    return this.#layout(
      `${this.#paint("2", tag)}${this.#time(ts)} `,
      displayWidth(tag + time) + 1,
      `* ${text}`,
      "2",
    );
  }

  /** An error line: "! text", in red. */
  error(text: string): string[] {
    return this.#layout("", 0, `! ${text}`, "31");
  }

  /**
   * Any server event; null for those shown elsewhere or not at all.
   * `room`: the event is of that room, not the current one.
   */
  event(e: ServerEvent, room?: string): Rendered | null {
    const one = (lines: string[], bell = false): Rendered => ({ lines, bell });
    const notice = (text: string, ts?: string) => this.notice(text, ts, room);
    switch (e.type) {
      case "message":
        return this.message(e, room);
      case "room": {
        const names = withOps(e.members, e.ops).map(clean);
        const lines = e.history.flatMap((m) => this.message(m, room).lines);
        lines.push(
          ...notice(
            `Now in #${clean(e.room)}: ${names.length} online: ${names.join(", ")}.` +
              (e.topic ? ` Topic: ${clean(e.topic)}` : ""),
          ),
        );
        return one(lines);
      }
      case "topic":
        return one(
          notice(
            e.text === ""
              ? `${clean(e.from)} cleared the topic`
              : `${clean(e.from)} set the topic: ${clean(e.text)}`,
            e.ts,
          ),
        );
      case "rooms":
        return one(
          notice(`Rooms: ${e.rooms.map((r) => `#${clean(r.name)} (${r.members})`).join(", ")}`),
        );
      case "welcome": {
        const lines = e.history.flatMap((m) => this.message(m).lines);
        const names = withOps(e.members ?? [], e.ops).map(clean);
        lines.push(
          ...this.notice(
            `Welcome, ${clean(e.name)}! ${names.length} online: ${names.join(", ")}. ` +
              "Type /help for commands.",
          ),
        );
        return one(lines);
      }
      case "dm": {
        const from = clean(e.from);
        const to = clean(e.to);
        const time = (this.options.time ?? hhmm)(e.ts);
        const sent = nameKey(from) === nameKey(this.options.me) && nameKey(to) !== nameKey(from);
        const head = sent ? `${time} (private) to ${to}: ` : `${time} (private) ${from}: `;
        const painted = sent
          ? `${this.#time(e.ts)} ${this.#paint("35", "(private)")} to ${this.#name(to)}: `
          : `${this.#time(e.ts)} ${this.#paint("35", "(private)")} ${this.#name(from)}: `;
        return one(this.#layout(painted, displayWidth(head), clean(e.text)), !sent);
      }
      case "join":
        return one(notice(`${clean(e.name)} joined`, e.ts));
      case "leave": {
        const why = e.reason && e.reason !== "quit" && e.reason !== "part"
          ? ` (${clean(e.reason)})`
          : "";
        return one(notice(`${clean(e.name)} left${why}`, e.ts));
      }
      case "presence":
        return one(notice(
          presenceText({ ...e, joined: e.joined.map(clean), left: e.left.map(clean) }),
          e.ts,
        ));
      case "nick":
        return one(this.notice(`${clean(e.from)} is now ${clean(e.to)}`, e.ts));
      case "members": {
        const names = withOps(e.names ?? [], e.ops).map(clean);
        return one(notice(`${names.length} online: ${names.join(", ")}`));
      }
      case "error":
        return one(this.error(`${clean(e.message)} (${clean(e.code)})`));
      case "shutdown":
        return one(this.notice(`server: ${clean(e.message)}`));
      case "notice":
        return one(this.notice(`server: ${clean(e.text)}`));
      case "moderation":
        return one(notice(moderationText({
          ...e,
          target: clean(e.target),
          by: clean(e.by),
          reason: e.reason === undefined ? undefined : clean(e.reason),
          until: e.until === undefined ? undefined : clean(e.until),
        })));
      case "bans":
        return one(notice(bansText((e.bans ?? []).map((b) => ({
          ...b,
          target: clean(b.target),
          by: clean(b.by),
          reason: b.reason === undefined ? undefined : clean(b.reason),
          until: b.until === undefined ? undefined : clean(b.until),
        })))));
      case "edit":
      case "delete":
        return this.revision(e, room);
      case "ack":
      case "pong":
        return null;
      default:
        return null; // a newer server's event type: ignored
    }
  }
}
