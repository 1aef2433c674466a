# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154 # sourced by run.sh: repo, fail and the SCALE_* flags are its
# bench/scale/scale_cells.sh -- issue 14's cells (one room of thousands),
# sourced by bench/run.sh (which defines RIG, WORK, LOGDIR, OUT, MID, PORT,
# PEERS, BASE_CHAT_ARGS, COMMON, chat_has, jget, start_server, stop_server,
# run_cell, matrix_pick_m, crate).
#
# Driven by crowd (bench/scale/crowd*.c, built beside the loadgen): the rig's
# loadgen makes every client a sender and counts presence without names;
# crowd joins N clients to one room, checks every client's view of the room
# name by name, then lets a few of them post while all N time and check
# every delivery.
#
#   stormN   N clients joining one room at 1000/s, held 5 s: all welcomed,
#            every view complete, /who of 3 clients exact, peak RSS; the RSS
#            after the hold / N is the idle-memory figure at N (as loadgen's
#            --idle computes it: (RSS after the hold - RSS before) / joined)
#   heldN    N clients (joined at 1000/s, settled, held 5 s: the idle figure
#            at N), then S of them post M messages at 5 msg/s each: latency
#            to all N, loss, server CPU and RSS
#   idle1000 loadgen --idle, the rig's cell (200 connects/s), where the
#            matrix does not run it (--only scale)
#   rate5    loadgen, 100 x 5 msg/s (the rig's cell), every peer
#
# SCALE_OK=1 when crowd built; else SCALE_NOTE says why not, and
# SCALE_BROKEN=1 when crowd*.c fails to build or warns (--check fails on it).

SCALE_OK=0 SCALE_NOTE="" SCALE_BROKEN=0
CROWD="$RIG/crowd"
STORM_PEERS="chat ngircd inspircd"          # chat servers with a room to join
HELD_PEERS="chat ideal-c ngircd inspircd"   # ideal-c: the floor of relaying
setup_scale() {
  if ! cc -O2 -Wall -Wextra -o "$CROWD" "$repo"/bench/scale/crowd.c "$repo"/bench/scale/crowd_net.c \
       "$repo"/bench/scale/crowd_lines.c 2>"$WORK/crowd.log" || [ -s "$WORK/crowd.log" ]; then
    cat "$WORK/crowd.log" >&2
    SCALE_NOTE="building crowd failed or warned (bench/scale/crowd*.c)"; SCALE_BROKEN=1; return 1
  fi
  SCALE_OK=1
}
scale_skipped() {
  echo "  (skipping the scale cells: $SCALE_NOTE)" >&2
  echo "{\"label\":\"$MID|chat|scale-skipped|1\",\"mode\":\"note\",\"note\":\"$SCALE_NOTE\"}" >>"$OUT"
}
crowd_proto() { case "$1" in chat) echo chat ;; chat-irc|ngircd|inspircd) echo irc ;; *) echo raw ;; esac; }
# chat holds at most --max-clients connections (10 000 by default): the bench
# asks for more, as an operator of a big room would; the product's default stays
scale_chat_args() {
  local a="$BASE_CHAT_ARGS"
  chat_has '--max-clients' && a="$a --max-clients 20000"
  echo "$a"
}

# run_crowd_cell peer cell rep crowd-args...: a fresh server, one crowd run, one
# JSON line; chat's log is searched for members it dropped as slow
run_crowd_cell() {
  local peer=$1 name=$2 rep=$3 slow=null log; shift 3
  LAST=""
  CHAT_SERVE_ARGS="$(scale_chat_args)" start_server "$peer" || { echo "  !! $peer failed to start" >&2; return 1; }
  LAST=$("$CROWD" --port "$PORT" --proto "$(crowd_proto "$peer")" --server-pid "$PID" \
         --label "$MID|$peer|$name|$rep" "$@" 2>>"$LOGDIR/crowd.stderr")
  case "$peer" in chat|chat-irc) log="$LOGDIR/$peer-$PORT.log" ;; *) log="" ;; esac
  [ -n "$log" ] && slow=$(grep -c 'left (slow)' "$log" 2>/dev/null)
  stop_server
  [ -n "$LAST" ] || { echo "  !! no output ($peer $name)" >&2; return 1; }
  LAST="${LAST%\}},\"slow_drops_logged\":${slow:-null}}"
  echo "$LAST" >>"$OUT"
  printf '  %-9s %-10s N=%-5s welcomed=%s settled=%ss views=%s/%s who=%s/%s peak=%skB kB/client=%s' \
    "$peer" "$name" "$(echo "$LAST" | jget clients)" "$(echo "$LAST" | jget welcomed)" \
    "$(echo "$LAST" | jget settle_s)" "$(echo "$LAST" | jget views_complete)" "$(echo "$LAST" | jget open_at_end)" \
    "$(echo "$LAST" | jget who_ok)" "$(echo "$LAST" | jget who_asked)" "$(echo "$LAST" | jget server_hwm_kb)" \
    "$(echo "$LAST" | jget server_rss_kb_per_client)" >&2
  if [[ "$LAST" == *'"mode":"held"'* ]]; then
    printf ' delivered=%s/%s p99=%s p99.9=%s srv_cpu=%s%%' "$(echo "$LAST" | jget delivered)" \
      "$(echo "$LAST" | jget expected_deliveries)" \
      "$(echo "$LAST" | sed -n 's/.*"latency_ms":{"p50":[0-9.]*,"p90":[0-9.]*,"p99":\([0-9.]*\).*/\1/p')" \
      "$(echo "$LAST" | sed -n 's/.*"latency_ms":{[^}]*"p999":\([0-9.]*\).*/\1/p')" \
      "$(echo "$LAST" | jget server_cpu_pct)" >&2
  fi
  echo " slow=$slow" >&2
}

