# shellcheck shell=bash
# bench/cluster/cluster_cells.sh -- chat's cluster cells, sourced by bench/run.sh
# (which defines RIG, WORK, LOGDIR, OUT, MID, PORT, BASE_CHAT_ARGS, ROOMLOAD,
# ROOMS_COMMON, chat_has, jget, run_rooms_cell).
#
# Every cell gets a fresh redis-server (its own port and directory, AOF with
# appendfsync always, no RDB snapshots) and fresh `chat serve --redis` nodes
# on it, started by the rig's peers/chat/start.sh like every other chat cell;
# roomload spreads its clients over the nodes (--ports) and samples the nodes'
# CPU and RSS (--server-pids, summed) and Redis's (--redis-pid) over the run.
#
#   cluster-sqlite     one node, default SQLite storage: 1 room x 100 members, all posting
#   cluster1..3        the same load over 1, 2, 3 nodes on one Redis
#   acked1, acked50    1 and 50 JSON-mode senders in one room of one node on
#                      Redis, one message in flight each: acked (stored) messages/s
#
# CLUSTER_OK=1 when chat has --redis, redis-server is installed and roomload
# built; else CLUSTER_NOTE says why not.

CLUSTER_OK=0 CLUSTER_NOTE=""
setup_cluster() {
  if ! chat_has '--redis'; then CLUSTER_NOTE="chat serve has no --redis (no cluster mode)"; return 1; fi
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    CLUSTER_NOTE="no redis-server/redis-cli (apt-get install redis-server)"; return 1
  fi
  if [ "$ROOMS_OK" != 1 ]; then CLUSTER_NOTE="no roomload: $ROOMS_NOTE"; return 1; fi
  CLUSTER_OK=1
}
cluster_skipped() {
  echo "  (skipping the cluster cells: $CLUSTER_NOTE)" >&2
  echo "{\"label\":\"$MID|chat|cluster-skipped|1\",\"mode\":\"note\",\"note\":\"$CLUSTER_NOTE\"}" >>"$OUT"
}

free_port() { # the next free port after PORT; sets PORT
  PORT=$((PORT + 1))
  while ss -Hltn "sport = :$PORT" | grep -q LISTEN; do PORT=$((PORT + 1)); done
}

REDIS_PID="" REDIS_PORT="" REDIS_DIR=""
start_redis() {
  free_port; REDIS_PORT=$PORT
  REDIS_DIR=$(mktemp -d "$WORK/redis.XXXXXX") || return 1
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --save "" --appendonly yes \
    --appendfsync always --daemonize no </dev/null >"$LOGDIR/redis-$REDIS_PORT.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 1 50); do
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "  !! redis-server did not start: $(tail -3 "$LOGDIR/redis-$REDIS_PORT.log")" >&2
  stop_redis
  return 1
}
stop_redis() {
  [ -n "$REDIS_PID" ] || return 0
  kill "$REDIS_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$REDIS_PID" 2>/dev/null
  wait "$REDIS_PID" 2>/dev/null
  REDIS_PID=""
  rm -rf "$REDIS_DIR"
}

NODE_PIDS=() NODE_PORTS=()
start_nodes() { # n: that many `chat serve --redis` nodes on the running Redis
  local pid
  NODE_PIDS=() NODE_PORTS=()
  for _ in $(seq 1 "$1"); do
    free_port
    pid=$(CHAT_SERVE_ARGS="$BASE_CHAT_ARGS --redis redis://127.0.0.1:$REDIS_PORT" \
          "$RIG/peers/chat/start.sh" "$PORT" "$LOGDIR") || { stop_nodes; return 1; }
    NODE_PIDS+=("$pid"); NODE_PORTS+=("$PORT")
  done
  sleep 0.3
}
stop_nodes() {
  local p
  for p in "${NODE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${NODE_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  NODE_PIDS=()
}
cluster_cleanup() { stop_nodes; stop_redis; }

# the nodes' WARN and ERROR log lines of the last cell (--log-level warn: the
# lines after the listening ones): NODE_WARN, NODE_ERR counts, NODE_FIRST the first
node_log_check() {
  local p f
  NODE_WARN=0 NODE_ERR=0 NODE_FIRST=""
  for p in "${NODE_PORTS[@]}"; do
    f="$LOGDIR/chat-$p.log"
    [ -f "$f" ] || continue
    NODE_WARN=$((NODE_WARN + $(grep -c ' WARN ' "$f")))
    NODE_ERR=$((NODE_ERR + $(grep -c -E ' ERROR |Uncaught|panicked' "$f")))
    [ -z "$NODE_FIRST" ] && NODE_FIRST=$(grep -m1 -E ' WARN | ERROR |Uncaught|panicked' "$f")
  done
  # JSON-safe: no quotes, backslashes or control characters
  NODE_FIRST=$(printf '%s' "$NODE_FIRST" | tr -c '[:alnum:] ._:/#()=,;+-' ' ' | cut -c1-300)
}

