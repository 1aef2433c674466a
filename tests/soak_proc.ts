// What /proc says about the server process: memory and open descriptors.

/** One reading of the server process. */
export interface ProcSample {
  /** Seconds since the churn started. */
  t: number;
  /** Resident set size (VmRSS), kB. */
  rssKb: number;
  /** Open file descriptors. */
  fds: number;
  /** Churned connections so far. */
  connections: number;
  /** The server's live heap after a full GC, kB, when the soak can read it. */
  heapKb?: number;
}

function statusField(pid: number, field: string): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!m) throw new Error(`Cannot read ${field} of process ${pid}: not in /proc/${pid}/status`);
  return Number(m[1]);
}

/** The process's resident memory now, in kB. */
export function rssKb(pid: number): number {
  return statusField(pid, "VmRSS");
}

/** The most resident memory the process has had, in kB. */
export function peakRssKb(pid: number): number {
  return statusField(pid, "VmHWM");
}

/** How many file descriptors the process has open. */
export function fdCount(pid: number): number {
  let n = 0;
  for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
  return n;
}

/**
 * Throws unless `pid` is a `chat serve` process itself (its command line has
 * `serve`), not a shell or task runner wrapped around one: the memory of a
 * wrapper would say nothing about the server.
 */
export function assertServerProcess(pid: number): void {
  const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
  const exe = Deno.readLinkSync(`/proc/${pid}/exe`);
  if (!argv.includes("serve") || !/deno/.test(exe)) {
    throw new TypeError(`Cannot measure process ${pid}: it is "${argv.join(" ")}", not chat serve`);
  }
}

/** kB as MB with one decimal. */
export function mb(kb: number): string {
  return (kb / 1024).toFixed(1);
}