# every client in and staying, every view and /who right: sets SCALE_BAD
scale_assert_storm() {
  local e v
  SCALE_BAD=""
  [ -n "$LAST" ] || { SCALE_BAD=" no result"; return; }
  local n; n=$(echo "$LAST" | jget clients)
  for e in welcomed=$n open_at_end=$n connect_failures=0 registration_failures=0 disconnects_setup=0 disconnects=0 \
           presence_dups=0 presence_bad=0 leaves_seen=0 views_short=0 views_over=0 views_complete=$n \
           server_errors=0 settle_timed_out=false timed_out=false; do
    v=$(echo "$LAST" | jget "${e%%=*}")
    [ "${v:-?}" = "${e#*=}" ] || SCALE_BAD="$SCALE_BAD ${e%%=*}=${v:-?}"
  done
  [ "$(echo "$LAST" | jget who_ok)" = "$(echo "$LAST" | jget who_asked)" ] || SCALE_BAD="$SCALE_BAD who_ok!=who_asked"
  v=$(echo "$LAST" | jget slow_drops_logged); [ "$v" = 0 ] || [ "$v" = null ] || SCALE_BAD="$SCALE_BAD slow_drops_logged=$v"
}
# the held cell: the storm's checks (raw: no presence) and every delivery exactly once
scale_assert_held() {
  local e v raw=$1
  if [ "$raw" = 1 ]; then
    SCALE_BAD=""
    for e in connect_failures=0 disconnects_setup=0 settle_timed_out=false; do
      v=$(echo "$LAST" | jget "${e%%=*}"); [ "${v:-?}" = "${e#*=}" ] || SCALE_BAD="$SCALE_BAD ${e%%=*}=${v:-?}"
    done
  else
    scale_assert_storm
  fi
  [ -n "$LAST" ] || return
  for e in lost=0 duplicated=0 reordered=0 corrupt_lines=0 self_echo=0 not_sent=0 disconnects=0 stalled=false \
           timed_out=false; do
    v=$(echo "$LAST" | jget "${e%%=*}")
    [ "${v:-?}" = "${e#*=}" ] || SCALE_BAD="$SCALE_BAD ${e%%=*}=${v:-?}"
  done
  [ "$(echo "$LAST" | jget delivered)" = "$(echo "$LAST" | jget expected_deliveries)" ] || SCALE_BAD="$SCALE_BAD delivered!=expected"
  v=$(echo "$LAST" | jget expected_deliveries); [ "${v:-0}" -gt 0 ] || SCALE_BAD="$SCALE_BAD expected_deliveries=${v:-?}"
}
scale_verdict() { # what: ok/FAIL line from SCALE_BAD; sets fail=1 on failure (run.sh's --check)
  if [ -n "$SCALE_BAD" ]; then echo "FAIL $1:$SCALE_BAD" >&2; fail=1; else echo "ok   $1" >&2; fi
}

