import { VERSION } from "../protocol/version.ts";
import { type Clock, systemClock } from "./core/clock.ts";
import type { Log } from "./core/peer.ts";
import { Chat } from "./core/chat.ts";
import { Reservations } from "./core/reservations.ts";
import { Frame } from "./core/frame.ts";
import { resolveServeSettings, type ServeConfig, type ServeSettings } from "./config.ts";
import { type LevelLog, stderrLog } from "./log.ts";
import { type LoadedConfig, Reloader } from "./reload.ts";
import { Hub, SWEEP_MS } from "./transport/hub.ts";
import { acceptLoop } from "./transport/tcp.ts";
import { startWeb, type WebServer } from "./transport/http.ts";
import { describeRetain } from "./storage/retention.ts";
import type { Backend } from "./backend.ts";
import { BackendError, localBackend } from "./local_backend.ts";
import { clusterBackend } from "./cluster/cluster_backend.ts";
import { FailureThrottle } from "./core/failure_throttle.ts";
import { PasswordGate } from "./core/password_gate.ts";
import { readPassword, SecretError } from "./secrets.ts";
import { TlsServer } from "./transport/tls_server.ts";
import { loadTlsPair, type TlsPair, TlsPairError } from "./transport/tls_pair.ts";
import type { Acceptor } from "./transport/tcp.ts";
import { ircConnections } from "./irc/irc_conn.ts";
import { ircServer } from "./irc/server_info.ts";
import { FilesError, type SharedFiles, shareFiles } from "./files/share_files.ts";

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
  /**
   * Each "reload" event reloads the configuration with `load` (when given),
   * then re-reads the password files and the TLS pair (the command line
   * wires SIGHUP to it): new connections get what was read, nobody is
   * dropped, and what fails to load is logged and the old kept.
   */
  reload?: EventTarget;
  /** Where `config` came from: what a reload compares the new configuration with. */
  settings?: ServeSettings;
  /** Loads the configuration again (the config file, with the same flags and environment). */
  load?: () => Promise<LoadedConfig>;
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
  const own: LevelLog | null = options.log ? null : stderrLog(config.logLevel);
  const log = options.log ?? own!;
  const print = options.print ?? ((line: string) => console.log(line));
  // Secrets and certificates first: a server that cannot use them must not
  // start listening as if it were open or unencrypted.
  let password: string | null = null;
  let opPassword: string | null = null;
  let pair: TlsPair | null = null;
  try {
    if (config.password) password = await readPassword(config.password);
    if (config.opPassword) {
      opPassword = await readPassword(config.opPassword, "--op-password-file");
    }
    if (config.tls) pair = await loadTlsPair(config.tls.certFile, config.tls.keyFile);
  } catch (err) {
    if (err instanceof SecretError || err instanceof TlsPairError) {
      throw new StartError(err.message);
    }
    throw err;
  }
  for (const w of pair?.warnings ?? []) log("warn", w);
  // Before listening: a database (or a Redis) that cannot be used stops the
  // server before any client could post a message that would then be lost.
  let backend: Backend;
  try {
    backend = config.redis ? await clusterBackend(config, log) : localBackend(config, clock, log);
  } catch (err) {
    if (err instanceof BackendError) throw new StartError(err.message);
    throw err;
  }
  const throttle = new FailureThrottle(clock);
  const opGate = new PasswordGate({ password: opPassword, throttle, log });
  const chat = new Chat({
    moderation: { store: backend.moderation, gate: opGate },
    reservations: new Reservations({
      store: config.reserveNamesMs === null
        ? null
        : backend.reservationStore(config.reserveNamesMs),
      ttlMs: config.reserveNamesMs ?? undefined,
      clock,
      log,
    }),
    history: backend.history,
    ledger: backend.ledger,
    observer: backend.observer,
    defaultRoom: config.defaultRoom,
    maxRooms: config.maxRooms,
    replay: config.history,
    maxMembers: config.maxClients,
    editWindowMs: config.editWindowMs,
    clock,
    log,
    version: VERSION,
  });
  // One throttle for both passwords: a guesser gains nothing by switching.
  const gate = new PasswordGate({ password, throttle, log });
  const hub = new Hub(chat, config, gate, clock, log);
  hub.directory = backend.directory;
  const tlsListeners: (TlsServer | undefined)[] = [];
  const reloader = new Reloader(
    // Without settings nothing is compared: reloads only re-read the secrets.
    { settings: options.settings ?? resolveServeSettings([], {}), config },
    { hub, chat, backend, gate, opGate, log, level: own, listeners: tlsListeners, clock },
    options.load ?? null,
  );
  const stopped = Promise.withResolvers<void>();
  let lostCluster = false;
  try {
    await backend.start(chat, (why) => {
      log("error", `${why}: shutting down; start it again to rejoin`);
      lostCluster = true;
      stopped.resolve();
    });
  } catch (err) {
    await backend.stop();
    throw new StartError(`cannot start: ${err instanceof Error ? err.message : err}`);
  }
  let listener: Acceptor & { close(): void; addr: Deno.Addr };
  let tlsTcp: TlsServer | undefined;
  try {
    listener = pair
      ? tlsTcp = await TlsServer.listen(config.host, config.port, pair)
      : Deno.listen({ hostname: config.host, port: config.port });
  } catch (err) {
    await backend.stop();
    throw new StartError(`cannot listen on ${config.host}:${config.port}: ${reason(err)}`);
  }
  let web: WebServer | undefined;
  let tlsWeb: TlsServer | undefined;
  let files: SharedFiles | undefined;
  if (config.web) {
    try {
      if (pair) tlsWeb = await TlsServer.listen(config.host, config.webPort, pair);
      files = await shareFiles(config, { chat, kept: backend.kept, clock, log });
      web = startWeb(hub, {
        files: files.web,
        hostname: config.host,
        port: config.webPort,
        metrics: {
          history: backend.history,
          storage: backend.storage,
          healthy: backend.healthy,
          startedAt: clock.now(),
          extra: () => files?.metrics() ?? "",
          config: () => reloader.status(),
        },
        tls: tlsWeb,
      });
      files.listening(web.addr as Deno.NetAddr, web.scheme);
    } catch (err) {
      listener.close();
      tlsWeb?.close();
      await files?.stop();
      await backend.stop();
      if (err instanceof FilesError) throw new StartError(err.message);
      const why = reason(err).replace("--port", "--web-port");
      throw new StartError(`cannot serve the web page on ${config.host}:${config.webPort}: ${why}`);
    }
  }
  let irc: (Acceptor & { close(): void; addr: Deno.Addr }) | undefined;
  let tlsIrc: TlsServer | undefined;
  if (config.ircPort !== null) {
    try {
      irc = pair
        ? tlsIrc = await TlsServer.listen(config.host, config.ircPort, pair)
        : Deno.listen({ hostname: config.host, port: config.ircPort });
    } catch (err) {
      listener.close();
      tlsWeb?.close();
      await web?.shutdown();
      await backend.stop();
      const why = reason(err).replace("--port", "--irc-port");
      throw new StartError(`cannot listen for IRC on ${config.host}:${config.ircPort}: ${why}`);
    }
  }
  const addr = listener.addr as Deno.NetAddr;
  print(`chat listening on ${pair ? "tls" : "tcp"}://${hostPort(addr)}`);
  if (web) print(`chat web on ${web.scheme}://${hostPort(web.addr)}`);
  if (irc) print(`chat irc on ${pair ? "ircs" : "irc"}://${hostPort(irc.addr as Deno.NetAddr)}`);
  print(backend.describe());
  log("info", `chat ${VERSION} ready; history kept ${describeRetain(config.retain)}`);
  if (pair) log("info", `TLS: ${pair.subject}, valid until ${pair.notAfter.toISOString()}`);
  if (password !== null) log("info", "joining needs the room password");
  // A bug that escapes a handler must not take the room down: log it loudly
  // and carry on (the tests fail on any such line).
  const lastResort = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    log(
      "error",
      `BUG: unhandled rejection: ${e.reason instanceof Error ? e.reason.stack : e.reason}`,
    );
  };
  globalThis.addEventListener("unhandledrejection", lastResort);
  // The same for a throw on an event or timer path (a socket's close event, a
  // microtask): without this one Deno prints it and exits.
  const lastResortError = (e: ErrorEvent) => {
    e.preventDefault();
    log("error", `BUG: uncaught error: ${e.error instanceof Error ? e.error.stack : e.message}`);
  };
  globalThis.addEventListener("error", lastResortError);
  tlsListeners.push(tlsTcp, tlsWeb, tlsIrc);
  const reload = () => void reloader.reload();
  options.reload?.addEventListener("reload", reload);
  const sweeper = setInterval(() => hub.sweep(), SWEEP_MS);
  Deno.unrefTimer(sweeper);
  const accepting = acceptLoop(listener, hub, pair ? "tls" : "tcp");
  const ircAccepting = irc
    ? acceptLoop(
      irc,
      hub,
      pair ? "ircs" : "irc",
      ircConnections(ircServer(config.serverName, VERSION, config.maxRooms)),
    )
    : Promise.resolve();
  if (options.signal && !options.signal.aborted) {
    options.signal.addEventListener("abort", () => stopped.resolve(), { once: true });
  } else stopped.resolve();
  await stopped.promise;
  options.reload?.removeEventListener("reload", reload);
  log("info", `shutting down: ${chat.size} members, ${hub.connections} connections`);
  hub.closing = true;
  clearInterval(sweeper);
  listener.close();
  irc?.close();
  const message = lostCluster
    ? "this server lost the chat cluster, reconnect to another"
    : "server is shutting down, bye";
  chat.shutdown(message);
  hub.closeAll(new Frame({ type: "shutdown", message }));
  await accepting;
  await ircAccepting;
  await hub.drain(2000);
  await web?.shutdown();
  await files?.stop();
  await backend.stop();
  globalThis.removeEventListener("unhandledrejection", lastResort);
  globalThis.removeEventListener("error", lastResortError);
  log("info", "bye");
  if (lostCluster) throw new StartError("this node was cut off from the cluster; start it again");
}
