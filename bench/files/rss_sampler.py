#!/usr/bin/env python3
"""Samples a process's resident memory until told to stop.

    rss_sampler.py PID [INTERVAL_MS]   (default 10 ms)

Reads /proc/PID/statm (resident pages) every INTERVAL_MS; on SIGTERM or
SIGINT (or when the process is gone) prints one line (after a first line
`ready`, once it samples)
`peak_rss_kb=K samples=N` and exits. A bounded helper: it stops by itself
after 10 minutes.
"""
import os
import signal
import sys
import time

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def main() -> None:
    pid = int(sys.argv[1])
    interval = (float(sys.argv[2]) if len(sys.argv) > 2 else 10.0) / 1000
    peak = 0
    samples = 0
    stop = False

    def on_signal(_sig, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    end = time.monotonic() + 600
    try:
        fd = os.open(f"/proc/{pid}/statm", os.O_RDONLY)
    except OSError:
        fd = -1
    print("ready", flush=True)
    while not stop and fd >= 0 and time.monotonic() < end:
        try:
            rss = int(os.pread(fd, 256, 0).split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            break
        samples += 1
        if rss > peak:
            peak = rss
        time.sleep(interval)
    print(f"peak_rss_kb={peak} samples={samples}", flush=True)


if __name__ == "__main__":
    main()