# run_cluster_cell cell rep nodes roomload-args...: a fresh Redis, that many
# nodes on it, one roomload run spread over them, one JSON line (with the
# nodes' log counts added)
run_cluster_cell() {
  local name=$1 rep=$2 n=$3 ports pids; shift 3
  LAST=""
  start_redis || return 1
  start_nodes "$n" || { echo "  !! chat --redis failed to start" >&2; stop_redis; return 1; }
  ports=$(IFS=,; echo "${NODE_PORTS[*]}"); pids=$(IFS=,; echo "${NODE_PIDS[*]}")
  LAST=$("$ROOMLOAD" --ports "$ports" --server-pids "$pids" --redis-pid "$REDIS_PID" \
         --label "$MID|chat|$name|$rep" "$@" 2>>"$LOGDIR/roomload.stderr")
  stop_nodes
  stop_redis
  node_log_check
  [ -n "$LAST" ] || { echo "  !! no output (chat $name)" >&2; return 1; }
  LAST="${LAST%\}},\"nodes\":$n,\"node_log_warnings\":$NODE_WARN,\"node_log_errors\":$NODE_ERR,\"node_log_first\":\"$NODE_FIRST\"}"
  echo "$LAST" >>"$OUT"
  cluster_report "$name" "$rep"
}
p50_of() { sed -n "s/.*\"$1\":{\"p50\":\([0-9.]*\).*/\1/p" <<<"$LAST"; }
p99_of() { sed -n "s/.*\"$1\":{\"p50\":[0-9.]*,\"p90\":[0-9.]*,\"p99\":\([0-9.]*\).*/\1/p" <<<"$LAST"; }
cluster_report() { # name rep: the stderr line of the last cell
  local fields=(delivered lost duplicated reordered misrouted server_errors deliveries_per_s server_cpu_s redis_cpu_s)
  local v=() x
  for x in "${fields[@]}"; do v+=("$(echo "$LAST" | jget "$x")"); done
  if [[ "$LAST" == *'"mode":"acked"'* ]]; then
    printf '  %-9s %-14s rep%s senders=%s acks=%s/%s bad=%s seq_breaks=%s seq_mismatch=%s acked/s=%s ack_p50=%s ack_p99=%s srv_cpu=%ss redis_cpu=%ss log=%sW/%sE\n' \
      chat "$1" "$2" "$(echo "$LAST" | jget senders)" "$(echo "$LAST" | jget acks)" "$(echo "$LAST" | jget acks_expected)" \
      "$(echo "$LAST" | jget bad_acks)" "$(echo "$LAST" | jget seq_breaks)" "$(echo "$LAST" | jget seq_mismatch)" \
      "$(echo "$LAST" | jget acked_per_s)" "$(p50_of ack_latency_ms)" "$(p99_of ack_latency_ms)" "${v[7]}" "${v[8]}" \
      "$NODE_WARN" "$NODE_ERR" >&2
  else
    printf '  %-9s %-14s rep%s nodes=%s M=%s delivered=%s lost=%s dup=%s reord=%s misrouted=%s errors=%s d/s=%s p99=%s srv_cpu=%ss redis_cpu=%ss log=%sW/%sE\n' \
      chat "$1" "$2" "$(echo "$LAST" | jget ports)" "$(echo "$LAST" | jget messages_per_client)" "${v[@]:0:7}" \
      "$(p99_of latency_ms)" "${v[7]}" "${v[8]}" "${NODE_WARN:-0}" "${NODE_ERR:-0}" >&2
  fi
  [ -n "${NODE_FIRST:-}" ] && echo "    node log: $NODE_FIRST" >&2
  return 0
}

# M per member for ~ROOMS_TARGET_S s from a short calibration run (label
# `calibrate`, left out of the tables) of the same cell; sets M_PICK.
#   cluster_pick_m nodes members m_calibrate roomload-args...  (nodes 0: one node with SQLite)
cluster_pick_m() {
  local n=$1 k=$2 mcal=$3 rate per; shift 3
  M_PICK=$mcal
  if [ "$n" = 0 ]; then
    run_rooms_cell calibrate 0 --messages "$mcal" "$@" 2>/dev/null || return 0
  else
    run_cluster_cell calibrate 0 "$n" --messages "$mcal" "$@" 2>/dev/null || return 0
  fi
  if [[ "$LAST" == *'"mode":"acked"'* ]]; then
    rate=$(echo "$LAST" | jget acked_per_s); per=$k           # messages per round
  else
    rate=$(echo "$LAST" | jget deliveries_per_s); per=$((k * (k - 1)))
  fi
  rate=${rate%.*}; [ -z "$rate" ] && rate=0
  M_PICK=$(( ${ROOMS_TARGET_S:-6} * rate / per ))
  [ "$M_PICK" -lt "$mcal" ] && M_PICK=$mcal
  [ "$M_PICK" -gt 100000 ] && M_PICK=100000
  return 0
}

