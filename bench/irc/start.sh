#!/bin/bash
# Start `chat serve` with its IRC port on 127.0.0.1:PORT; print its PID. The
# `chat-irc` peer of bench/run.sh: the loadgen (`--proto irc`) is pointed at
# the IRC port, and chat's plain TCP port (and web port) go elsewhere (port 0:
# any free one). Same scheme as the rig's peers/chat/start.sh.
# usage: start.sh PORT [LOGDIR]
#   CHAT_CMD         how to run chat (bench/run.sh: bench/chat_server.sh, a fresh data directory per server)
#   CHAT_SERVE_ARGS  the chat peer's flags (--rate-limit 0, --max-per-ip 0, ... set by bench/run.sh)
# The log is LOGDIR/chat-irc-PORT.log; its first lines say where chat listens
# (`chat irc on irc://127.0.0.1:PORT`).
set -e
port="${1:?port}"; logdir="${2:-/tmp/bench-logs}"; mkdir -p "$logdir"
ulimit -n 65536 2>/dev/null || ulimit -n 20000 2>/dev/null || true
here="$(cd "$(dirname "$0")/../.." && pwd)"
cmd="${CHAT_CMD:-deno run -A --config $here/deno.json $here/main.ts}"
args="${CHAT_SERVE_ARGS---rate-limit 0 --max-per-ip 0 --max-pending-per-ip 0 --log-level warn --web-port 0}"
log="$logdir/chat-irc-$port.log"
# shellcheck disable=SC2086
$cmd serve --host 127.0.0.1 --port 0 --irc-port "$port" $args </dev/null >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
  if ss -Hltn "sport = :$port" | grep -q LISTEN; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { echo "chat (irc) failed to start" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done
echo "chat did not listen for IRC on $port" >&2; kill "$pid"; exit 1
