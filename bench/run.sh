#!/bin/bash
# bench/run.sh -- chat against the C servers, side by side, in one bounded run.
#
#   bench/run.sh                      full matrix, chat + chat-irc + 4 peers + ideal-c (~45 min)
#   bench/run.sh --quick              small fixed cells, extras for chat only (~5 min)
#   bench/run.sh --peers "chat ncat"  only these (chat ideal-c seed-c ncat chat-irc ngircd inspircd)
#   bench/run.sh --only irc           the IRC cells alone: chat-irc, ngircd, inspircd at
#                                     N=100 (x3), N=1000, 5 msg/s, idle 1000 (~6 min); the
#                                     summary goes to the run's log directory, not results/
#   bench/run.sh --check              chat alone, correctness under load (CI, ~2 min):
#                                     exits 1 on any lost, duplicated, reordered or
#                                     corrupt delivery or wrong view of a room's
#                                     members; no timing asserts
#   bench/run.sh --profile            chat at N=100 under --cpu-prof: top self-time functions
#                                     (PROFILE_PEER=chat-irc: the same over its IRC port)
#   bench/run.sh --only cluster       chat's cluster cells alone (with --quick: one small rep);
#                                     the summary goes to the run's log directory, not results/
#   bench/run.sh --only rooms         chat's rooms cells alone (bench/rooms/): one room of 100,
#                                     100 rooms of 10, a member in all 100, 1000 x 10 entries,
#                                     two reps (~3 min; --quick: one small rep); summary
#                                     beside the logs, not results/
#   bench/run.sh --only scale         issue 14's cells (bench/scale/): storm of 10 000, 15 000
#                                     held with 100 posting, idle memory, rate5 of every peer,
#                                     chat and ideal-c at N=100/500 (~15 min); summary beside
#                                     the logs and in results/SCALE.md (--quick: small, chat)
#
# The shared rig (loadgen, peers, run_matrix.sh) is read-only: it is copied to
# $BENCH_WORK (default /tmp/chat-bench-$UID) and built there, with loadgen-tls
# beside it (the same loadgen.c over TLS: bench/tls/, needs libssl-dev). The
# rig's run_matrix.sh runs the standard cells; this script adds the cells it
# lacks (idle 5000, 1000 connects at once, a stalled reader, persistent vs
# in-memory history, TLS vs plain TCP, chat's rooms, driven by
# bench/rooms/roomload.c, built beside the loadgen, chat's cluster on
# Redis, bench/cluster/, and one room of thousands, bench/scale/: a join
# storm, 15 000 held with 100 posting, driven by bench/scale/crowd*.c) with
# the same matrix id in their labels, then bench/summarize.ts writes
# bench/results/SUMMARY.md. ideal-c (the rig's bare C relay: the lower bound
# of relaying) runs the rig's matrix like a peer, not the extra cells.
# chat-irc is chat again, on its IRC port (`chat serve --irc-port`, started by
# bench/irc/start.sh), driven by `loadgen --proto irc` like ngircd and
# inspircd; run_matrix.sh does not know it, so this script runs its matrix
# cells (the same scheme) after the rig's matrix, with the same matrix id.
set -u
repo="$(cd "$(dirname "$0")/.." && pwd)"
# The rig sits in ../shared beside the checkout (as CI lays it out).
RIG_SRC="${BENCH_RIG:-$repo/../shared/bench}"
[ -f "$RIG_SRC/loadgen.c" ] || [ -n "${BENCH_RIG:-}" ] || RIG_SRC=/work/shared/bench
WORK="${BENCH_WORK:-${TMPDIR:-/tmp}/chat-bench-$(id -u)}"
RESULTS="$repo/bench/results"
MODE=full
PEERS="chat ideal-c seed-c ncat chat-irc ngircd inspircd"
TARGET=""
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --check) MODE=check ;;
    --profile) MODE=profile ;;
    --peers) PEERS="$2"; shift ;;
    --target) TARGET="$2"; shift ;;
    --only)
      case "${2:-}" in
        cluster) PEERS=chat ;;
        irc) PEERS="chat-irc ngircd inspircd" ;;
        scale) ;;
        rooms) PEERS=chat ;;
        *) echo "bench/run.sh: --only takes: cluster, irc, scale, rooms" >&2; exit 2 ;;
      esac
      ONLY=$2; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

export CHAT_DIR="$repo"
export CHAT_CMD="bash $repo/bench/chat_server.sh"
export CHAT_BENCH_DATA="$WORK/data"
# what this chat's `serve` can do: cells and flags it lacks are left out
CHAT_HELP=$(deno run -A "$repo/main.ts" serve --help 2>/dev/null)
chat_has() { grep -q -- "$1" <<<"$CHAT_HELP"; }
BASE_CHAT_ARGS="--rate-limit 0 --log-level warn"
# the web side stays on (as shipped), on a free port so servers never collide
chat_has '--web-port' && BASE_CHAT_ARGS="$BASE_CHAT_ARGS --web-port 0"
# every loadgen client comes from 127.0.0.1: no per-address caps (setting
# CHAT_SERVE_ARGS bypasses the rig's start.sh, which would add these itself)
chat_has '--max-per-ip' && BASE_CHAT_ARGS="$BASE_CHAT_ARGS --max-per-ip 0"
chat_has '--max-pending-per-ip' && BASE_CHAT_ARGS="$BASE_CHAT_ARGS --max-pending-per-ip 0"
export CHAT_SERVE_ARGS="$BASE_CHAT_ARGS"
RIG="$WORK/rig"

die() { echo "bench/run.sh: $*" >&2; exit 1; }

