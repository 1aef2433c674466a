import { ASSETS } from "../../web/assets.gen.ts";
import { realClient } from "./forwarded.ts";
import { WebFront } from "./web_front.ts";
import type { Slot } from "./address_limits.ts";
import type { Hub } from "./hub.ts";
import { health, type MetricsSources, renderMetrics } from "./metrics.ts";
import { filesRoute } from "../files/files_http.ts";
import type { WebFiles } from "../files/web_files.ts";
import type { TlsServer } from "./tls_server.ts";
import { acceptWebSocket } from "./ws.ts";

/** Options of {@linkcode startWeb}. */
export interface WebOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** What `/metrics` and `/healthz` report besides the hub. */
  metrics: MetricsSources;
  /** File sharing (`/files/…`); absent: none. */
  files?: WebFiles;
  /**
   * Serve HTTPS: this listener (already on `hostname:port`) takes the
   * public connections, and the HTTP server listens on loopback behind it.
   */
  tls?: TlsServer;
}

/** The running HTTP side: the page, `/ws`, `/healthz` and `/metrics`. */
export interface WebServer {
  readonly addr: Deno.NetAddr;
  /** "http" or "https". */
  readonly scheme: string;
  /** Stops listening and closes what is left open. Safe to call twice. */
  shutdown(): Promise<void>;
}

// A Host header is echoed into the CSP only when it looks like host[:port].
const SAFE_HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

// Half a year: long enough to matter, short enough to undo a mistake.
const HSTS = "max-age=15552000";

