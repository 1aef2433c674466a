// What SIGHUP does: read the config file again, keep what cannot change
// while the server runs (logging that it needs a restart), and put the rest
// in force without dropping anyone.
import { buildServeConfig, type ServeConfig, type ServeSettings, type Setting } from "./config.ts";
import { FILE_KEYS } from "./config_print.ts";
import type { Backend } from "./backend.ts";
import type { Chat } from "./core/chat.ts";
import type { Clock } from "./core/clock.ts";
import type { PasswordGate } from "./core/password_gate.ts";
import type { Log } from "./core/peer.ts";
import type { LevelLog } from "./log.ts";
import { readPassword } from "./secrets.ts";
import type { Hub } from "./transport/hub.ts";
import { loadTlsPair, type TlsPair } from "./transport/tls_pair.ts";
import type { TlsServer } from "./transport/tls_server.ts";

/** A configuration as loaded: the resolved settings and what they validate to. */
export interface LoadedConfig {
  readonly settings: ServeSettings;
  readonly config: ServeConfig;
}

/** What the running server can change at run time beyond its flag table's `restart` marks. */
export interface Changeable {
  /** `--retain` can change (one node; a cluster's trimming is set at start). */
  retain: boolean;
}

/** A reload's outcome: the configuration to put in force, and what changed. */
export interface Reconciled extends LoadedConfig {
  /** Keys whose new values are now in force. */
  readonly applied: readonly string[];
  /** Keys that changed in the file but keep their old value until a restart. */
  readonly restart: readonly string[];
}

function same(a: Setting, b: Setting): boolean {
  return a.raw === b.raw;
}

/**
 * Merges a newly loaded configuration into the running one: each key that
 * changed is taken if it can change at run time, else kept (and listed in
 * `restart`). Turning TLS or name reservations on or off needs a restart;
 * a new certificate path, or a new reservation time, does not.
 */
export function reconcile(
  running: LoadedConfig,
  next: LoadedConfig,
  can: Changeable,
): Reconciled {
  const values = new Map(next.settings.values);
  const applied: string[] = [];
  const restart: string[] = [];
  const keep = (name: string) => {
    values.set(name, running.settings.values.get(name)!);
    restart.push(name);
  };
  const tlsToggled = (running.config.tls === null) !== (next.config.tls === null);
  const reserveToggled = (running.config.reserveNamesMs === null) !==
    (next.config.reserveNamesMs === null);
  for (const f of FILE_KEYS) {
    const before = running.settings.values.get(f.name)!;
    const after = next.settings.values.get(f.name)!;
    if (same(before, after)) continue;
    const fixed = f.restart ||
      ((f.name === "tls-cert" || f.name === "tls-key") && tlsToggled) ||
      (f.name === "reserve-names" && reserveToggled) ||
      (f.name === "retain" && !can.retain);
    if (fixed) keep(f.name);
    else applied.push(f.name);
  }
  const settings: ServeSettings = Object.freeze({ ...next.settings, values });
  return Object.freeze({
    settings,
    config: restart.length === 0 ? next.config : buildServeConfig(settings),
    applied,
    restart,
  });
}

/** What a reload changes in the running server. */
export interface ReloadParts {
  hub: Hub;
  chat: Chat;
  backend: Backend;
  /** The room password. */
  gate: PasswordGate;
  /** The operator password. */
  opGate: PasswordGate;
  log: Log;
  /** The server's own log, whose level `--log-level` sets; null when it was given one. */
  level: LevelLog | null;
  /** The TLS listeners, which take a reloaded certificate. */
  listeners: readonly (TlsServer | undefined)[];
  clock: Clock;
}

/** Which configuration is live, for /healthz. */
export interface ConfigStatus {
  /** 1 at start, one more for each reload that loaded. */
  generation: number;
  /** The config file, or null. */
  file: string | null;
  /** When this generation was put in force (ISO 8601). */
  since: string;
}

/**
 * Reloads the configuration on request (SIGHUP): the config file through
 * `load`, then the password files and the TLS pair. Reloads run one at a
 * time; one that fails to load is logged and the running configuration kept.
 */