# ---- the rig: copy, build ---------------------------------------------------
[ -f "$RIG_SRC/loadgen.c" ] || die "no rig at $RIG_SRC (set BENCH_RIG to a copy of the shared bench directory)"
command -v cc >/dev/null || die "a C compiler (cc) is needed to build the loadgen: apt-get install gcc"
command -v deno >/dev/null || die "deno is needed to run chat"
mkdir -p "$WORK" "$RESULTS" || die "cannot create $WORK"
rm -rf "$RIG" "$CHAT_BENCH_DATA"
cp -r "$RIG_SRC" "$RIG" || die "cannot copy the rig to $RIG"
chmod -R u+w "$RIG"
(cd "$RIG" && ./build.sh >/dev/null) || die "building the loadgen failed (see above)"
mkdir -p "$CHAT_BENCH_DATA"
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cleanup() {
  stop_server; declare -F cluster_cleanup >/dev/null && cluster_cleanup
  [ -n "${STALL_PID:-}" ] && kill "$STALL_PID" 2>/dev/null
  rm -rf "$CHAT_BENCH_DATA" "$WORK/tls"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- TLS: the loadgen over TLS and a throwaway CA, for chat's tls cells -------
# TLS_OK=1 when chat can serve TLS and loadgen-tls and the certificates are
# there; otherwise TLS_NOTE says why not (the cells are skipped with it).
# TLS_BROKEN=1 when the shim fails to build although OpenSSL's headers are
# there: a bug, not a missing package (--check fails on it).
TLS_OK=0 TLS_NOTE="" TLS_BROKEN=0 TLS_ARGS=""
setup_tls() {
  local d="$WORK/tls"
  if ! chat_has '--tls-cert'; then TLS_NOTE="chat serve has no --tls-cert"; return 1; fi
  if ! echo '#include <openssl/ssl.h>' | cc -E -x c - >/dev/null 2>&1; then
    TLS_NOTE="no OpenSSL headers to build loadgen-tls (apt-get install libssl-dev)"; return 1
  fi
  if ! cc -O2 -Wall -Wextra -include "$repo/bench/tls/tls_shim.h" -o "$RIG/loadgen-tls" "$RIG/loadgen.c" \
       "$repo/bench/tls/tls_shim.c" -lssl -lcrypto 2>"$WORK/loadgen-tls.log"; then
    cat "$WORK/loadgen-tls.log" >&2
    TLS_NOTE="building loadgen-tls failed (bench/tls/)"; TLS_BROKEN=1; return 1
  fi
  command -v openssl >/dev/null || { TLS_NOTE="no openssl command for the certificates (apt-get install openssl)"; return 1; }
  rm -rf "$d"; mkdir -p "$d" || { TLS_NOTE="cannot create $d"; return 1; }
  # a CA of this run only, and a certificate for 127.0.0.1 (and localhost) it signs
  printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' >"$d/ext.cnf"
  if ! { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
           -subj "/CN=chat bench CA" -keyout "$d/ca.key" -out "$d/ca.pem" &&
         openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
           -keyout "$d/server.key" -out "$d/server.csr" &&
         openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
           -days 2 -extfile "$d/ext.cnf" -out "$d/server.pem"; } >"$d/openssl.log" 2>&1; then
    cat "$d/openssl.log" >&2
    TLS_NOTE="making the test certificates failed"; TLS_BROKEN=1; return 1
  fi
  export LOADGEN_TLS_CA="$d/ca.pem" # the shim checks the server's certificate against it (and 127.0.0.1)
  TLS_ARGS="--tls-cert $d/server.pem --tls-key $d/server.key"
  TLS_OK=1
}
# AFTER_LOADGEN of a tls cell: say so when the server was not on TLS at all
# (the loadgen only sees failed handshakes then)
tls_said() {
  local first
  first=$(head -1 "$LOGDIR/chat-$PORT.log" 2>/dev/null)
  [[ "$first" == *"tls://"* ]] || echo "  !! chat was started with $TLS_ARGS but said: ${first:-nothing}" >&2
}
# a note line in the results, for summarize.ts: the tls cells were not run, and why
tls_skipped() {
  echo "  (skipping the TLS cells: $TLS_NOTE)" >&2
  echo "{\"label\":\"$MID|chat|tls-skipped|1\",\"mode\":\"note\",\"note\":\"$TLS_NOTE\"}" >>"$OUT"
}
if [ "$MODE" != profile ] && { [ "$MODE" = check ] || [[ " $PEERS " == *" chat "* ]]; }; then setup_tls; fi

# ---- rooms: roomload (bench/rooms/), the driver for chat's room cells ---------
# The rig's loadgen puts every client in the one default room; roomload puts
# them in rooms (plain mode, /join). ROOMS_OK=1 when chat has rooms (its
# `serve --help` lists --max-rooms) and roomload built; else ROOMS_NOTE says
# why not; ROOMS_BROKEN=1 when roomload.c fails to build (--check fails on it).
ROOMS_OK=0 ROOMS_NOTE="" ROOMS_BROKEN=0
ROOMLOAD="$RIG/roomload"
setup_rooms() {
  if ! chat_has '--max-rooms'; then ROOMS_NOTE="chat serve has no --max-rooms (no rooms)"; return 1; fi
  if ! cc -O2 -Wall -Wextra -o "$ROOMLOAD" "$repo/bench/rooms/roomload.c" 2>"$WORK/roomload.log" ||
     [ -s "$WORK/roomload.log" ]; then
    cat "$WORK/roomload.log" >&2
    ROOMS_NOTE="building roomload failed or warned (bench/rooms/roomload.c)"; ROOMS_BROKEN=1; return 1
  fi
  ROOMS_OK=1
}
if [ "$MODE" != profile ] && { [ "$MODE" = check ] || [[ " $PEERS " == *" chat "* ]]; }; then setup_rooms; fi
rooms_skipped() {
  echo "  (skipping the rooms cells: $ROOMS_NOTE)" >&2
  echo "{\"label\":\"$MID|chat|rooms-skipped|1\",\"mode\":\"note\",\"note\":\"$ROOMS_NOTE\"}" >>"$OUT"
}

# ---- cluster: chat serve --redis, nodes on one fresh redis-server per cell ----
# (bench/cluster/cluster_cells.sh: the cells, Redis and the nodes; roomload
# drives them). CLUSTER_OK=1 when chat has --redis, redis-server is there and
# roomload built; else CLUSTER_NOTE says why not.
# shellcheck source=bench/cluster/cluster_cells.sh
. "$repo/bench/cluster/cluster_cells.sh"
if [ "$MODE" != profile ] && { [ "$MODE" = check ] || [[ " $PEERS " == *" chat "* ]]; }; then setup_cluster; fi

# ---- scale: one room of thousands (bench/scale/), driven by crowd -------------
# shellcheck source=bench/scale/scale_cells.sh
. "$repo/bench/scale/scale_cells.sh"
if [ "$MODE" != profile ] && { [ "$MODE" = check ] || [[ " $PEERS " == *" chat "* ]]; }; then setup_scale; fi

# ---- peers: install what is missing (Debian packages) -----------------------
have_peer() {
  case "$1" in
    chat|seed-c|ideal-c) return 0 ;;
    chat-irc) chat_has '--irc-port' ;;
    ncat) command -v ncat >/dev/null ;;
    ngircd) command -v ngircd >/dev/null || [ -x /usr/sbin/ngircd ] ;;
    inspircd) command -v inspircd >/dev/null || [ -x /usr/sbin/inspircd ] ;;
    *) return 1 ;;
  esac
}
export PATH="$PATH:/usr/sbin"
missing=""
for p in $PEERS; do have_peer "$p" || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing$missing (apt-get)" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
  keep=""
  for p in $PEERS; do
    if have_peer "$p"; then keep="$keep $p"
    elif [ "$p" = chat-irc ]; then echo "!! skipping chat-irc: chat serve --help lists no --irc-port" >&2
    else echo "!! skipping $p: not installed (apt-get install $p)" >&2; fi
  done
  PEERS="${keep# }"
