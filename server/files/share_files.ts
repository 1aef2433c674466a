import { basename, dirname, join } from "node:path";
import type { Chat } from "../core/chat.ts";
import type { Clock } from "../core/clock.ts";
import type { Log } from "../core/peer.ts";
import type { ServeConfig } from "../config.ts";
import { FileCollector } from "./file_gc.ts";
import { FileStore } from "./file_store.ts";
import { WebFiles } from "./web_files.ts";

/** The files directory cannot be used: the message says why. Exit 1. */
export class FilesError extends Error {
  override name = "FilesError";
}

/** File sharing, running: the web side's part, its metrics, and how to stop it. */
export interface SharedFiles {
  readonly web: WebFiles;
  /** The web side listens here: file URLs use it (unless --web-url said where). */
  listening(addr: Deno.NetAddr, scheme: string): void;
  /** Prometheus lines for /metrics. */
  metrics(): string;
  stop(): Promise<void>;
}

/** What file sharing needs of the server. */
export interface ShareParts {
  chat: Chat;
  kept(room: string, seq: number): boolean | Promise<boolean>;
  clock: Clock;
  log: Log;
}

/** Where files go without --files-dir: beside the database (`chat.db` → `chat-files/`). */
function defaultDir(config: ServeConfig): string | null {
  if (config.redis) return "chat-files";
  if (config.db === ":memory:") return null;
  const base = basename(config.db).replace(/\.[^.]*$/, "");
  return join(dirname(config.db), `${base || "chat"}-files`);
}

/** A host as it goes in a URL: the machine's name for "every interface", IPv6 in brackets. */
function urlHost(hostname: string): string {
  if (hostname === "0.0.0.0" || hostname === "::") {
    try {
      return Deno.hostname();
    } catch {
      return "localhost";
    }
  }
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

/**
 * Starts file sharing: the store in `--files-dir` (made if needed; a
 * temporary one for `--db :memory:`, gone at exit like the history), the
 * upload grants, and the collector that deletes files whose messages are
 * gone. Throws {@linkcode FilesError} when the directory cannot be used.
 */
export async function shareFiles(config: ServeConfig, p: ShareParts): Promise<SharedFiles> {
  const chosen = config.filesDir ?? defaultDir(config);
  const temporary = chosen === null;
  const dir = chosen ?? await Deno.makeTempDir({ prefix: "chat-files-" });
  if (config.redis && config.filesDir === null) {
    p.log(
      "warn",
      "files are kept in ./chat-files: in a cluster, give every node the same shared --files-dir (NFS, a shared volume), or a file shared on one node cannot be downloaded from another",
    );
  }
  let store: FileStore;
  try {
    store = await FileStore.open(dir, { maxTotalBytes: config.maxFilesBytes, log: p.log });
  } catch (err) {
    throw new FilesError(
      `cannot keep shared files in ${dir}: ${
        err instanceof Error ? err.message : err
      }; give a writable --files-dir`,
    );
  }
  const web = new WebFiles({
    store,
    maxFileSize: config.maxFileSize,
    baseUrl: config.webUrl ?? "",
    clock: p.clock,
    log: p.log,
  });
  web.attach(p.chat);
  p.chat.files = web;
  const retains = config.retain.maxAgeMs !== null || config.retain.maxCount !== null;
  const collector = new FileCollector(store, {
    kept: p.kept,
    intervalMs: retains || temporary ? 10_000 : 60_000,
    log: p.log,
  });
  collector.start();
  return {
    web,
    listening(addr, scheme) {
      if (config.webUrl === null) {
        web.baseUrl = `${scheme}://${urlHost(addr.hostname)}:${addr.port}`;
      }
    },
    metrics: () => filesMetrics(web),
    async stop() {
      web.close();
      await collector.stop();
      if (temporary) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

function filesMetrics(web: WebFiles): string {
  const s = web.stats;
  let out = "# HELP chat_files_shared_total Files shared since the server started.\n" +
    "# TYPE chat_files_shared_total counter\n" +
    `chat_files_shared_total ${s.stored}\n` +
    "# HELP chat_files_shared_bytes_total Bytes of the files shared since the server started.\n" +
    "# TYPE chat_files_shared_bytes_total counter\n" +
    `chat_files_shared_bytes_total ${s.storedBytes}\n` +
    "# HELP chat_files_downloads_total File downloads started.\n" +
    "# TYPE chat_files_downloads_total counter\n" +
    `chat_files_downloads_total ${s.downloads}\n` +
    "# HELP chat_files_bytes Bytes the stored files take.\n" +
    "# TYPE chat_files_bytes gauge\n" +
    `chat_files_bytes ${web.store.used}\n` +
    "# HELP chat_files_refused_total Uploads refused, by reason.\n" +
    "# TYPE chat_files_refused_total counter\n";
  const reasons = ["too_large", "full", "rate", "expired", "gone", "lied", "cut", "io", "banned"];
  for (const r of reasons) out += `chat_files_refused_total{reason="${r}"} ${s.refused[r] ?? 0}\n`;
  return out;
}