# --check: small versions, correctness only (no timing asserts)
scale_check() {
  # crowd's counters against a fake room that spoils presence and deliveries on purpose
  if bash "$repo/bench/scale/selftest.sh" "$CROWD" 2>"$LOGDIR/crowd-selftest.log"; then
    echo "ok   crowd accounting (fake room: dropped and doubled joins, a short /who, drops, dups)" >&2
  else
    cat "$LOGDIR/crowd-selftest.log" >&2; echo "FAIL crowd accounting (bench/scale/selftest.sh)" >&2; fail=1
  fi
  run_crowd_cell chat storm2000 1 --clients 2000 --connect-rate 1000 --who 3 --settle-timeout 60 --timeout 120
  scale_assert_storm; scale_verdict "join storm: 2000 into one room at 1000/s (every view and /who exact, nobody dropped)"
  run_crowd_cell chat held2000 1 --clients 2000 --connect-rate 1000 --who 1 --posters 20 --rate 5 --messages 10 \
    --settle-timeout 60 --timeout 120
  scale_assert_held 0; scale_verdict "held: 2000 in one room, 20 posting 5 msg/s (all 2000 get every message once, in order)"
  if chat_has '--irc-port'; then
    run_crowd_cell chat-irc storm1000 1 --clients 1000 --connect-rate 1000 --who 2 --settle-timeout 60 --timeout 120
    scale_assert_storm; scale_verdict "IRC port: 1000 JOIN at 1000/s (every NAMES and JOIN view exact)"
  fi
  # crowd's own delivery accounting against the bare relay: nothing may be off
  run_crowd_cell ideal-c held1000 1 --clients 1000 --connect-rate 1000 --posters 10 --rate 5 --messages 10 --timeout 60
  scale_assert_held 1; scale_verdict "crowd against ideal-c: 1000 clients, 10 posting (every delivery counted once)"
}

# idle memory at 1000 with the rig's settings, for the servers with a room
scale_idle1000() {
  local peer
  for peer in $STORM_PEERS; do
    [[ " $PEERS " == *" $peer "* ]] || continue
    run_cell "$peer" idle1000 1 --idle --hold 5 --clients 1000 --connect-rate 200 --timeout 120 --join-timeout 30
  done
}

# the storm and held cells: quick (1) small, chat alone; full (0) 10 000 and 15 000
scale_run() {
  local quick=$1 peer sn hn posters m hold w
  if [ "$quick" = 1 ]; then sn=2000 hn=3000 posters=20 m=10 hold=1; else sn=10000 hn=15000 posters=100 m=50 hold=5; fi
  echo "== scale cells: storm of $sn, $hn held with $posters posting at 5 msg/s" >&2
  local stormed=""
  for peer in $STORM_PEERS; do
    [[ " $PEERS " == *" $peer "* ]] || continue
    [ "$quick" = 1 ] && [ "$peer" != chat ] && continue
    run_crowd_cell "$peer" "storm$sn" 1 --clients "$sn" --connect-rate 1000 --who 3 --hold "$hold" \
      --settle-timeout 60 --timeout 240 || continue
    # a server that could not take the storm is not held with more
    [ "$(echo "$LAST" | jget welcomed)" = "$sn" ] && stormed="$stormed $peer"
  done
  for peer in $HELD_PEERS; do
    [[ " $PEERS " == *" $peer "* ]] || continue
    [ "$quick" = 1 ] && [ "$peer" != chat ] && continue
    if [ "$peer" != ideal-c ] && [[ " $stormed " != *" $peer "* ]]; then
      local why="$peer did not welcome all $sn clients of storm$sn, so it is not held with $hn"
      echo "  ($why)" >&2
      echo "{\"label\":\"$MID|$peer|held$hn-skipped|1\",\"mode\":\"note\",\"note\":\"$why\"}" >>"$OUT"
      continue
    fi
    w=3; [ "$peer" = ideal-c ] && w=0
    run_crowd_cell "$peer" "held$hn" 1 --clients "$hn" --connect-rate 1000 --who "$w" --hold "$hold" \
      --posters "$posters" --rate 5 --messages "$m" --settle-timeout 60 --stall 10 --timeout 300
  done
}

# --only scale: the new cells with what they are held against, in one run:
# chat and ideal-c closed loop at N=100 (x3) and N=500, rate5 for every peer,
# idle1000 for the servers with a room, then the storm and held cells
scale_only() {
  local quick=$1 peer n r reps
  for peer in chat ideal-c; do
    [[ " $PEERS " == *" $peer "* ]] || continue
    echo "== $peer (closed loop)" >&2
    for n in 100 500; do
      if [ "$quick" = 1 ]; then
        run_cell "$peer" window 1 --clients "$n" --messages $((1500000 / (n * (n - 1)) + 5)) --connect-rate "$(crate "$n")" "${COMMON[@]}"
        continue
      fi
      matrix_pick_m "$peer" "$n"
      reps=1; [ "$n" -eq 100 ] && reps=3
      for r in $(seq 1 "$reps"); do
        run_cell "$peer" window "$r" --clients "$n" --messages "$M_PICK" --connect-rate "$(crate "$n")" "${COMMON[@]}"
      done
    done
  done
  echo "== rate5 (100 x 5 msg/s), every peer" >&2
  for peer in $PEERS; do
    run_cell "$peer" rate5 1 --clients 100 --messages "$([ "$quick" = 1 ] && echo 10 || echo 50)" --rate 5 \
      --connect-rate 1000 "${COMMON[@]}"
  done
  [ "$quick" = 1 ] || scale_idle1000
  scale_run "$quick"
}