fi

# ---- one cell on a fresh server (same scheme as run_matrix.sh) ---------------
PORT=$((${BASE_PORT:-19000} + RANDOM % 2000))
PID=""
LOGDIR=""
OUT="$RESULTS/results.jsonl"
proto_of() { case "$1" in seed-c|ideal-c) echo raw ;; ncat) echo ncat ;; ngircd|inspircd|chat-irc) echo irc ;; chat) echo chat ;; esac; }
maxn_of() { case "$1" in seed-c) echo 100 ;; ncat) echo 500 ;; *) echo 1000 ;; esac; }
# chat-irc: chat with --irc-port on the cell's port (its TCP port on any free
# one), from bench/irc/start.sh with the chat peer's CHAT_CMD and CHAT_SERVE_ARGS
start_script() { if [ "$1" = chat-irc ]; then echo "$repo/bench/irc/start.sh"; else echo "$RIG/peers/$1/start.sh"; fi; }
start_server() {
  PORT=$((PORT + 1))
  while ss -Hltn "sport = :$PORT" | grep -q LISTEN; do PORT=$((PORT + 1)); done
  PID=$("$(start_script "$1")" "$PORT" "$LOGDIR") || { PID=""; return 1; }
  sleep 0.3
}
stop_server() {
  [ -n "${PID:-}" ] || return 0
  kill "$PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$PID" 2>/dev/null && kill -9 "$PID" 2>/dev/null
  PID=""
}
jget() { sed -n "s/.*\"$1\":\([-0-9.a-z]*\).*/\1/p" | head -1; }
LAST=""
# run_cell peer cell rep loadgen-args...: fresh server, one loadgen run, one JSON line
# (LOADGEN: another loadgen binary, e.g. loadgen-tls)
run_cell() {
  local peer=$1 name=$2 rep=$3; shift 3
  LAST=""
  start_server "$peer" || { echo "  !! $peer failed to start" >&2; return 1; }
  [ -n "${BEFORE_LOADGEN:-}" ] && { $BEFORE_LOADGEN || { stop_server; return 1; }; }
  LAST=$("${LOADGEN:-$RIG/loadgen}" --port "$PORT" --proto "$(proto_of "$peer")" --server-pid "$PID" \
         --label "$MID|$peer|$name|$rep" "$@" 2>>"$LOGDIR/loadgen.stderr")
  [ -n "${AFTER_LOADGEN:-}" ] && $AFTER_LOADGEN
  stop_server
  [ -n "$LAST" ] || { echo "  !! no output ($peer $name)" >&2; return 1; }
  echo "$LAST" >>"$OUT"
  printf '  %-9s %-14s rep%s N=%-4s delivered=%s lost=%s dup=%s reord=%s corrupt=%s d/s=%s p99=%s srv_cpu=%s%%\n' \
    "$peer" "$name" "$rep" "$(echo "$LAST" | jget clients)" "$(echo "$LAST" | jget delivered)" \
    "$(echo "$LAST" | jget lost)" "$(echo "$LAST" | jget duplicated)" "$(echo "$LAST" | jget reordered)" \
    "$(echo "$LAST" | jget corrupt_lines)" "$(echo "$LAST" | jget deliveries_per_s)" \
    "$(echo "$LAST" | sed -n 's/.*"p99":\([0-9.]*\).*/\1/p')" "$(echo "$LAST" | jget server_cpu_pct)" >&2
}
COMMON=(--timeout 120 --join-timeout 30 --stall 5 --give-up 3 --window 8 --payload 40)

