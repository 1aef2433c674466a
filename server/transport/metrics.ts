import type { Frame } from "../core/frame.ts";
import type { History } from "../core/history.ts";
import type { Hub } from "./hub.ts";

/** Counters of one transport ("tcp", "tls", "ws"), shown by `GET /metrics`. */
export interface TransportStats {
  /** Connections open now. */
  open: number;
  /** Connections accepted since start, refused ones included. */
  accepted: number;
  /** Room messages posted by this transport's clients (one per ack). */
  messagesIn: number;
  /** Room messages delivered to this transport's clients. */
  messagesOut: number;
  /** Bytes handed to this transport's connections. */
  bytesOut: number;
  /** Clients dropped because they stopped reading. */
  slowDrops: number;
  /** Times a client's lines were held back by flood control. */
  rateLimited: number;
}

/** A zeroed {@linkcode TransportStats}. */
export function newTransportStats(): TransportStats {
  return {
    open: 0,
    accepted: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesOut: 0,
    slowDrops: 0,
    rateLimited: 0,
  };
}

/** Counts a frame a peer has queued: cheap enough for the broadcast path. */
export function countSent(stats: TransportStats, frame: Frame, bytes: number): void {
  stats.bytesOut += bytes;
  const type = frame.event.type;
  if (type === "message") stats.messagesOut++;
  else if (type === "ack") stats.messagesIn++;
}

/**
 * Latency of history appends, measured around whatever store is in use.
 * Storage that wants to report more (file size, WAL pages) can add lines
 * through {@linkcode MetricsSources.extra}.
 */
export interface StorageStats {
  appends: number;
  appendSecondsSum: number;
  appendSecondsMax: number;
}

/**
 * Wraps a {@linkcode History} to time its appends: the room calls `append`
 * synchronously before anyone sees a message, so this is the storage
 * latency a message waits for.
 */
export class TimedHistory implements History {
  readonly stats: StorageStats = { appends: 0, appendSecondsSum: 0, appendSecondsMax: 0 };
  readonly #inner: History;

  constructor(inner: History) {
    this.#inner = inner;
  }

  get epoch(): string {
    return this.#inner.epoch;
  }

  append(batch: Parameters<History["append"]>[0]): void {
    const t0 = performance.now();
    try {
      this.#inner.append(batch);
    } finally {
      const s = (performance.now() - t0) / 1000;
      this.stats.appends++;
      this.stats.appendSecondsSum += s;
      if (s > this.stats.appendSecondsMax) this.stats.appendSecondsMax = s;
    }
  }

  recent(room: string, limit: number): ReturnType<History["recent"]> {
    return this.#inner.recent(room, limit);
  }

  since(room: string, seq: number, limit: number): ReturnType<History["since"]> {
    return this.#inner.since(room, seq, limit);
  }

  lastSeq(room: string): number {
    return this.#inner.lastSeq(room);
  }

  rooms(): ReturnType<History["rooms"]> {
    return this.#inner.rooms();
  }

  saveRoom(room: string, topic: string): void {
    this.#inner.saveRoom(room, topic);
  }

  page(...a: Parameters<History["page"]>): ReturnType<History["page"]> {
    return this.#inner.page(...a);
  }

  search(...a: Parameters<History["search"]>): ReturnType<History["search"]> {
    return this.#inner.search(...a);
  }

  message(room: string, seq: number): ReturnType<History["message"]> {
    return this.#inner.message(room, seq);
  }

  revise(...a: Parameters<History["revise"]>): ReturnType<History["revise"]> {
    return this.#inner.revise(...a);
  }

  createRoom(room: string): void {
    this.#inner.createRoom(room);
  }

  count(): number {
    return this.#inner.count();
  }

  close(): void {
    this.#inner.close();
  }
}

/** What `/metrics` and `/healthz` read besides the hub. */
export interface MetricsSources {
  /** The room's history, for its size and last seq. */
  history?: History;
  /** Append latency, when the history is a {@linkcode TimedHistory}. */
  storage?: StorageStats;
  /** False while the node cannot serve new members (a cluster's Redis is away). */
  healthy?: () => boolean;
  /** Further lines in Prometheus text format (with their # HELP / # TYPE). */
  extra?: () => string;
  /** When the server started, in clock ms. */
  startedAt: number;
  /** Which configuration is live (its generation goes up with each reload). */
  config?: () => { generation: number; file: string | null; since: string };
}

/** `GET /healthz`: whether the server is up, and a few numbers. */
export function health(hub: Hub, src: MetricsSources): Record<string, unknown> {
  return {
    ok: !hub.closing && (src.healthy?.() ?? true),
    uptime: Math.round((hub.clock.now() - src.startedAt) / 1000),
    members: hub.chat.size,
    rooms: hub.chat.roomCount,
    connections: hub.connections,
    ...(src.config ? { config: src.config() } : {}),
  };
}

