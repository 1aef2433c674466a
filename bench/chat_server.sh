#!/bin/bash
# CHAT_CMD for the rig's peers/chat/start.sh: runs `chat ARGS` in a fresh
# data directory, so the default persistent history (chat.db in the working
# directory) never carries over from one benchmark cell to the next.
# `exec` keeps the PID: the loadgen samples the server's CPU and memory by it.
#   CHAT_DIR        the project checkout (required)
#   CHAT_BENCH_DATA where the per-server directories go (default /tmp)
#   CHAT_DENO_FLAGS extra flags for `deno run` (e.g. --cpu-prof --cpu-prof-dir=DIR)
set -e
: "${CHAT_DIR:?CHAT_DIR must name the project checkout}"
base="${CHAT_BENCH_DATA:-/tmp}"
mkdir -p "$base"
dir=$(mktemp -d "$base/chat-data.XXXXXX")
cd "$dir"
unset CHAT_DB CHAT_HOST CHAT_PORT CHAT_RETAIN CHAT_WEB_PORT
# shellcheck disable=SC2086
exec deno run -A ${CHAT_DENO_FLAGS:-} --config "$CHAT_DIR/deno.json" "$CHAT_DIR/main.ts" "$@"
