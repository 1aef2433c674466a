// Shared by the web tests: a server with its HTTP side on, a WebSocket
// client that reads events one by one, and a strict Prometheus text parser.
import { type ServerProcess, type StartOptions, startServer } from "./helpers.ts";

/** A `chat serve` with its web side on a free port. */
export interface WebServerProcess extends ServerProcess {
  /** e.g. "http://127.0.0.1:40124" */
  readonly http: string;
  readonly webPort: number;
}

/** Starts `chat serve --web-port 0 ARGS` and reads both addresses. */
export async function startWebServer(
  args: string[] = [],
  options: StartOptions = {},
): Promise<WebServerProcess> {
  const server = await startServer(["--web-port", "0", ...args], { ...options, lines: 2 });
  const m = /^chat web on (https?:\/\/127\.0\.0\.1:(\d+))$/.exec(server.stdout[1]);
  if (!m) {
    await server.stop();
    throw new Error(`expected "chat web on …" as the second line, got ${server.stdout[1]}`);
  }
  return Object.assign(server, { http: m[1], webPort: Number(m[2]) });
}

/** A JSON-mode WebSocket client that reads the server's events one at a time. */
export class WsClient {
  readonly ws: WebSocket;
  readonly #events: Record<string, unknown>[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  closeCode: number | undefined;
  readonly closedPromise: Promise<void>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (e) => {
      this.#events.push(JSON.parse(e.data));
      this.#wake?.();
    };
    this.closedPromise = new Promise((resolve) => {
      ws.onclose = (e) => {
        this.#closed = true;
        this.closeCode = e.code;
        this.#wake?.();
        resolve();
      };
    });
  }

  /** Opens a WebSocket to `http`'s /ws and waits until it is open. */
  static async connect(http: string): Promise<WsClient> {
    const ws = new WebSocket(http.replace(/^http/, "ws") + "/ws");
    const c = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("WebSocket failed to open")), {
        once: true,
      });
    });
    return c;
  }

  /** Connects, skips the banner, joins as `name`; returns the client and its welcome. */
  static async join(
    http: string,
    name: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ client: WsClient; welcome: Record<string, unknown> }> {
    const client = await WsClient.connect(http);
    const banner = await client.next();
    if (banner.type !== "notice") {
      throw new Error(`expected the banner, got ${JSON.stringify(banner)}`);
    }
    client.send({ type: "hello", name, ...extra });
    const welcome = await client.next();
    if (welcome.type !== "welcome") {
      throw new Error(`join as ${name} refused: ${JSON.stringify(welcome)}`);
    }
    return { client, welcome };
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(o: unknown): void {
    this.ws.send(typeof o === "string" ? o : JSON.stringify(o));
  }

  /** The next event; throws after `timeoutMs` or when the socket closed. */
  async next(timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (this.#events.length === 0) {
      if (this.#closed) throw new Error("WebSocket closed before an event arrived");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#events.shift()!;
  }

  /** Skips events until one of `type` arrives. */
  async event(type: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const e = await this.next(Math.max(1, deadline - Date.now()));
      if (e.type === type) return e;
    }
  }

  /** Closes our side and waits (at most 3 s) for the close to finish. */
  async close(): Promise<void> {
    if (!this.#closed) this.ws.close();
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.closedPromise, new Promise((r) => t = setTimeout(r, 3000))]);
    clearTimeout(t);
  }
}

const encoder = new TextEncoder();

/**
 * A WebSocket done by hand over a raw TCP socket, for what a WebSocket API
 * cannot do: send any Origin, and stop reading.
 */
export class RawWebSocket {
  readonly conn: Deno.TcpConn;
  /** The HTTP status of the handshake's answer. */
  readonly status: number;

  private constructor(conn: Deno.TcpConn, status: number) {
    this.conn = conn;
    this.status = status;
  }

  /** Sends the upgrade request and reads the answer's head (and nothing more). */
  static async open(port: number, headers: Record<string, string> = {}): Promise<RawWebSocket> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await writeAll(
      conn,
      encoder.encode(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
          `Sec-WebSocket-Version: 13\r\n${extra}\r\n`,
      ),
    );
    // Read byte by byte up to the blank line, so no frame is consumed.
    let head = "";
    const one = new Uint8Array(1);
    while (!head.endsWith("\r\n\r\n")) {
      if (head.length > 8192 || (await conn.read(one)) === null) break;
      head += String.fromCharCode(one[0]);
    }
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
    return new RawWebSocket(conn, status);
  }

  /** Sends one masked text frame, as a client must. */
  async sendText(text: string): Promise<void> {
    const payload = encoder.encode(text);
    const n = payload.length;
    const head = n < 126 ? [0x81, 0x80 | n] : [0x81, 0x80 | 126, n >> 8, n & 0xff];
    if (n > 0xffff) throw new RangeError("Cannot send a frame this long in a test");
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const frame = new Uint8Array(head.length + 4 + n);
    frame.set(head);
    frame.set(mask, head.length);
    for (let i = 0; i < n; i++) frame[head.length + 4 + i] = payload[i] ^ mask[i & 3];
    await writeAll(this.conn, frame);
  }

  /** Reads the server's next text frame (unmasked, unfragmented); null when it closed or sent a close. */
  async readText(): Promise<string | null> {
    const head = await this.#read(2);
    if (!head || (head[0] & 0x0f) === 0x8) return null;
    let n = head[1] & 0x7f;
    if (n === 126) {
      const ext = await this.#read(2);
      if (!ext) return null;
      n = (ext[0] << 8) | ext[1];
    } else if (n === 127) throw new RangeError("Cannot read a frame this long in a test");
    const payload = await this.#read(n);
    return payload && new TextDecoder().decode(payload);
  }

  async #read(n: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    for (let got = 0; got < n;) {
      const r = await this.conn.read(out.subarray(got));
      if (r === null) return null;
      got += r;
    }
    return out;
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

