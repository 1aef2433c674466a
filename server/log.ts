import type { Log, LogLevel } from "./core/peer.ts";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const encoder = new TextEncoder();

/** The log levels, least severe first. */
export const LOG_LEVELS = Object.keys(ORDER) as LogLevel[];

/** A {@linkcode Log} whose level can change (a reload of `--log-level`). */
export type LevelLog = Log & { setLevel(level: LogLevel): void };

/** A logger that writes "TIME LEVEL message" lines to stderr from `level` up. */
export function stderrLog(level: LogLevel): LevelLog {
  let min = ORDER[level];
  const log: Log = (l, message) => {
    if (ORDER[l] < min) return;
    const line = `${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${message}\n`;
    try {
      Deno.stderr.writeSync(encoder.encode(line));
    } catch {
      // stderr closed: nothing useful left to do with a log line
    }
  };
  return Object.assign(log, {
    setLevel(level: LogLevel) {
      min = ORDER[level];
    },
  });
}
