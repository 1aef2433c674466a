#!/bin/bash
# bench/scale/selftest.sh [CROWD] -- crowd's accounting against a fake room
# (fake_room.ts) that drops or doubles join announcements, leaves a name out
# of /who, or drops or doubles deliveries on purpose: each counter must equal
# what was injected, and nothing else may move; plus one clean run. Builds
# crowd with cc when no binary is given. ~15 s; exit 1 on any mismatch.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/crowd-selftest.XXXXXX")"
CROWD="${1:-}"
if [ -z "$CROWD" ]; then
  CROWD="$work/crowd"
  cc -O2 -Wall -Wextra -o "$CROWD" "$here/crowd.c" "$here/crowd_net.c" "$here/crowd_lines.c" || exit 1
fi
ROOM_PID=""
cleanup() { [ -n "$ROOM_PID" ] && kill "$ROOM_PID" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
jget() { sed -n "s/.*\"$1\":\([-0-9.a-z]*\).*/\1/p" <<<"$2" | head -1; }
fail=0
port=$((${BASE_PORT:-23000} + RANDOM % 2000))

start_room() { # fault every
  port=$((port + 1))
  while ss -Hltn "sport = :$port" | grep -q LISTEN; do port=$((port + 1)); done
  deno run --allow-net --allow-write="$work" "$here/fake_room.ts" --port "$port" --fault "$1" --every "$2" \
    --stats "$work/stats.json" >"$work/room.log" 2>&1 &
  ROOM_PID=$!
  for _ in $(seq 1 100); do ss -Hltn "sport = :$port" | grep -q LISTEN && return 0; sleep 0.1; done
  echo "FAIL the fake room did not start: $(cat "$work/room.log")" >&2
  exit 1
}
stop_room() {
  rm -f "$work/stats.json"
  kill -TERM "$ROOM_PID" 2>/dev/null
  for _ in $(seq 1 50); do [ -s "$work/stats.json" ] && break; sleep 0.1; done
  wait "$ROOM_PID" 2>/dev/null
  ROOM_PID=""
  INJECTED=$(sed -n 's/.*"injected":\([0-9]*\).*/\1/p' "$work/stats.json" 2>/dev/null)
}

# scenario fault every "crowd args" expectations...: FIELD=VALUE, where VALUE
# may be K (what the room injected, which must be > 0)
scenario() {
  local fault=$1 every=$2 cargs=$3 out e f want got bad=""; shift 3
  start_room "$fault" "$every"
  # shellcheck disable=SC2086 # cargs is a list of options
  out=$("$CROWD" --port "$port" --proto chat --clients 40 --connect-rate 0 --settle-timeout 2 --timeout 30 \
        $cargs 2>"$work/crowd.err")
  stop_room
  [ -n "$out" ] || { echo "FAIL $fault: no output: $(cat "$work/crowd.err")" >&2; fail=1; return; }
  [ "$fault" = none ] || [ "${INJECTED:-0}" -gt 0 ] || bad="$bad nothing-injected"
  for e in "$@"; do
    f=${e%%=*} want=${e#*=}
    [ "$want" = K ] && want=${INJECTED:-?}
    got=$(jget "$f" "$out")
    [ "$got" = "$want" ] || bad="$bad $f=$got(want $want)"
  done
  if [ -n "$bad" ]; then echo "FAIL crowd $fault:$bad" >&2; fail=1; else echo "ok   crowd $fault (injected ${INJECTED:-0})" >&2; fi
}

held="--posters 10 --rate 50 --messages 20"
clean_storm=(views_complete=40 views_missing=0 presence_dups=0 presence_bad=0 who_ok=3 welcomed=40)
scenario none 1 "$held" "${clean_storm[@]}" delivered=7800 lost=0 duplicated=0 reordered=0 corrupt_lines=0
scenario dropjoin 13 "" views_missing=K presence_dups=0 presence_bad=0 settle_timed_out=true welcomed=40
scenario dupjoin 13 "" presence_dups=K views_complete=40 views_missing=0 presence_bad=0 who_ok=3
scenario badwho 1 "" who_ok=0 who_asked=K views_complete=40 presence_dups=0
scenario drop 97 "$held" "${clean_storm[@]}" lost=K duplicated=0 reordered=0 corrupt_lines=0
scenario dup 97 "$held" "${clean_storm[@]}" duplicated=K lost=0 reordered=0 corrupt_lines=0
exit "$fail"