CLUSTER_ROOM=(--rooms 1 --members 100)
# one node on Redis, S JSON senders in one room, one message in flight each
# (after ROOMS_COMMON, whose --window 8 it overrides)
ACKED=(--acked --rooms 1 --window 1)
# cluster_cells reps m_rooms m_acked1 m_acked50: per rep the single node with
# SQLite, then 1, 2, 3 nodes on Redis, then 1 and 50 acked senders; the
# order flips between reps, so a drift of the box favours no side
cluster_cells() {
  local reps=$1 m=$2 m1=$3 m50=$4 r order c
  for r in $(seq 1 "$reps"); do
    order="sqlite 1 2 3 acked1 acked50"
    [ $((r % 2)) = 0 ] && order="acked50 acked1 3 2 1 sqlite"
    for c in $order; do
      case $c in
        sqlite) run_rooms_cell cluster-sqlite "$r" "${ROOMS_COMMON[@]}" "${CLUSTER_ROOM[@]}" --messages "$m" ;;
        1|2|3) run_cluster_cell "cluster$c" "$r" "$c" "${ROOMS_COMMON[@]}" "${CLUSTER_ROOM[@]}" --messages "$m" ;;
        acked1) run_cluster_cell acked1 "$r" 1 "${ROOMS_COMMON[@]}" "${ACKED[@]}" --members 1 --messages "$m1" ;;
        acked50) run_cluster_cell acked50 "$r" 1 "${ROOMS_COMMON[@]}" "${ACKED[@]}" --members 50 --messages "$m50" ;;
      esac
    done
  done
}

# the whole set in full or quick mode: full calibrates each kind of cell
# (~ROOMS_TARGET_S s runs) and runs two reps, quick one rep of fixed sizes
cluster_run() { # quick(0/1)
  local m m1 m50
  if [ "$1" = 1 ]; then
    # ~1.5 M deliveries per rooms cell (as the quick rooms cells), ~1 s acked
    # cells: under a second each, a smoke test more than a figure
    cluster_cells 1 151 1000 60
    return
  fi
  # the rooms cells share one M (the same work for the ratio), calibrated on
  # two nodes, between the single node (faster) and three nodes (slower)
  cluster_pick_m 2 100 20 "${ROOMS_COMMON[@]}" "${CLUSTER_ROOM[@]}"; m=$M_PICK
  cluster_pick_m 1 1 200 "${ROOMS_COMMON[@]}" "${ACKED[@]}" --members 1; m1=$M_PICK
  cluster_pick_m 1 50 20 "${ROOMS_COMMON[@]}" "${ACKED[@]}" --members 50; m50=$M_PICK
  echo "  cluster: M=$m (1 room x 100), M=$m1 (1 acked sender), M=$m50 (50 acked senders) for ~${ROOMS_TARGET_S:-6} s runs" >&2
  cluster_cells 2 "$m" "$m1" "$m50"
}

# --check: 20 members of one room spread over 2 nodes, plain (every delivery
# exactly once, in order, in the room) and JSON acked (every ack once, one seq
# order for every member); no ERROR in the nodes' logs. Uses run.sh's verify.
cluster_check() {
  local bad v e
  run_cluster_cell cluster2 1 2 "${ROOMS_COMMON[@]}" --rooms 1 --members 20 --messages 300
  verify "cluster: 1 room x 20 over 2 nodes"
  bad=""
  for e in misrouted=0 node_log_errors=0 ports=2; do
    v=$(echo "$LAST" | jget "${e%%=*}"); [ "${v:-?}" = "${e#*=}" ] || bad="$bad ${e%%=*}=${v:-?}"
  done
  [ -z "$bad" ] || { echo "FAIL cluster 1 room x 20 over 2 nodes:$bad" >&2; fail=1; }
  run_cluster_cell acked-check 1 2 "${ROOMS_COMMON[@]}" --acked --rooms 1 --members 20 --window 4 --messages 200
  verify "cluster: 20 acked JSON senders over 2 nodes"
  bad=""
  for e in misrouted=0 node_log_errors=0 acks=4000 acks_lost=0 bad_acks=0 late_acks=0 seq_breaks=0 seq_mismatch=0; do
    v=$(echo "$LAST" | jget "${e%%=*}"); [ "${v:-?}" = "${e#*=}" ] || bad="$bad ${e%%=*}=${v:-?}"
  done
  [ -z "$bad" ] || { echo "FAIL cluster acked over 2 nodes:$bad" >&2; fail=1; }
}