type Kind = "counter" | "gauge";

/** Builds Prometheus text-format output, one metric family at a time. */
class Exposition {
  #out: string[] = [];

  family(name: string, kind: Kind, help: string, samples: [string, number][]): void {
    this.#out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${kind}`);
    for (const [labels, value] of samples) this.#out.push(`${name}${labels} ${num(value)}`);
  }

  one(name: string, kind: Kind, help: string, value: number): void {
    this.family(name, kind, help, [["", value]]);
  }

  summary(name: string, help: string, sum: number, count: number): void {
    this.#out.push(
      `# HELP ${name} ${help}`,
      `# TYPE ${name} summary`,
      `${name}_sum ${num(sum)}`,
      `${name}_count ${num(count)}`,
    );
  }

  text(): string {
    return this.#out.join("\n") + "\n";
  }
}

function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}

/** `GET /metrics` in Prometheus text format 0.0.4. */
export function renderMetrics(hub: Hub, src: MetricsSources): string {
  const e = new Exposition();
  // Both built-in transports always show, at zero until used.
  hub.transport("tcp");
  hub.transport("ws");
  const transports = Object.entries(hub.stats.transports).sort(([a], [b]) => a.localeCompare(b));
  const per = (pick: (t: (typeof transports)[number][1]) => number): [string, number][] =>
    transports.map(([name, t]) => [`{transport="${name}"}`, pick(t)]);
  e.one("chat_up", "gauge", "1 while the server runs, 0 once it is shutting down.", +!hub.closing);
  e.one(
    "chat_uptime_seconds",
    "gauge",
    "Seconds since the server started.",
    Math.max(0, (hub.clock.now() - src.startedAt) / 1000),
  );
  e.one("chat_members", "gauge", "Members on the server now.", hub.chat.size);
  e.one("chat_rooms", "gauge", "Rooms that exist.", hub.chat.roomCount);
  e.family("chat_connections", "gauge", "Connections open now, by transport.", per((t) => t.open));
  e.family(
    "chat_connections_accepted_total",
    "counter",
    "Connections accepted since start, by transport.",
    per((t) => t.accepted),
  );
  e.one(
    "chat_connections_refused_total",
    "counter",
    "Connections refused because the server was full or closing.",
    hub.stats.refusedFull,
  );
  e.one(
    "chat_connections_refused_address_total",
    "counter",
    "Connections refused by --max-per-ip or --max-pending-per-ip.",
    hub.stats.refusedAddress,
  );
  e.one(
    "chat_tls_handshake_failures_total",
    "counter",
    "TLS handshakes that failed or did not finish in time.",
    hub.stats.tlsHandshakeFailures,
  );
  e.one(
    "chat_auth_failures_total",
    "counter",
    "Wrong room passwords given.",
    hub.gate.failures,
  );
  const mem = Deno.memoryUsage();
  e.one(
    "process_resident_memory_bytes",
    "gauge",
    "Resident memory of the server process.",
    mem.rss,
  );
  e.one("chat_heap_used_bytes", "gauge", "JavaScript heap in use.", mem.heapUsed);
  e.one(
    "chat_handshake_failures_total",
    "counter",
    "Connections closed before they joined in time.",
    hub.stats.handshakeFailures,
  );
  e.family(
    "chat_messages_received_total",
    "counter",
    "Room messages posted, by the sender's transport.",
    per((t) => t.messagesIn),
  );
  e.family(
    "chat_messages_relayed_total",
    "counter",
    "Room messages delivered to members, by the receiver's transport.",
    per((t) => t.messagesOut),
  );
  e.family(
    "chat_bytes_sent_total",
    "counter",
    "Bytes queued for clients, by transport.",
    per((t) => t.bytesOut),
  );
  e.family(
    "chat_slow_drops_total",
    "counter",
    "Clients dropped because they stopped reading, by transport.",
    per((t) => t.slowDrops),
  );
  e.family(
    "chat_rate_limited_total",
    "counter",
    "Times a client's lines were held back by flood control, by transport.",
    per((t) => t.rateLimited),
  );
  if (src.history) {
    e.one("chat_history_messages", "gauge", "Messages kept in history.", src.history.count());
    e.one(
      "chat_last_seq",
      "gauge",
      "Sequence number of the newest message in the default room.",
      src.history.lastSeq(hub.chat.defaultRoom.name),
    );
  }
  if (src.storage) {
    const s = src.storage;
    e.summary(
      "chat_storage_append_seconds",
      "Time taken to store each batch of messages.",
      s.appendSecondsSum,
      s.appends,
    );
    e.one(
      "chat_storage_append_max_seconds",
      "gauge",
      "Longest time one batch took to store.",
      s.appendSecondsMax,
    );
  }
  return e.text() + (src.extra?.() ?? "");
}
