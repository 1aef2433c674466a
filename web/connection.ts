import type { ClientEvent, ServerEvent } from "../protocol/events.ts";
import { RoomTracker } from "../protocol/room_tracker.ts";
import { NameKeys } from "./name_keys.ts";

/** Where the connection stands, for the status line. */
export type Status = "connecting" | "online" | "waiting" | "closed";

/** What a {@linkcode Connection} reports to the page. */
export interface ConnectionHandlers {
  /** Every event from the server, in order. */
  event(e: ServerEvent, resumed: boolean): void;
  /** A change of status; `retryMs` is set while waiting to reconnect. */
  status(s: Status, retryMs?: number): void;
}

/** Waits before reconnect attempts, in ms; the last one repeats. */
const BACKOFF = [500, 1000, 2000, 4000, 8000, 15000];
/** Reconnects refused with name_taken (our old connection not yet gone) before giving up. */
const MAX_TAKEN_RETRIES = 6;

/**
 * The page's WebSocket to the server: sends the hello, and when the socket
 * drops, reconnects with backoff and resumes every room it is in (the hello
 * from its {@linkcode RoomTracker}: the rooms, `since` by room and the
 * epoch), so nothing is missed or shown twice.
 */
export class Connection {
  #rooms: RoomTracker = new RoomTracker();
  readonly #url: string;
  readonly #h: ConnectionHandlers;
  #ws: WebSocket | null = null;
  #name = "";
  /** The room password, kept in memory only, for the reconnects. */
  #password: string | undefined;
  #wanted = false;
  #welcomed = false;
  #everJoined = false;
  #attempt = 0;
  #taken = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The keys of reserved names, kept in localStorage for this server. */
  readonly #keys: NameKeys;
  readonly #server: string;

  constructor(url: string, handlers: ConnectionHandlers, keys: NameKeys = new NameKeys()) {
    this.#url = url;
    this.#h = handlers;
    this.#keys = keys;
    this.#server = new URL(url).host;
  }

  /** The rooms we are in, the current one, and the last seq seen in each. */
  get rooms(): RoomTracker {
    return this.#rooms;
  }

  /** The name we are in the room as (or trying to join as). */
  get name(): string {
    return this.#name;
  }

  /** True while in the room. */
  get joined(): boolean {
    return this.#welcomed;
  }

  /** True when the last hello carried a password. */
  get sentPassword(): boolean {
    return this.#password !== undefined;
  }

  /** Joins as `name` (with the room password, if given): on the open socket if there is one, else a new one. */
  join(name: string, password?: string): void {
    this.#name = name;
    this.#password = password;
    this.#wanted = true;
    if (this.#ws?.readyState === WebSocket.OPEN && !this.#welcomed) this.#hello();
    else if (!this.#ws) this.#open();
  }

  /** Sends an event; false when not in the room right now. */
  send(e: ClientEvent): boolean {
    if (!this.#welcomed || this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(e));
    return true;
  }

  /** Leaves for good: says bye and stops reconnecting. */
  quit(): void {
    this.#wanted = false;
    this.#forget();
    clearTimeout(this.#timer);
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify({ type: "bye" }));
    this.#ws?.close();
  }

  /** Tries again now (the network is back, or the user asked). */
  retryNow(): void {
    if (this.#wanted && !this.#ws) {
      clearTimeout(this.#timer);
      this.#open();
    }
  }

  #open(): void {
    this.#h.status("connecting");
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    ws.onopen = () => this.#hello();
    ws.onmessage = (m) => {
      if (ws !== this.#ws || typeof m.data !== "string") return;
      let e: ServerEvent;
      try {
        e = JSON.parse(m.data);
      } catch {
        return;
      }
      this.#receive(e);
    };
    ws.onclose = () => {
      if (ws !== this.#ws) return;
      this.#ws = null;
      this.#welcomed = false;
      // Only a page that was in the room reconnects by itself; before that,
      // the next try is the user's.
      if (this.#wanted && this.#everJoined) this.#later();
      else {
        this.#wanted = false;
        this.#h.status("closed");
      }
    };
  }

  /** Starts over: the next welcome is a first one, with nothing to resume. */
  #forget(): void {
    this.#everJoined = false;
    this.#rooms = new RoomTracker();
  }

  #hello(): void {
    const hello: ClientEvent = this.#rooms.hello(this.#name);
    if (this.#password !== undefined) hello.password = this.#password;
    const key = this.#keys.get(this.#server, this.#name);
    if (key !== undefined) hello.key = key;
    this.#ws?.send(JSON.stringify(hello));
  }

  #receive(e: ServerEvent): void {
    const resumed = this.#everJoined;
    switch (e.type) {
      case "welcome":
        this.#welcomed = true;
        this.#everJoined = true;
        this.#name = e.name;
        if (e.key !== undefined) this.#keys.put(this.#server, e.name, e.key);
        this.#attempt = 0;
        this.#taken = 0;
        this.#h.status("online");
        break;
      case "nick":
        if (e.from === this.#name) this.#name = e.to;
        break;
      case "error":
        if (!this.#welcomed && resumed && e.code === "name_taken") {
          // Our previous connection may not be gone yet: try again shortly.
          if (++this.#taken <= MAX_TAKEN_RETRIES) {
            this.#ws?.close();
            return;
          }
          this.#forget();
        }
        // A full server may have room again later; a wrong password will not be
        // right, nor will a ban lift by itself soon. (A wrong /op is no reason to stop.)
        if (
          (e.code === "auth_failed" && !this.#welcomed) || e.code === "banned" ||
          (e.code === "server_full" && !resumed)
        ) {
          this.#wanted = false;
        }
        break;
    }
    this.#h.event(e, resumed);
  }

  #later(): void {
    const base = BACKOFF[Math.min(this.#attempt, BACKOFF.length - 1)];
    this.#attempt++;
    // Jitter spreads the reconnects of many pages after a restart.
    const ms = Math.round(base * (0.8 + Math.random() * 0.4));
    this.#h.status("waiting", ms);
    this.#timer = setTimeout(() => this.#open(), ms);
  }
}