# run_rooms_cell cell rep roomload-args...: chat on a fresh server, one roomload
# run, one JSON line (the rooms cells are chat's alone)
ROOMS_COMMON=(--timeout 120 --join-timeout 30 --stall 5 --give-up 3 --window 8 --payload 40 --connect-rate 1000)
run_rooms_cell() {
  local name=$1 rep=$2; shift 2
  LAST=""
  start_server chat || { echo "  !! chat failed to start" >&2; return 1; }
  LAST=$("$ROOMLOAD" --port "$PORT" --server-pid "$PID" --label "$MID|chat|$name|$rep" "$@" 2>>"$LOGDIR/roomload.stderr")
  stop_server
  [ -n "$LAST" ] || { echo "  !! no output (chat $name)" >&2; return 1; }
  echo "$LAST" >>"$OUT"
  if [[ "$LAST" == *'"mode":"enter"'* ]]; then
    printf '  %-9s %-14s rep%s N=%-4s rooms=%s joins=%s entered=%s enter_s=%s total_s=%s join_errors=%s peak_rss=%skB\n' \
      chat "$name" "$rep" "$(echo "$LAST" | jget clients)" "$(echo "$LAST" | jget rooms)" \
      "$(echo "$LAST" | jget joins_per_client)" "$(echo "$LAST" | jget entered)" "$(echo "$LAST" | jget enter_s)" \
      "$(echo "$LAST" | jget total_s)" "$(echo "$LAST" | jget join_errors)" "$(echo "$LAST" | jget server_hwm_kb)" >&2
  else
    printf '  %-9s %-14s rep%s %sx%s+%s M=%s delivered=%s lost=%s dup=%s reord=%s misrouted=%s d/s=%s p99=%s reader_p99=%s srv_cpu=%ss\n' \
      chat "$name" "$rep" "$(echo "$LAST" | jget rooms)" "$(echo "$LAST" | jget members_per_room)" \
      "$(echo "$LAST" | jget extra_readers)" "$(echo "$LAST" | jget messages_per_client)" \
      "$(echo "$LAST" | jget delivered)" "$(echo "$LAST" | jget lost)" "$(echo "$LAST" | jget duplicated)" \
      "$(echo "$LAST" | jget reordered)" "$(echo "$LAST" | jget misrouted)" "$(echo "$LAST" | jget deliveries_per_s)" \
      "$(echo "$LAST" | sed -n 's/.*"latency_ms":{"p50":[0-9.]*,"p90":[0-9.]*,"p99":\([0-9.]*\).*/\1/p')" \
      "$(echo "$LAST" | sed -n 's/.*"reader_latency_ms":{"p50":[0-9.]*,"p90":[0-9.]*,"p99":\([0-9.]*\).*/\1/p')" \
      "$(echo "$LAST" | jget server_cpu_s)" >&2
  fi
}
# M per member so that a posting cell runs ~ROOMS_TARGET_S seconds: from a short
# calibration run (~1 M deliveries, label `calibrate`, left out of the tables)
# at the rate it measured; sets M_PICK
rooms_pick_m() { # rooms members
  local r=$1 k=$2 per mcal rate
  per=$((r * k * (k - 1)))   # deliveries per message round (one message from every member)
  mcal=$((1000000 / per)); [ "$mcal" -lt 5 ] && mcal=5
  M_PICK=$mcal
  run_rooms_cell calibrate 0 --rooms "$r" --members "$k" --messages "$mcal" "${ROOMS_COMMON[@]}" 2>/dev/null || return 0
  rate=$(echo "$LAST" | jget deliveries_per_s); rate=${rate%.*}; [ -z "$rate" ] && rate=0
  M_PICK=$(( ${ROOMS_TARGET_S:-6} * rate / per ))
  [ "$M_PICK" -lt 20 ] && M_PICK=20
  [ "$M_PICK" -gt 100000 ] && M_PICK=100000
  return 0
}
# the rooms cells: one room of 100 (the base), 100 rooms of 10, the same with
# one reader in all 100 rooms, and 1000 clients entering 10 rooms each at once
rooms_cells() { # reps m_base m_rooms
  local reps=$1 mb=$2 mr=$3 r order c
  for r in $(seq 1 "$reps"); do
    # the order flips between reps, so a drift of the box favours no side of a pair
    order="base rooms reader"; [ $((r % 2)) = 0 ] && order="reader rooms base"
    for c in $order; do
      case $c in
        base) run_rooms_cell rooms-base "$r" --rooms 1 --members 100 --messages "$mb" "${ROOMS_COMMON[@]}" ;;
        rooms) run_rooms_cell rooms100x10 "$r" --rooms 100 --members 10 --messages "$mr" "${ROOMS_COMMON[@]}" ;;
        reader) run_rooms_cell rooms-reader "$r" --rooms 100 --members 10 --reader-in-all-rooms \
                  --messages "$mr" "${ROOMS_COMMON[@]}" ;;
      esac
    done
    run_rooms_cell rooms-enter1000 "$r" --enter-only --clients 1000 --rooms 100 --joins-per-client 10 \
      --connect-rate 0 --timeout 90 --join-timeout 30 --stall 10
  done
}
# every rooms cell, sized (or, quick: fixed at ~1.5 M deliveries per posting cell)
rooms_run() { # quick
  local mb mr
  if [ "$1" -eq 1 ]; then
    rooms_cells 1 $((1500000 / (100 * 99))) $((1500000 / (1000 * 9)))
  else
    rooms_pick_m 1 100; mb=$M_PICK
    rooms_pick_m 100 10; mr=$M_PICK
    echo "  rooms: M=$mb (1 room x 100), M=$mr (100 rooms x 10) for ~${ROOMS_TARGET_S:-6} s runs" >&2
    rooms_cells 2 "$mb" "$mr"
  fi
}

# the stalled reader: joins before the loadgen, reads nothing, is stopped after it
STALL_PID=""
STALL_OUT=""
STALL_PEER=""
start_staller() {
  STALL_OUT="$LOGDIR/staller-$PORT.out"
  deno run --allow-net "$repo/bench/stall_client.ts" --port "$PORT" --proto "$(proto_of "$STALL_PEER")" \
    --hold 200 >"$STALL_OUT" 2>&1 &
  STALL_PID=$!
  for _ in $(seq 1 100); do
    grep -q '^ready' "$STALL_OUT" 2>/dev/null && return 0
    kill -0 "$STALL_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "  !! the stalled client did not join: $(tail -c 300 "$STALL_OUT")" >&2
  kill "$STALL_PID" 2>/dev/null; STALL_PID=""
  return 1
}
stop_staller() {
  [ -n "$STALL_PID" ] || return 0
  kill -INT "$STALL_PID" 2>/dev/null
  for _ in $(seq 1 60); do kill -0 "$STALL_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$STALL_PID" 2>/dev/null
  STALL_PID=""
  local info slow=null
  info=$(grep '^{' "$STALL_OUT" | tail -1)
  [ -n "$info" ] || info='{"ready":false}'
  if [ "$STALL_PEER" = chat ] || [ "$STALL_PEER" = chat-irc ]; then
    if grep -q 'staller left (slow)' "$LOGDIR/$STALL_PEER-$PORT.log" 2>/dev/null; then slow=true; else slow=false; fi
  fi
  echo "{\"label\":\"$MID|$STALL_PEER|stall-info|$STALL_REP\",\"mode\":\"staller\",\"left_slow\":$slow,\"staller\":$info}" >>"$OUT"
  echo "  staller: $info (chat log says left slow: $slow)" >&2
}