export class Reloader {
  #running: LoadedConfig;
  readonly #load: (() => Promise<LoadedConfig>) | null;
  readonly #parts: ReloadParts;
  #generation = 1;
  #since: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    running: LoadedConfig,
    parts: ReloadParts,
    load: (() => Promise<LoadedConfig>) | null,
  ) {
    this.#running = running;
    this.#parts = parts;
    this.#load = load;
    this.#since = parts.clock.now();
  }

  /** The configuration in force. */
  get config(): ServeConfig {
    return this.#running.config;
  }

  /** Which configuration is live. */
  status(): ConfigStatus {
    return {
      generation: this.#generation,
      file: this.#running.settings.file?.path ?? null,
      since: new Date(this.#since).toISOString(),
    };
  }

  /** Reloads once the reloads before it are done; never rejects. */
  reload(): Promise<void> {
    this.#queue = this.#queue.then(() => this.#reload()).catch((err) =>
      this.#parts.log("error", `reload failed: ${err instanceof Error ? err.stack : err}`)
    );
    return this.#queue;
  }

  async #reload(): Promise<void> {
    const { log } = this.#parts;
    const before = this.#running;
    const file = before.settings.file?.path ?? null;
    let next: Reconciled | null = null;
    if (this.#load) {
      try {
        next = reconcile(before, await this.#load(), {
          retain: this.#parts.backend.setRetain !== undefined,
        });
      } catch (err) {
        log(
          "error",
          `config not reloaded: ${err instanceof Error ? err.message : err}; ` +
            `generation ${this.#generation} stays live`,
        );
      }
    }
    if (next) {
      this.#apply(before.config, next);
      this.#running = { settings: next.settings, config: next.config };
      this.#generation++;
      this.#since = this.#parts.clock.now();
      for (const key of next.restart) {
        log(
          "warn",
          `${key} changed in ${file ?? "the configuration"} but needs a restart: ` +
            `keeping ${key} = ${before.settings.values.get(key)!.raw} until then`,
        );
      }
      const what = next.applied.length ? `changed ${next.applied.join(", ")}` : "nothing changed";
      log("info", `config generation ${this.#generation} live (${file ?? "no file"}): ${what}`);
      // Last, so that the line above is logged even when the level goes up.
      this.#parts.level?.setLevel(next.config.logLevel);
    }
    await reloadSecrets(this.#running.config, before.config, this.#parts);
  }

  #apply(old: ServeConfig, next: Reconciled): void {
    const c = next.config;
    const p = this.#parts;
    p.hub.reconfigure(c);
    p.chat.configure({
      replay: c.history,
      maxMembers: c.maxClients,
      maxRooms: c.maxRooms,
      editWindowMs: c.editWindowMs,
    });
    if (c.reserveNamesMs !== null && c.reserveNamesMs !== old.reserveNamesMs) {
      if (!p.chat.reservations.setTtl(c.reserveNamesMs)) {
        p.log("warn", "reserve-names: the name store keeps its old time until a restart");
      }
    }
    if (next.applied.includes("retain")) p.backend.setRetain?.(c.retain);
  }
}

async function reloadPassword(
  gate: PasswordGate,
  source: ServeConfig["password"],
  was: ServeConfig["password"],
  what: string,
  flag: string,
  log: Log,
): Promise<void> {
  if (source === null) {
    if (was !== null) {
      gate.set(null);
      log("warn", `no ${what} any more: ${flag} was removed from the configuration`);
    }
    return;
  }
  try {
    gate.set(await readPassword(source, flag));
    log("info", `reloaded the ${what}${"file" in source ? ` from ${source.file}` : ""}`);
  } catch (err) {
    // "the password": the words the room password's log line has always had
    const kept = what === "room password" ? "password" : what;
    log("error", `${(err as Error).message}; keeping the ${kept} loaded before`);
  }
}

/**
 * Re-reads the password files and the TLS pair. Each that fails to load is
 * logged and the old one kept; connections already open are not touched.
 */
async function reloadSecrets(config: ServeConfig, was: ServeConfig, r: ReloadParts) {
  await reloadPassword(
    r.gate,
    config.password,
    was.password,
    "room password",
    "--password-file",
    r.log,
  );
  await reloadPassword(
    r.opGate,
    config.opPassword,
    was.opPassword,
    "operator password",
    "--op-password-file",
    r.log,
  );
  if (!config.tls) return;
  let pair: TlsPair;
  try {
    pair = await loadTlsPair(config.tls.certFile, config.tls.keyFile);
  } catch (err) {
    r.log("error", `${(err as Error).message}; keeping the certificate loaded before`);
    return;
  }
  for (const w of pair.warnings) r.log("warn", w);
  for (const l of r.listeners) l?.reload(pair);
  r.log(
    "info",
    `reloaded the TLS certificate: ${pair.subject}, valid until ${pair.notAfter.toISOString()}`,
  );
}