/** One sample of a Prometheus exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: families by name, with their type, help and samples. */
export interface Exposition {
  families: Map<string, { type: string; help: string; samples: Sample[] }>;
  /** The value of `name` with exactly `labels`; throws when absent. */
  value(name: string, labels?: Record<string, string>): number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(raw: string, line: string): number {
  if (raw === "NaN") return NaN;
  if (raw === "+Inf") return Infinity;
  if (raw === "-Inf") return -Infinity;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) {
    throw new SyntaxError(`bad value "${raw}" in: ${line}`);
  }
  return Number(raw);
}

function parseLabels(raw: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < raw.length) {
    const eq = raw.indexOf("=", i);
    if (eq < 0) throw new SyntaxError(`bad labels in: ${line}`);
    const name = raw.slice(i, eq).trim();
    if (!LABEL_NAME.test(name)) throw new SyntaxError(`bad label name "${name}" in: ${line}`);
    if (raw[eq + 1] !== '"') throw new SyntaxError(`label value not quoted in: ${line}`);
    let j = eq + 2;
    let value = "";
    while (raw[j] !== '"') {
      if (j >= raw.length) throw new SyntaxError(`unterminated label value in: ${line}`);
      if (raw[j] === "\\") {
        const esc = raw[j + 1];
        if (esc === "n") value += "\n";
        else if (esc === "\\" || esc === '"') value += esc;
        else throw new SyntaxError(`bad escape in: ${line}`);
        j += 2;
      } else value += raw[j++];
    }
    if (name in labels) throw new SyntaxError(`label ${name} repeated in: ${line}`);
    labels[name] = value;
    j++;
    if (j < raw.length) {
      if (raw[j] !== ",") throw new SyntaxError(`expected "," between labels in: ${line}`);
      j++;
    }
    i = j;
  }
  return labels;
}

/**
 * Parses Prometheus text format 0.0.4 strictly: every sample belongs to a
 * family declared by `# TYPE` before it (summary and histogram samples by
 * their suffixes), no family is declared twice, names and labels are
 * well-formed, the text ends with a newline, and no sample repeats.
 */
export function parsePrometheus(text: string): Exposition {
  if (!text.endsWith("\n")) throw new SyntaxError("the exposition must end with a newline");
  const families = new Map<string, { type: string; help: string; samples: Sample[] }>();
  const seen = new Set<string>();
  const helps = new Map<string, string>();
  for (const line of text.slice(0, -1).split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m;
      if (!METRIC_NAME.test(name)) throw new SyntaxError(`bad metric name in: ${line}`);
      if (kind === "HELP") {
        if (helps.has(name)) throw new SyntaxError(`HELP for ${name} twice`);
        helps.set(name, rest);
      } else {
        if (!TYPES.has(rest)) throw new SyntaxError(`bad type in: ${line}`);
        if (families.has(name)) throw new SyntaxError(`TYPE for ${name} twice`);
        families.set(name, { type: rest, help: helps.get(name) ?? "", samples: [] });
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new SyntaxError(`bad sample line: ${line}`);
    const [, name, rawLabels, rawValue] = m;
    const labels = rawLabels ? parseLabels(rawLabels, line) : {};
    const value = parseValue(rawValue, line);
    let family = families.get(name);
    if (!family) {
      const base = name.replace(/_(sum|count|bucket)$/, "");
      const f = families.get(base);
      if (f && (f.type === "summary" || f.type === "histogram")) family = f;
    }
    if (!family) throw new SyntaxError(`sample ${name} has no # TYPE before it`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new SyntaxError(`sample repeated: ${line}`);
    seen.add(key);
    family.samples.push({ name, labels, value });
  }
  return {
    families,
    value(name: string, labels: Record<string, string> = {}): number {
      const want = JSON.stringify(Object.entries(labels).sort());
      for (const f of families.values()) {
        for (const s of f.samples) {
          if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want) {
            return s.value;
          }
        }
      }
      throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
    },
  };
}

/** Fetches and parses `/metrics`. */
export async function metrics(http: string): Promise<Exposition> {
  const res = await fetch(`${http}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("text/plain; version=0.0.4")) throw new Error(`/metrics type ${type}`);
  return parsePrometheus(await res.text());
}

/** Fetches `/healthz`. */
export async function healthz(http: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${http}/healthz`);
  return await res.json();
}

/** Polls `check` until it returns true, for at most `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
