import { ASSETS } from "../../web/assets.gen.ts";
import type { Hub } from "./hub.ts";
import { health, type MetricsSources, renderMetrics } from "./metrics.ts";
import { acceptWebSocket } from "./ws.ts";

/** Options of {@linkcode startWeb}. */
export interface WebOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** What `/metrics` and `/healthz` report besides the hub. */
  metrics: MetricsSources;
}

/** The running HTTP side: the page, `/ws`, `/healthz` and `/metrics`. */
export interface WebServer {
  readonly addr: Deno.NetAddr;
  /** Stops listening and closes what is left open. Safe to call twice. */
  shutdown(): Promise<void>;
}

// A Host header is echoed into the CSP only when it looks like host[:port].
const SAFE_HOST = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function securityHeaders(req: Request): Headers {
  const host = req.headers.get("host") ?? "";
  const ws = SAFE_HOST.test(host) ? ` ws://${host} wss://${host}` : "";
  return new Headers({
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; " +
      `img-src 'self'; connect-src 'self'${ws}; base-uri 'none'; form-action 'self'; ` +
      "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  });
}

function reply(req: Request, status: number, body: string, type: string): Response {
  const headers = securityHeaders(req);
  headers.set("content-type", type);
  headers.set("cache-control", "no-cache");
  const empty = req.method === "HEAD" || status === 204;
  return new Response(empty ? null : body, { status, headers });
}

const TEXT = "text/plain; charset=utf-8";

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

/** Routes one request. */
function handle(req: Request, info: Deno.ServeHandlerInfo, hub: Hub, options: WebOptions) {
  const url = new URL(req.url);
  if (req.method !== "GET" && req.method !== "HEAD") {
    const res = reply(req, 405, "only GET is served here\n", TEXT);
    res.headers.set("allow", "GET, HEAD");
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
      return acceptWebSocket(req, hub, info.remoteAddr as Deno.NetAddr);
    }
    case "/healthz":
      return reply(
        req,
        hub.closing ? 503 : 200,
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
 * on `hostname:port`. Throws (as `Deno.listen` does) when it cannot listen.
 */
export function startWeb(hub: Hub, options: WebOptions): WebServer {
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    onListen: () => {},
    onError: (err) => {
      hub.log("error", `web request failed: ${err instanceof Error ? err.stack : err}`);
      return new Response("internal error, try again\n", { status: 500 });
    },
  }, (req, info) => handle(req, info, hub, options));
  let stopping: Promise<void> | undefined;
  return {
    addr: server.addr,
    shutdown: () => stopping ??= server.shutdown(),
  };
}