function securityHeaders(req: Request, https: boolean): Headers {
  const host = req.headers.get("host") ?? "";
  const ws = SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : "";
  const headers = new Headers({
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; " +
      `img-src 'self'; connect-src 'self'${ws}; base-uri 'none'; form-action 'self'; ` +
      "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  });
  if (https) headers.set("strict-transport-security", HSTS);
  return headers;
}

function replyWith(req: Request, status: number, body: string, type: string, https: boolean) {
  const headers = securityHeaders(req, https);
  headers.set("content-type", type);
  headers.set("cache-control", "no-cache");
  const empty = req.method === "HEAD" || status === 204;
  return new Response(empty ? null : body, { status, headers });
}

const TEXT = "text/plain; charset=utf-8";

/**
 * The headers every answer carries, added to one made elsewhere (files
 * bring their own, stricter CSP).
 */
async function withSecurity(
  req: Request,
  res: Response | Promise<Response>,
  https: boolean,
): Promise<Response> {
  const r = await res;
  const base = securityHeaders(req, https);
  for (const [k, v] of base) if (!r.headers.has(k)) r.headers.set(k, v);
  if (req.method === "HEAD" && r.body) {
    return new Response(null, { status: r.status, headers: r.headers });
  }
  return r;
}

/**
 * True when a browser's WebSocket comes from our own page: its Origin names
 * the host:port the request was sent to. Clients that are not browsers send
 * no Origin and are let in; any other site's page is refused, so it cannot
 * act as its visitor in the room.
 */
export function originAllowed(req: Request): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  const host = req.headers.get("host");
  if (!host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") &&
      // Parsed with the origin's scheme, so a default port (443) compares equal.
      u.host === new URL(`${u.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/** Where a request comes from: its client address, and whether it came over TLS. */
interface Origin {
  address: string;
  label: string;
  https: boolean;
  /** Closes the client's connection itself (see {@linkcode WebFront}). */
  kill: () => void;
  /** The connection's per-address slot, for a WebSocket to count in (see `Relayed` in web_front.ts). */
  slot: Slot | null;
  /** Why the connection is refused (see `Relayed`), or null. */
  refusal: string | null;
}

/**
 * What makes `req` an upgrade that Deno.upgradeWebSocket would throw on
 * (it checks only these), or null. Checked first, so that a malformed
 * upgrade gets 400 instead of an ERROR line and a 500.
 */
function upgradeProblem(req: Request): string | null {
  const connection = req.headers.get("connection") ?? "";
  if (!connection.split(",").some((t) => t.trim().toLowerCase() === "upgrade")) {
    return "the Connection header must contain Upgrade";
  }
  if (!req.headers.get("sec-websocket-key")) return "the Sec-WebSocket-Key header is missing";
  return null;
}

/** Routes one request. */
function handle(
  req: Request,
  from: Origin,
  hub: Hub,
  options: WebOptions,
): Response | Promise<Response> {
  const https = from.https;
  const reply = (req: Request, status: number, body: string, type: string) =>
    replyWith(req, status, body, type, https);
  // The runtime builds req.url from the Host header, which may be anything
  // ("Host: a b"): such a request is the client's mistake, not a failure here.
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return reply(req, 400, "the Host header is not a host name\n", TEXT);
  }
  const file = filesRoute(req, url.pathname, from.address, hub.chat, options.files);
  if (file) return withSecurity(req, file, https);
  if (req.method !== "GET" && req.method !== "HEAD") {
    const res = reply(req, 405, "only GET is served here\n", TEXT);
    res.headers.set("allow", "GET, HEAD");
    return res;
  }
  if (from.refusal !== null && url.pathname !== "/ws") {
    const res = reply(req, 503, `server_full: ${from.refusal}\n`, TEXT);
    res.headers.set("retry-after", "10");
    res.headers.set("connection", "close");
    return res;
  }
  switch (url.pathname) {
    case "/ws": {
      if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return reply(
          req,
          426,
          "this is the chat WebSocket: connect with a WebSocket client\n",
          TEXT,
        );
      }
      if (!originAllowed(req)) {
        hub.log("warn", `refused a WebSocket from origin ${req.headers.get("origin")}`);
        return reply(
          req,
          403,
          "WebSocket connections are only accepted from this server's page\n",
          TEXT,
        );
      }
      const missing = upgradeProblem(req);
      if (missing) return reply(req, 400, `not a WebSocket upgrade: ${missing}\n`, TEXT);
      return acceptWebSocket(req, hub, {
        address: from.address,
        label: from.label,
        kill: from.kill,
        slot: from.slot,
        refusal: from.refusal,
      });
    }
    case "/healthz":
      return reply(
        req,
        hub.closing || options.metrics.healthy?.() === false ? 503 : 200,
        JSON.stringify(health(hub, options.metrics)) + "\n",
        "application/json",
      );
    case "/metrics":
      return reply(
        req,
        200,
        renderMetrics(hub, options.metrics),
        "text/plain; version=0.0.4; charset=utf-8",
      );
    case "/favicon.ico":
      return reply(req, 204, "", TEXT);
  }
  const asset = ASSETS[url.pathname === "/index.html" ? "/" : url.pathname];
  if (!asset) return reply(req, 404, `nothing at ${url.pathname}; the chat page is at /\n`, TEXT);
  return reply(req, 200, asset.body, asset.type);
}

/**
 * Serves the web page, the WebSocket and the health and metrics endpoints
 * on `hostname:port`, over HTTPS when `options.tls` is given. Throws (as
 * `Deno.listen` does) when it cannot listen.
 */
export function startWeb(hub: Hub, options: WebOptions): WebServer {
  const https = options.tls !== undefined;
  const listener = options.tls ?? Deno.listen({ hostname: options.hostname, port: options.port });
  // The front needs the server's address, the server's handler the front.
  const ref: { front?: WebFront } = {};
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    // Reachable on loopback only, and only through the front.
    server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
      onError: (err) => {
        hub.log("error", `web request failed: ${err instanceof Error ? err.stack : err}`);
        return new Response("internal error, try again\n", { status: 500 });
      },
    }, (req, info) => {
      const relayed = ref.front?.clientOf(info.remoteAddr.port);
      if (relayed === undefined) {
        return new Response("connect to this server's web port\n", { status: 403 });
      }
      // read per request: a reload may change --trust-proxy
      const real = realClient(req.headers, relayed.address, hub.config.trustProxy);
      const label = `${https ? "wss" : "ws"} ${real === relayed.address ? relayed.from : real}`;
      const { kill, slot, refusal } = relayed;
      const origin = { address: real, label, https, kill, slot, refusal };
      // A request answered ends the connection's joining; a WebSocket joins with its member.
      const answered = (res: Response) => {
        if (res.status !== 101) relayed.slot?.joined();
        return res;
      };
      const res = handle(req, origin, hub, options);
      return res instanceof Promise ? res.then(answered) : answered(res);
    });
  } catch (err) {
    listener.close();
    throw err;
  }
  const front = ref.front = new WebFront(listener, server.addr, hub);
  front.run();
  let stopping: Promise<void> | undefined;
  return {
    addr: front.addr,
    scheme: https ? "https" : "http",
    shutdown: () =>
      stopping ??= (async () => {
        front.close();
        await server.shutdown();
      })(),
  };
}
