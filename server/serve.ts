import { VERSION } from "../protocol/version.ts";
import { type Clock, systemClock } from "./core/clock.ts";
import type { Log } from "./core/peer.ts";
import { MAX_RESUME, Room } from "./core/room.ts";
import { Frame } from "./core/frame.ts";
import type { ServeConfig } from "./config.ts";
import { stderrLog } from "./log.ts";
import { Hub } from "./transport/hub.ts";
import { acceptLoop } from "./transport/tcp.ts";
import { startWeb, type WebServer } from "./transport/http.ts";
import { TimedHistory } from "./transport/metrics.ts";
import { describeRetain } from "./storage/retention.ts";
import { RetentionTask } from "./storage/retention_task.ts";
import { historyLine, MEMORY_DB, SqliteHistory } from "./storage/sqlite_history.ts";
import { Checkpointer } from "./storage/checkpointer.ts";
import { StorageError } from "./storage/storage_error.ts";

/** The server could not start; the message says why and what to do. Exit 1. */
export class StartError extends Error {
  override name = "StartError";
}

/** Options of {@linkcode serve}. */
export interface ServeOptions {
  /** Aborting it shuts the server down gracefully. */
  signal?: AbortSignal;
  /** Where the startup lines go. @default console.log */
  print?: (line: string) => void;
  log?: Log;
  clock?: Clock;
}

function reason(err: unknown): string {
  if (err instanceof Deno.errors.AddrInUse) {
    return "the address is already in use, pick another --port";
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return "permission denied, pick a --port above 1023";
  }
  if (err instanceof Deno.errors.AddrNotAvailable) return "no such address here, check --host";
  return err instanceof Error ? err.message : String(err);
}

function hostPort(a: Deno.NetAddr): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}

/**
 * Runs a chat server until `signal` aborts, then tells everyone, flushes
 * what is queued and closes every connection.
 */
export async function serve(config: ServeConfig, options: ServeOptions = {}): Promise<void> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? stderrLog(config.logLevel);
  const print = options.print ?? ((line: string) => console.log(line));
  // Before listening: a database that cannot be used stops the server
  // before any client could post a message that would then be lost.
  let history: SqliteHistory;
  try {
    history = SqliteHistory.open(config.db, {
      memoryCap: Math.max(config.history, MAX_RESUME),
    });
  } catch (err) {
    if (err instanceof StorageError) throw new StartError(err.message);
    throw err;
  }
  const retention = new RetentionTask(history, config.retain, { clock, log });
  // Timed, so /metrics can show how long storing a batch takes.
  const timed = new TimedHistory(history);
  const room = new Room({
    history: timed,
    replay: config.history,
    maxMembers: config.maxClients,
    clock,
    log,
    version: VERSION,
  });
  const hub = new Hub(room, config, clock, log);
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: config.host, port: config.port });
  } catch (err) {
    history.close();
    throw new StartError(`cannot listen on ${config.host}:${config.port}: ${reason(err)}`);
  }
  let web: WebServer | undefined;
  if (config.web) {
    try {
      web = startWeb(hub, {
        hostname: config.host,
        port: config.webPort,
        metrics: { history: timed, storage: timed.stats, startedAt: clock.now() },
      });
    } catch (err) {
      listener.close();
      history.close();
      const why = reason(err).replace("--port", "--web-port");
      throw new StartError(`cannot serve the web page on ${config.host}:${config.webPort}: ${why}`);
    }
  }
  const checkpoints = config.db === MEMORY_DB ? null : await Checkpointer.start(history, log);
  const addr = listener.addr;
  print(`chat listening on tcp://${addr.hostname}:${addr.port}`);
  if (web) print(`chat web on http://${hostPort(web.addr)}`);
  print(historyLine(history));
  log("info", `chat ${VERSION} ready; history kept ${describeRetain(config.retain)}`);
  retention.start();
  const accepting = acceptLoop(listener, hub);
  if (options.signal && !options.signal.aborted) {
    await new Promise((resolve) =>
      options.signal!.addEventListener("abort", resolve, { once: true })
    );
  }
  log("info", `shutting down: ${room.size} members, ${hub.connections} connections`);
  hub.closing = true;
  listener.close();
  const message = "server is shutting down, bye";
  room.shutdown(message);
  hub.closeAll(new Frame({ type: "shutdown", message }));
  await accepting;
  await hub.drain(2000);
  await web?.shutdown();
  retention.stop();
  await checkpoints?.stop();
  history.close();
  log("info", "bye");
}