# M for a peer's N=100 closed-loop cell in this matrix (run_matrix picked it), or a default
m_of_n100() {
  local m
  m=$(grep -F "\"label\":\"$MID|$1|window|1\"" "$OUT" | grep '"clients":100,' | jget messages_per_client | head -1)
  echo "${m:-${2:-500}}"
}

# which code was measured: the commit, and the files of the product changed
# beside it (the checkout is shared: a run measures the working tree as it is)
tree_note() {
  local commit dirty
  commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null)
  dirty=$(git -C "$repo" status --porcelain -- main.ts server protocol client web 2>/dev/null | awk '{print $2}' | tr '\n' ' ')
  echo "{\"label\":\"$MID|chat|tree|1\",\"mode\":\"note\",\"commit\":\"${commit:-?}\",\"changed\":\"${dirty% }\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >>"$OUT"
}

# ---- modes ------------------------------------------------------------------
if [ "$MODE" = profile ]; then
  MID="p$(date +%Y%m%d-%H%M%S)"; LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  OUT="$LOGDIR/results.jsonl"
  prof="$LOGDIR/prof"; mkdir -p "$prof"
  export CHAT_DENO_FLAGS="--cpu-prof --cpu-prof-dir=$prof"
  pp=${PROFILE_PEER:-chat}
  case "$pp" in chat|chat-irc) ;; *) die "PROFILE_PEER is chat or chat-irc" ;; esac
  echo "profile $MID: $pp, N=100, closed loop window 8 (profiles in $prof)" >&2
  # SIGINT lets the server shut down cleanly, which is when the profile is written
  start_server "$pp" || die "$pp did not start"
  "$RIG/loadgen" --port "$PORT" --proto "$(proto_of "$pp")" --clients 100 --messages "${PROFILE_M:-3000}" --connect-rate 1000 \
    --server-pid "$PID" --label "$MID|$pp|window|1" "${COMMON[@]}" >>"$OUT" 2>"$LOGDIR/loadgen.stderr"
  tail -3 "$LOGDIR/loadgen.stderr" >&2
  kill -INT "$PID"; for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done; PID=""
  f=$(ls -t "$prof"/*.cpuprofile 2>/dev/null | head -1)
  [ -n "$f" ] || die "no .cpuprofile written"
  deno run -R "$repo/bench/profile_summary.ts" "$f" "${PROFILE_TOP:-25}"
  exit 0
fi

if [ "$MODE" = check ]; then
  # chat alone (and its IRC port); every assertion is about correctness, none about speed
  MID="c$(date +%Y%m%d-%H%M%S)"; LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  OUT="$LOGDIR/results.jsonl"
  echo "check $MID: chat under load, correctness only (logs in $LOGDIR)" >&2
  tree_note
  fail=0
  verify() { # the last cell: every expected delivery exactly once, in order, intact
    local what=$1 bad=""
    [ -n "$LAST" ] || { echo "FAIL $what: no result" >&2; fail=1; return; }
    for f in lost lost_of_sent duplicated reordered corrupt_lines self_echo server_errors disconnects \
             connect_failures registration_failures; do
      v=$(echo "$LAST" | jget "$f"); [ "${v:-x}" = 0 ] || bad="$bad $f=${v:-?}"
    done
    [ "$(echo "$LAST" | jget delivered)" = "$(echo "$LAST" | jget expected_deliveries)" ] || bad="$bad delivered!=expected"
    for f in stalled timed_out join_wait_timed_out; do
      [[ " ${VERIFY_SKIP:-} " == *" $f "* ]] && continue
      [ "$(echo "$LAST" | jget "$f")" = false ] || bad="$bad $f"
    done
    if [ -n "$bad" ]; then echo "FAIL $what:$bad" >&2; fail=1; else echo "ok   $what" >&2; fi
  }
  run_cell chat window 1 --clients 10 --messages 3000 --connect-rate 1000 "${COMMON[@]}"; verify "N=10 closed loop"
  run_cell chat window 1 --clients 100 --messages 300 --connect-rate 1000 "${COMMON[@]}"; verify "N=100 closed loop"
  run_cell chat window 1 --clients 500 --messages 8 --connect-rate 500 "${COMMON[@]}"; verify "N=500 closed loop"
  run_cell chat rate5 1 --clients 100 --messages 10 --rate 5 --connect-rate 1000 "${COMMON[@]}"; verify "100 x 5 msg/s"
  run_cell chat payload200 1 --clients 50 --messages 200 --payload 200 --connect-rate 1000 \
    --timeout 120 --join-timeout 30 --stall 5 --give-up 3 --window 8; verify "200-byte texts"
  run_cell chat payload4000 1 --clients 20 --messages 100 --payload 4000 --connect-rate 1000 \
    --timeout 120 --join-timeout 30 --stall 5 --give-up 3 --window 8; verify "4000-byte texts"
  # Above 500 members chat announces a batch of joins as one summary line, which
  # the rig's loadgen does not count: its join wait cannot see everybody and
  # runs out (kept short here). Every client must still be welcomed and get
  # every message; who is in the room is checked name by name by the scale
  # cells below (crowd's storm of 2000).
  run_cell chat burst1000 1 --clients 1000 --messages 2 --connect-rate 0 --timeout 90 --join-timeout 5 --stall 5
  VERIFY_SKIP=join_wait_timed_out verify "1000 connects at once (presence: see the storm below)"
  # the others lose nothing while one member stops reading; it is dropped as slow
  STALL_PEER=chat; STALL_REP=1; BEFORE_LOADGEN=start_staller AFTER_LOADGEN=stop_staller \
    run_cell chat stall 1 --clients 100 --messages 2000 --connect-rate 1000 "${COMMON[@]}"; verify "100 busy + 1 stalled reader"
  grep -F "|chat|stall-info|" "$OUT" | grep -q '"left_slow":true' || { echo "FAIL the stalled reader was not dropped as slow" >&2; fail=1; }
  # the same line protocol inside TLS, every connection through loadgen-tls
  if [ "$TLS_OK" = 1 ]; then
    LOADGEN="$RIG/loadgen-tls" CHAT_SERVE_ARGS="$BASE_CHAT_ARGS $TLS_ARGS" AFTER_LOADGEN=tls_said \
      run_cell chat tls 1 --clients 100 --messages 300 --connect-rate 1000 "${COMMON[@]}"; verify "N=100 over TLS"
  elif [ "$TLS_BROKEN" = 1 ]; then
    echo "FAIL N=100 over TLS: $TLS_NOTE" >&2; fail=1
  else
    echo "skip N=100 over TLS: $TLS_NOTE" >&2
  fi
  # rooms: roomload's own accounting against a fake relay with injected faults,
  # then 20 rooms x 5 members + 1 reader in all of them, and 1000 clients
  # entering 10 rooms each at once: every answer, every delivery exactly once
  if [ "$ROOMS_OK" = 1 ]; then
    if bash "$repo/bench/rooms/selftest.sh" "$ROOMLOAD" 2>"$LOGDIR/roomload-selftest.log"; then
      echo "ok   roomload accounting (fake relay: drop, dup, swap, corrupt, mis-tag, stray)" >&2
    else
      cat "$LOGDIR/roomload-selftest.log" >&2; echo "FAIL roomload accounting (bench/rooms/selftest.sh)" >&2; fail=1
    fi
    run_rooms_cell rooms20x5 1 --rooms 20 --members 5 --reader-in-all-rooms --messages 500 "${ROOMS_COMMON[@]}"
    verify "20 rooms x 5 + 1 reader in all"
    v=$(echo "$LAST" | jget misrouted); [ "${v:-x}" = 0 ] || { echo "FAIL rooms: misrouted=${v:-?}" >&2; fail=1; }
    v=$(echo "$LAST" | jget delivered_readers)
    [ "${v:-x}" = $((20 * 5 * 500)) ] || { echo "FAIL rooms: the reader got ${v:-?} of $((20 * 5 * 500))" >&2; fail=1; }
    run_rooms_cell rooms-enter1000 1 --enter-only --clients 1000 --rooms 100 --joins-per-client 10 \
      --connect-rate 0 --timeout 90 --join-timeout 30 --stall 10
    bad=""
    for e in entered=1000 joins_answered=10000 enter_incomplete=0 join_errors=0 rooms_short=0 connect_failures=0 \
             registration_failures=0 disconnects=0; do
      v=$(echo "$LAST" | jget "${e%%=*}"); [ "${v:-?}" = "${e#*=}" ] || bad="$bad ${e%%=*}=${v:-?}"
    done
    if [ -n "$bad" ]; then echo "FAIL 1000 x 10 rooms entered at once:$bad" >&2; fail=1; else echo "ok   1000 x 10 rooms entered at once" >&2; fi
  elif [ "$ROOMS_BROKEN" = 1 ]; then
    echo "FAIL rooms: $ROOMS_NOTE" >&2; fail=1
  else
    echo "skip rooms: $ROOMS_NOTE" >&2
  fi
  # cluster: 20 members of one room over 2 nodes on one Redis, plain and JSON acked
  if [ "$CLUSTER_OK" = 1 ]; then cluster_check; else echo "skip cluster: $CLUSTER_NOTE" >&2; fi
  # one room of thousands: a join storm of 2000 (every view name by name), 2000
  # held with 20 posting (every delivery to all), the IRC port's JOIN storm
  if [ "$SCALE_OK" = 1 ]; then
    scale_check
  elif [ "$SCALE_BROKEN" = 1 ]; then
    echo "FAIL scale cells: $SCALE_NOTE" >&2; fail=1
  else
    echo "skip scale cells: $SCALE_NOTE" >&2
  fi
  # the IRC port (chat-irc): the loadgen's irc adapter (NICK/USER, 001, JOIN #bench,
  # 353/366), 100 clients; no 4xx/5xx/ERROR (server_errors), every PRIVMSG exactly once
  if chat_has '--irc-port'; then
    run_cell chat-irc window 1 --clients 100 --messages 300 --connect-rate 1000 "${COMMON[@]}"
    verify "IRC port: N=100 closed loop (--proto irc)"
  else
    echo "skip IRC port: chat serve --help lists no --irc-port" >&2
  fi
  if [ "$fail" -ne 0 ]; then echo "bench check FAILED (results in $OUT)" >&2; exit 1; fi
  echo "bench check passed" >&2
  exit 0
fi

# ---- the IRC cells: the matrix's scheme, for chat-irc (run_matrix.sh does not know it) ----
crate() { if [ "$1" -ge 500 ]; then echo 200; else echo 1000; fi; }
# M so that a closed-loop run at N takes ~TARGET s (8, or --target): from a
# short calibration run (~1 M deliveries, label `calibrate`), as run_matrix.sh
# picks it; sets M_PICK
matrix_pick_m() { # peer n
  local peer=$1 n=$2 pairs mcal rate
  pairs=$((n * (n - 1)))
  mcal=$((1000000 / pairs)); [ "$mcal" -lt 5 ] && mcal=5
  M_PICK=20
  run_cell "$peer" calibrate 0 --clients "$n" --messages "$mcal" --connect-rate "$(crate "$n")" "${COMMON[@]}" 2>/dev/null || return 0
  rate=$(echo "$LAST" | jget deliveries_per_s); rate=${rate%.*}; [ -z "$rate" ] && rate=0
  M_PICK=$(( ${TARGET:-8} * rate / pairs ))
  [ "$M_PICK" -lt 20 ] && M_PICK=20
  [ "$M_PICK" -gt 1000000 ] && M_PICK=1000000
  return 0
}
# closed loop N=100 (3 reps) and N=1000, 100 x 5 msg/s for 10 s, 1000 idle
# clients held 5 s: the rig's cells of the same names, with its settings
irc_cells() { # peer
  local peer=$1 n r reps
  echo "== $peer (IRC cells)" >&2
  for n in 100 1000; do
    matrix_pick_m "$peer" "$n"
    reps=1; [ "$n" -eq 100 ] && reps=3
    for r in $(seq 1 "$reps"); do
      run_cell "$peer" window "$r" --clients "$n" --messages "$M_PICK" --connect-rate "$(crate "$n")" "${COMMON[@]}"
    done
  done
  run_cell "$peer" rate5 1 --clients 100 --messages 50 --rate 5 --connect-rate 1000 "${COMMON[@]}"
  run_cell "$peer" idle1000 1 --idle --hold 5 --clients 1000 --connect-rate 200 --timeout 120 --join-timeout 30
}

# ---- only the cluster cells (chat alone, no matrix), or only the IRC cells ---
t0=$(date +%s)
if [ "$ONLY" = irc ]; then
  MID="m$(date +%Y%m%d-%H%M%S)"; LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  [ -n "$PEERS" ] || die "no IRC peer to run (chat-irc, ngircd, inspircd: see above)"
  echo "IRC cells $MID ($MODE): $PEERS -> $OUT (logs in $LOGDIR)" >&2
  for peer in $PEERS; do
    if [ "$MODE" = quick ]; then
      # fixed sizes, as the quick matrix: ~1.5 M deliveries per closed-loop cell
      run_cell "$peer" window 1 --clients 100 --messages 151 --connect-rate 1000 "${COMMON[@]}"
      run_cell "$peer" window 1 --clients 1000 --messages 5 --connect-rate 200 "${COMMON[@]}"
      run_cell "$peer" rate5 1 --clients 100 --messages 10 --rate 5 --connect-rate 1000 "${COMMON[@]}"
      run_cell "$peer" idle1000 1 --idle --hold 1 --clients 1000 --connect-rate 1000 --timeout 60 --join-timeout 20
    else
      irc_cells "$peer"
    fi
  done
  echo "== done in $(( $(date +%s) - t0 )) s" >&2
  deno run -R -W="$LOGDIR" "$repo/bench/summarize.ts" "$OUT" "$MID" "$LOGDIR/SUMMARY.md" || die "summarize failed"
  echo "wrote $LOGDIR/SUMMARY.md (cells $MID, raw lines in $OUT)" >&2
  exit 0
fi
if [ "$ONLY" = scale ]; then
  MID="m$(date +%Y%m%d-%H%M%S)"; LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  echo "scale cells $MID ($MODE): $PEERS -> $OUT (logs in $LOGDIR)" >&2
  tree_note
  if [ "$SCALE_OK" = 1 ]; then scale_only "$([ "$MODE" = quick ] && echo 1 || echo 0)"; else scale_skipped; fi
  echo "== done in $(( $(date +%s) - t0 )) s" >&2
  deno run -R -W="$LOGDIR" "$repo/bench/summarize.ts" "$OUT" "$MID" "$LOGDIR/SUMMARY.md" || die "summarize failed"
  # a full-size scale run is kept beside the full matrix's summary (quick ones are not)
  [ "$MODE" = quick ] || cp "$LOGDIR/SUMMARY.md" "$RESULTS/SCALE.md"
  echo "wrote $LOGDIR/SUMMARY.md (cells $MID, raw lines in $OUT)" >&2
  exit 0
fi
if [ "$ONLY" = rooms ]; then
  MID="m$(date +%Y%m%d-%H%M%S)"; LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  echo "rooms cells $MID ($MODE) -> $OUT (logs in $LOGDIR)" >&2
  tree_note
  if [ "$ROOMS_OK" = 1 ]; then rooms_run "$([ "$MODE" = quick ] && echo 1 || echo 0)"; else rooms_skipped; fi
  echo "== done in $(( $(date +%s) - t0 )) s" >&2
  # a part of a run: its summary stays beside its logs, results/SUMMARY.md is the full run's
  deno run -R -W="$LOGDIR" "$repo/bench/summarize.ts" "$OUT" "$MID" "$LOGDIR/SUMMARY.md" || die "summarize failed"
  echo "wrote $LOGDIR/SUMMARY.md (cells $MID, raw lines in $OUT)" >&2
  exit 0
fi
if [ "$ONLY" = cluster ]; then
  MID="m$(date +%Y%m%d-%H%M%S)"; LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  echo "cluster cells $MID ($MODE) -> $OUT (logs in $LOGDIR)" >&2
  if [ "$CLUSTER_OK" = 1 ]; then cluster_run "$([ "$MODE" = quick ] && echo 1 || echo 0)"; else cluster_skipped; fi
  echo "== done in $(( $(date +%s) - t0 )) s" >&2
  # a part of a run: its summary stays beside its logs, results/SUMMARY.md is the full run's
  deno run -R -W="$LOGDIR" "$repo/bench/summarize.ts" "$OUT" "$MID" "$LOGDIR/SUMMARY.md" || die "summarize failed"
  echo "wrote $LOGDIR/SUMMARY.md (cells $MID, raw lines in $OUT)" >&2
  exit 0
fi

# ---- full: the rig's matrix; quick: the same cells, small and fixed -----------
if [ "$MODE" = quick ]; then
  # run_matrix.sh --quick still calibrates every cell and holds idle clients
  # 5 s (~1 min per peer): here each cell has a fixed size of ~1.5 M deliveries
  MID="m$(date +%Y%m%d-%H%M%S)"; LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  echo "matrix $MID (quick) -> $OUT (logs in $LOGDIR)" >&2
  for peer in $PEERS; do
    echo "== $peer" >&2
    for n in 10 50 100 500 1000; do
      [ "$n" -gt "$(maxn_of "$peer")" ] && continue
      m=$((1500000 / (n * (n - 1)))); [ "$m" -lt 5 ] && m=5
      run_cell "$peer" window 1 --clients "$n" --messages "$m" --connect-rate "$(crate "$n")" "${COMMON[@]}"
    done
    run_cell "$peer" rate5 1 --clients 100 --messages 10 --rate 5 --connect-rate 1000 "${COMMON[@]}"
    run_cell "$peer" idle1000 1 --idle --hold 1 --clients 1000 --connect-rate "$([ "$peer" = ncat ] && echo 200 || echo 1000)" --timeout 60 --join-timeout 20
  done
else
  mq=(); [ -n "$TARGET" ] && mq=(--target "$TARGET")
  # the rig's peers go to run_matrix.sh; chat-irc's cells follow, with its matrix id
  rig_peers=""
  for p in $PEERS; do [ "$p" = chat-irc ] || rig_peers="$rig_peers $p"; done
  rig_peers="${rig_peers# }"
  if [ -n "$rig_peers" ]; then
    echo "== rig matrix: $rig_peers" >&2
    (cd "$RIG" && ./run_matrix.sh --peers "$rig_peers" --out "$OUT" "${mq[@]}") 2>&1 | tee "$WORK/matrix.log" >&2
    MID=$(sed -n 's/^matrix \(m[0-9-]*\) .*/\1/p' "$WORK/matrix.log" | head -1)
    [ -n "$MID" ] || die "run_matrix.sh did not start a matrix (see $WORK/matrix.log)"
  else
    MID="m$(date +%Y%m%d-%H%M%S)"
    echo "matrix $MID -> $OUT" >&2
  fi
  LOGDIR="/tmp/bench-logs/$MID"; mkdir -p "$LOGDIR"
  [[ " $PEERS " == *" chat-irc "* ]] && irc_cells chat-irc
fi
tree_note

echo "== extra cells ($MID)" >&2
quick=0; [ "$MODE" = quick ] && quick=1
for peer in $PEERS; do
  # quick: chat alone gets the extra cells; ideal-c is the floor of relaying,
  # not a chat server: the matrix and the held cell, not stalls or bursts
  [ "$quick" -eq 1 ] && [ "$peer" != chat ] && continue
  [ "$peer" = ideal-c ] && continue
  maxn=$(maxn_of "$peer")
  m100=$(m_of_n100 "$peer" 300)
  # idle 5000: memory per client (seed-c: MAX_CLIENTS 100; ncat: select() caps it near 1020)
  if [ "$maxn" -ge 1000 ]; then
    [ "$quick" -eq 0 ] && run_cell "$peer" idle5000 1 --idle --hold 5 --clients 5000 --connect-rate 1000 --timeout 120 --join-timeout 30
    # 1000 clients connecting at once: all joined within 2 s, none refused
    run_cell "$peer" burst1000 1 --clients 1000 --messages 2 --connect-rate 0 --timeout 90 --join-timeout 30 --stall 5
  fi
  # one client that stops reading among 100 busy ones, against the same run without it
  n=100; [ "$peer" = seed-c ] && n=99   # seed-c holds 100 connections in all
  # long enough that the staller's kernel buffers (several MB) and outbox fill
  ms=$m100; [ "$ms" -lt 2000 ] && ms=2000
  reps=1; [ "$quick" -eq 0 ] && [ "$peer" = chat ] && reps=2
  for r in $(seq 1 "$reps"); do
    run_cell "$peer" stall-base "$r" --clients "$n" --messages "$ms" --connect-rate 1000 "${COMMON[@]}"
    STALL_PEER=$peer; STALL_REP=$r; BEFORE_LOADGEN=start_staller AFTER_LOADGEN=stop_staller \
      run_cell "$peer" stall "$r" --clients "$n" --messages "$ms" --connect-rate 1000 "${COMMON[@]}"
  done
  if [ "$peer" = chat ]; then
    # persistent history (the default, SQLite chat.db) against --db :memory:, N=100
    if chat_has '--db'; then
      md=$m100; [ "$md" -lt 600 ] && md=600
      for r in $(seq 1 "$reps"); do
        CHAT_SERVE_ARGS="$BASE_CHAT_ARGS --db :memory:" run_cell chat db-memory "$r" --clients 100 --messages "$md" --connect-rate 1000 "${COMMON[@]}"
        run_cell chat db-default "$r" --clients 100 --messages "$md" --connect-rate 1000 "${COMMON[@]}"
      done
    else
      echo "  (skipping persistent vs :memory: storage: chat serve --help lists no --db)" >&2
      echo "{\"label\":\"$MID|chat|db-skipped|1\",\"mode\":\"note\",\"note\":\"chat serve has no --db\"}" >>"$OUT"
    fi
    # TLS against plain TCP at N=100, the M of chat's N=100 cell, paired in
    # this run; the order flips between reps, so a drift in the box's speed
    # does not favour one side
    if [ "$TLS_OK" = 1 ]; then
      for r in $(seq 1 "$reps"); do
        for side in $([ $((r % 2)) = 1 ] && echo "base tls" || echo "tls base"); do
          if [ "$side" = tls ]; then
            LOADGEN="$RIG/loadgen-tls" CHAT_SERVE_ARGS="$BASE_CHAT_ARGS $TLS_ARGS" AFTER_LOADGEN=tls_said \
              run_cell chat tls "$r" --clients 100 --messages "$m100" --connect-rate 1000 "${COMMON[@]}"
          else
            run_cell chat tls-base "$r" --clients 100 --messages "$m100" --connect-rate 1000 "${COMMON[@]}"
          fi
        done
      done
    else
      tls_skipped
    fi
    # rooms: 100 rooms of 10 against one room of 100, a member in all 100 rooms,
    # 1000 members entering 10 rooms each at once (roomload, same run)
    if [ "$ROOMS_OK" = 1 ]; then rooms_run "$quick"; else rooms_skipped; fi
    # cluster: one room of 100 on 1, 2, 3 nodes on Redis against the single
    # node with SQLite; acked messages/s at 1 and 50 senders
    if [ "$CLUSTER_OK" = 1 ]; then cluster_run "$quick"; else cluster_skipped; fi
  fi
done
# one room of thousands: storms, held load (chat, ngircd, inspircd, ideal-c; quick: chat)
if [ "$SCALE_OK" = 1 ]; then scale_run "$quick"; elif [[ " $PEERS " == *" chat "* ]]; then scale_skipped; fi
echo "== done in $(( $(date +%s) - t0 )) s" >&2

deno run -R -W="$RESULTS" "$repo/bench/summarize.ts" "$OUT" "$MID" "$RESULTS/SUMMARY.md" || die "summarize failed"
echo "wrote $RESULTS/SUMMARY.md (matrix $MID, raw lines in $OUT)" >&2
