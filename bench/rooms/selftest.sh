#!/bin/bash
# bench/rooms/selftest.sh [ROOMLOAD] -- roomload's accounting against a fake
# relay (fake_relay.ts) that drops, duplicates, swaps, corrupts, mis-tags or
# strays every Nth delivery on purpose: each counter must equal what was
# injected, and nothing else may move. Also one clean run, one in enter
# mode, and two over two ports (--ports: the second one a forwarder to the
# same relay, ../cluster/tcp_forward.ts, so the rooms are shared and the
# spreading can be counted). Acked mode (JSON) is not covered here: the fake
# relay speaks plain mode only; bench/run.sh --check runs it against chat.
# Builds roomload with cc when no binary is given. ~20 s; exit 1 on any
# mismatch.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/roomload-selftest.XXXXXX")"
RL="${1:-}"
if [ -z "$RL" ]; then
  RL="$work/roomload"
  cc -O2 -Wall -Wextra -o "$RL" "$here/roomload.c" || exit 1
fi
RELAY_PID="" FWD_PID="" FORWARD=0
cleanup() {
  [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null
  [ -n "$FWD_PID" ] && kill "$FWD_PID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
jget() { sed -n "s/.*\"$1\":\([-0-9.a-z]*\).*/\1/p" <<<"$2" | head -1; }
fail=0
port=$((${BASE_PORT:-21000} + RANDOM % 2000))

start_relay() { # fault every
  port=$((port + 1))
  while ss -Hltn "sport = :$port" | grep -q LISTEN; do port=$((port + 1)); done
  deno run --allow-net --allow-write="$work" "$here/fake_relay.ts" --port "$port" --fault "$1" --every "$2" \
    --stats "$work/stats.json" >"$work/relay.log" 2>&1 &
  RELAY_PID=$!
  for _ in $(seq 1 100); do ss -Hltn "sport = :$port" | grep -q LISTEN && return 0; sleep 0.1; done
  echo "FAIL the fake relay did not start: $(cat "$work/relay.log")" >&2
  exit 1
}
stop_relay() {
  rm -f "$work/stats.json"
  kill -TERM "$RELAY_PID" 2>/dev/null
  for _ in $(seq 1 50); do [ -s "$work/stats.json" ] && break; sleep 0.1; done
  wait "$RELAY_PID" 2>/dev/null
  RELAY_PID=""
  INJECTED=$(sed -n 's/.*"injected":\([0-9]*\).*/\1/p' "$work/stats.json" 2>/dev/null)
}

# a second port for the relay: a forwarder to it (connections counted)
start_forward() {
  fport=$((port + 1))
  while ss -Hltn "sport = :$fport" | grep -q LISTEN; do fport=$((fport + 1)); done
  deno run --allow-net --allow-write="$work" "$here/../cluster/tcp_forward.ts" --port "$fport" --to "$port" \
    --stats "$work/fwd.json" >"$work/fwd.log" 2>&1 &
  FWD_PID=$!
  for _ in $(seq 1 100); do ss -Hltn "sport = :$fport" | grep -q LISTEN && return 0; sleep 0.1; done
  echo "FAIL the forwarder did not start: $(cat "$work/fwd.log")" >&2
  exit 1
}
stop_forward() {
  rm -f "$work/fwd.json"
  kill -TERM "$FWD_PID" 2>/dev/null
  for _ in $(seq 1 50); do [ -s "$work/fwd.json" ] && break; sleep 0.1; done
  wait "$FWD_PID" 2>/dev/null
  FWD_PID=""
  FORWARDED=$(sed -n 's/.*"connections":\([0-9]*\).*/\1/p' "$work/fwd.json" 2>/dev/null)
}

# scenario fault every expectations...: each expectation is FIELD=VALUE, where
# VALUE may be "inj" (the relay's injected count) or "exp-inj" (expected_deliveries
# minus it); fields not named must be 0 (and delivered = expected_deliveries)
scenario() {
  local fault=$1 every=$2; shift 2
  start_relay "$fault" "$every"
  local out target=(--port "$port") what=$fault exp bad="" v want f
  # --ports: client k takes port k mod 2, so 6 of the 13 clients come through the forwarder
  if [ "$FORWARD" = 1 ]; then start_forward; target=(--ports "$port,$fport"); what="$fault over 2 ports"; fi
  out=$("$RL" "${target[@]}" --rooms 4 --members 3 --reader-in-all-rooms --messages 300 --window 4 \
        --give-up 0.3 --stall 2 --timeout 30 --label "selftest-$fault" 2>"$work/rl.err")
  stop_relay
  if [ "$FORWARD" = 1 ]; then
    stop_forward
    [ "${FORWARDED:-?}" = 6 ] || bad="$bad forwarded=${FORWARDED:-?}(want 6)"
    [ "$(jget ports "$out")" = 2 ] || bad="$bad ports=$(jget ports "$out")"
  fi
  exp=$(jget expected_deliveries "$out")
  declare -A want_of=([lost]=0 [duplicated]=0 [reordered]=0 [corrupt_lines]=0 [misrouted]=0 [self_echo]=0
                      [server_errors]=0 [foreign_lines]=0 [connect_failures]=0 [registration_failures]=0
                      [join_incomplete]=0 [unexpected_answers]=0 [delivered]=$exp)
  for e in "$@"; do
    f=${e%%=*}; want=${e#*=}
    case "$want" in inj) want=$INJECTED ;; exp-inj) want=$((exp - INJECTED)) ;; esac
    want_of[$f]=$want
  done
  for f in "${!want_of[@]}"; do
    v=$(jget "$f" "$out")
    [ "${v:-?}" = "${want_of[$f]}" ] || bad="$bad $f=${v:-?}(want ${want_of[$f]})"
  done
  [ "${INJECTED:-0}" -gt 0 ] || [ "$fault" = none ] || bad="$bad nothing-injected"
  [ "$exp" = $((4 * 3 * 300 * 3)) ] || bad="$bad expected_deliveries=$exp"
  if [ -n "$bad" ]; then
    echo "FAIL $what (injected ${INJECTED:-?}):$bad" >&2
    tail -3 "$work/rl.err" >&2
    fail=1
  else
    echo "ok   $what: injected ${INJECTED:-0}, counted as expected" >&2
  fi
}

scenario none 1
scenario drop 97 lost=inj delivered=exp-inj
scenario dup 89 duplicated=inj
scenario swap 83 reordered=inj
scenario corrupt 79 corrupt_lines=inj lost=inj delivered=exp-inj
scenario mistag 73 misrouted=inj lost=inj delivered=exp-inj
scenario stray 71 misrouted=inj
FORWARD=1
scenario none 1
scenario drop 97 lost=inj delivered=exp-inj
FORWARD=0

# enter mode: 60 clients, 6 joins each over 20 rooms, every answer counted
start_relay none 1
out=$("$RL" --port "$port" --enter-only --clients 60 --rooms 20 --joins-per-client 6 --timeout 30 2>"$work/rl.err")
stop_relay
bad=""
for e in entered=60 joins_answered=360 enter_incomplete=0 rooms_short=0 members_per_room=18 join_errors=0; do
  v=$(jget "${e%%=*}" "$out"); [ "${v:-?}" = "${e#*=}" ] || bad="$bad ${e%%=*}=${v:-?}(want ${e#*=})"
done
if [ -n "$bad" ]; then echo "FAIL enter mode:$bad" >&2; fail=1; else echo "ok   enter mode: 60 x 6 joins answered" >&2; fi

[ "$fail" = 0 ] && echo "roomload selftest passed" >&2
exit "$fail"
