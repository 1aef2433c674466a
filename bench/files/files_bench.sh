#!/bin/bash
# bench/files/files_bench.sh -- file throughput over loopback: chat's web port
# against Python's http.server, in one bounded run.
#
#   bench/files/files_bench.sh              3 reps of a 100 MiB file (~1 min)
#   bench/files/files_bench.sh -r 5         5 reps
#   FILE_MIB=200 bench/files/files_bench.sh a bigger file (does memory grow with it?)
#
# Each rep makes a fresh random file, then (the order flips between reps, so a
# drift of the box favours neither side):
#   chat    asks for an upload grant over the TCP port (grant.py, JSON mode),
#           `curl -T` PUTs the file to the one-time URL (timed), checks the
#           sha256 the server answers, GETs the file URL once to a file (sha256
#           check) and once more to /dev/null (timed);
#   python  PUTs the same file to put_server.py (http.server with a do_PUT
#           streaming 64 KiB chunks to disk, fsynced like chat's), GETs it
#           from `python3 -m http.server` serving the file's directory.
# During every transfer the server's resident memory is sampled every 10 ms
# (rss_sampler.py) and its VmHWM is reset before (/proc/PID/clear_refs) and
# read after: the peak RSS growth over the RSS before the transfer.
#
# stdout: one `files ...` line per measurement, `summary ...` lines, then a
# table (medians over the reps). Progress and failures go to stderr.
# Exit 0; 1 when a transfer failed or a checksum differed; 2 on bad usage.
#
# Env: R (reps, default 3; -r), FILE_MIB (default 100), CURL_MAX_S (per
# transfer, default 120), BENCH_TIMEOUT_S (the whole run, default 900),
# KEEP=1 (keep the temp dir and the server's log), CHAT_DENO_FLAGS.
set -u
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/bench/files"
R="${R:-3}"
FILE_MIB="${FILE_MIB:-100}"
CURL_MAX_S="${CURL_MAX_S:-120}"
BENCH_TIMEOUT_S="${BENCH_TIMEOUT_S:-900}"
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--reps) R="$2"; shift ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "files_bench.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$R" =~ ^[1-9][0-9]*$ ]] || { echo "files_bench.sh: R must be a positive integer" >&2; exit 2; }
[[ "$FILE_MIB" =~ ^[1-9][0-9]*$ ]] || { echo "files_bench.sh: FILE_MIB must be a positive integer" >&2; exit 2; }
for t in curl python3 deno; do
  command -v "$t" >/dev/null || { echo "files_bench.sh: needs $t" >&2; exit 2; }
done

BYTES=$((FILE_MIB * 1024 * 1024))
RUN="f$(date -u +%Y%m%d-%H%M%S)"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/chat-files-bench.XXXXXX")
RESULTS="$TMP/results.txt"
: >"$RESULTS"
PIDS=()      # every background process this script started
CHAT_PID=""
FAIL=0

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  # chat stops cleanly on SIGTERM; give it 5 s, then kill
  for _ in $(seq 50); do
    local alive=0
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then
    rm -f "$TMP"/src/* "$TMP"/put/* "$TMP"/files/* "$TMP"/dl.bin 2>/dev/null
    echo "files_bench.sh: kept $TMP (logs)" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'echo "files_bench.sh: interrupted" >&2; exit 130' INT
trap 'echo "files_bench.sh: over BENCH_TIMEOUT_S=$BENCH_TIMEOUT_S s, stopped" >&2; exit 124' TERM

# the whole run is bounded: a watchdog sends us TERM (every curl is bounded too)
( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep "$BENCH_TIMEOUT_S" & s=$!; wait $s; kill -TERM $$ ) &
PIDS+=($!)

die() { echo "files_bench.sh: $*" >&2; exit 1; }
kb_of() { sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null; }
# waits (bounded) until FILE has a line matching RE; prints the first match
wait_line() { # file regex seconds
  local _i
  for _i in $(seq $(($3 * 20))); do
    grep -m1 -E "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
mibs() { awk -v b="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.1f", b / t / 1048576; else print 0 }'; }

mkdir -p "$TMP/src" "$TMP/put" "$TMP/files"

# ---- the servers --------------------------------------------------------------
MAX_FILE=$((BYTES > 200 * 1048576 ? BYTES : 200 * 1048576))
MAX_FILES=$(((R + 2) * BYTES)); [ "$MAX_FILES" -lt $((2 * 1073741824)) ] && MAX_FILES=$((2 * 1073741824))
echo "== files bench $RUN: $R reps of $FILE_MIB MiB over loopback ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
(
  cd "$TMP" || exit 1
  # shellcheck disable=SC2086
  exec deno run -A ${CHAT_DENO_FLAGS:-} --config "$repo/deno.json" "$repo/main.ts" serve \
    --host 127.0.0.1 --port 0 --web-port 0 --db :memory: \
    --max-file-size "$MAX_FILE" --max-files-bytes "$MAX_FILES" --files-dir "$TMP/files" \
    --rate-limit 0 --log-level warn
) >"$TMP/chat.out" 2>"$TMP/chat.err" &
CHAT_PID=$!
PIDS+=("$CHAT_PID")
python3 -u "$here/put_server.py" "$TMP/put" >"$TMP/put.out" 2>"$TMP/put.err" &
PUT_PID=$!
PIDS+=("$PUT_PID")
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$TMP/src" >"$TMP/get.out" 2>"$TMP/get.err" &
GET_PID=$!
PIDS+=("$GET_PID")

line=$(wait_line "$TMP/chat.out" 'tcp://' 60) || die "chat did not start: $(tail -c 500 "$TMP/chat.err")"
TCP_PORT=$(sed 's#.*tcp://[^:]*:\([0-9]*\).*#\1#' <<<"$line")
line=$(wait_line "$TMP/chat.out" 'web on http://' 10) || die "chat's web side did not start: $(tail -c 500 "$TMP/chat.err")"
WEB_URL=$(sed 's#.*\(http://[^ ]*\).*#\1#' <<<"$line")
line=$(wait_line "$TMP/put.out" 'put listening' 10) || die "put_server.py did not start: $(tail -c 500 "$TMP/put.err")"
PUT_URL=$(sed 's#.*\(http://[^ ]*\).*#\1#' <<<"$line")
line=$(wait_line "$TMP/get.out" 'Serving HTTP' 10) || die "http.server did not start: $(tail -c 500 "$TMP/get.err")"
GET_URL="http://127.0.0.1:$(sed 's/.* port \([0-9]*\).*/\1/' <<<"$line")"
sleep 1 # let chat settle after its start before the first RSS reading
RSS_START=$(kb_of "$CHAT_PID" VmRSS)
HWM_START=$(kb_of "$CHAT_PID" VmHWM)
echo "  chat tcp :$TCP_PORT web $WEB_URL (pid $CHAT_PID, RSS $RSS_START kB); python put $PUT_URL, get $GET_URL" >&2
CAN_RESET=0
echo 5 2>/dev/null >"/proc/$CHAT_PID/clear_refs" && CAN_RESET=1
[ $CAN_RESET = 1 ] || echo "  (cannot reset VmHWM: /proc/$CHAT_PID/clear_refs; peaks are the 10 ms samples only)" >&2

# ---- one timed transfer, with the server's memory watched ---------------------
# measure SERVER_PID OUT -- curl ARGS...: runs curl (its -w output to OUT) and
# sets M_BEFORE M_PEAK M_HWM M_AFTER (kB) and M_SAMPLES
measure() {
  local pid=$1 out=$2 sampler s
  shift 3
  M_BEFORE=$(kb_of "$pid" VmRSS)
  echo 5 2>/dev/null >"/proc/$pid/clear_refs"
  python3 "$here/rss_sampler.py" "$pid" 10 >"$TMP/sampler.out" &
  sampler=$!
  PIDS+=("$sampler")
  # its first reading before the first byte (and its SIGTERM handler in place)
  wait_line "$TMP/sampler.out" '^ready' 10 >/dev/null || echo "  (the RSS sampler did not start)" >&2
  curl -sS --connect-timeout 5 --max-time "$CURL_MAX_S" "$@" >"$out" 2>"$TMP/curl.err"
  kill -TERM "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null
  s=$(cat "$TMP/sampler.out")
  M_PEAK=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' <<<"$s")
  M_SAMPLES=$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' <<<"$s")
  M_HWM=$(kb_of "$pid" VmHWM)
  M_AFTER=$(kb_of "$pid" VmRSS)
  # the peak: the highest sample, or VmHWM when it was reset before
  [ $CAN_RESET = 1 ] && [ "${M_HWM:-0}" -gt "${M_PEAK:-0}" ] && M_PEAK=$M_HWM
  : "${M_PEAK:=0}" "${M_SAMPLES:=0}" "${M_BEFORE:=0}" "${M_AFTER:=0}" "${M_HWM:=0}"
}

# record SERVER OP REP CODE TIME_S SIZE CURL_BPS OK EXTRA...
record() {
  local server=$1 op=$2 rep=$3 code=$4 t=$5 size=$6 bps=$7 ok=$8
  shift 8
  local line
  line="files run=$RUN server=$server op=$op rep=$rep bytes=$size time_s=$t mib_s=$(mibs "$size" "$t") curl_Bps=${bps%.*} http=$code ok=$ok rss_before_kb=$M_BEFORE rss_peak_kb=$M_PEAK rss_growth_kb=$((M_PEAK - M_BEFORE)) rss_after_kb=$M_AFTER samples=$M_SAMPLES $*"
  echo "$line" | tee -a "$RESULTS"
  [ "$ok" = 1 ] || FAIL=1
}

chat_rep() { # rep file sha
  local rep=$1 file=$2 sha=$3 gout code t bps size resp furl rsha ok dsha
  gout="$TMP/grant.$rep"
  python3 "$here/grant.py" 127.0.0.1 "$TCP_PORT" "bench$rep" lobby big.bin "$BYTES" 600 >"$gout" 2>&1 &
  local gpid=$!
  PIDS+=("$gpid")
  if ! wait_line "$gout" '^(url|error)=' 15 >/dev/null || ! grep -q '^url=' "$gout"; then
    echo "  !! no upload grant (rep $rep): $(head -c 300 "$gout")" >&2
    FAIL=1; kill "$gpid" 2>/dev/null; return
  fi
  local url
  url=$(sed -n 's/^url=//p' "$gout")
  # upload
  measure "$CHAT_PID" "$TMP/put.w" -- -T "$file" -o "$TMP/put.resp" \
    -w '%{http_code} %{time_total} %{size_upload} %{speed_upload}' "$url"
  read -r code t size bps <"$TMP/put.w"
  resp=$(cat "$TMP/put.resp" 2>/dev/null)
  furl=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' <<<"$resp")
  rsha=$(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' <<<"$resp")
  ok=0; [ "$code" = 201 ] && [ "$size" = "$BYTES" ] && [ "$rsha" = "$sha" ] && ok=1
  [ $ok = 1 ] || echo "  !! chat upload rep $rep: http $code, $size bytes, sha ${rsha:-none}: $(head -c 300 "$TMP/put.resp") $(cat "$TMP/curl.err")" >&2
  record chat upload "$rep" "$code" "$t" "$size" "$bps" "$ok" "sha_ok=$([ "$rsha" = "$sha" ] && echo 1 || echo 0)"
  # the uploader may go now: the file is shared
  kill "$gpid" 2>/dev/null
  [ -n "$furl" ] || { echo "  !! no file URL in the answer, no download (rep $rep)" >&2; FAIL=1; return; }
  # download once to a file: the bytes must be the original's
  curl -sS --connect-timeout 5 --max-time "$CURL_MAX_S" -o "$TMP/dl.bin" "$furl" 2>"$TMP/curl.err"
  dsha=$(sha256sum "$TMP/dl.bin" 2>/dev/null | cut -d' ' -f1)
  rm -f "$TMP/dl.bin"
  # download again to /dev/null: the timed one
  measure "$CHAT_PID" "$TMP/get.w" -- -o /dev/null \
    -w '%{http_code} %{time_total} %{size_download} %{speed_download}' "$furl"
  read -r code t size bps <"$TMP/get.w"
  ok=0; [ "$code" = 200 ] && [ "$size" = "$BYTES" ] && [ "$dsha" = "$sha" ] && ok=1
  [ $ok = 1 ] || echo "  !! chat download rep $rep: http $code, $size bytes, sha ${dsha:-none} vs $sha $(cat "$TMP/curl.err")" >&2
  record chat download "$rep" "$code" "$t" "$size" "$bps" "$ok" "sha_ok=$([ "$dsha" = "$sha" ] && echo 1 || echo 0)"
}

python_rep() { # rep file
  local rep=$1 file=$2 code t bps size ok
  measure "$PUT_PID" "$TMP/put.w" -- -T "$file" -o "$TMP/put.resp" \
    -w '%{http_code} %{time_total} %{size_upload} %{speed_upload}' "$PUT_URL/big.bin"
  read -r code t size bps <"$TMP/put.w"
  ok=0; [ "$code" = 201 ] && [ "$size" = "$BYTES" ] && [ "$(stat -c %s "$TMP/put/big.bin" 2>/dev/null)" = "$BYTES" ] && ok=1
  [ $ok = 1 ] || echo "  !! python upload rep $rep: http $code, $size bytes $(cat "$TMP/curl.err")" >&2
  record python upload "$rep" "$code" "$t" "$size" "$bps" "$ok" "fsync=1"
  rm -f "$TMP/put/big.bin"
  measure "$GET_PID" "$TMP/get.w" -- -o /dev/null \
    -w '%{http_code} %{time_total} %{size_download} %{speed_download}' "$GET_URL/big.bin"
  read -r code t size bps <"$TMP/get.w"
  ok=0; [ "$code" = 200 ] && [ "$size" = "$BYTES" ] && ok=1
  [ $ok = 1 ] || echo "  !! python download rep $rep: http $code, $size bytes $(cat "$TMP/curl.err")" >&2
  record python download "$rep" "$code" "$t" "$size" "$bps" "$ok"
}

# ---- the reps -------------------------------------------------------------------
t0=$(date +%s)
for rep in $(seq 1 "$R"); do
  head -c "$BYTES" /dev/urandom >"$TMP/src/big.bin" || die "cannot write $TMP/src/big.bin"
  sha=$(sha256sum "$TMP/src/big.bin" | cut -d' ' -f1)
  if [ $((rep % 2)) = 1 ]; then
    chat_rep "$rep" "$TMP/src/big.bin" "$sha"; python_rep "$rep" "$TMP/src/big.bin"
  else
    python_rep "$rep" "$TMP/src/big.bin"; chat_rep "$rep" "$TMP/src/big.bin" "$sha"
  fi
done
RSS_END=$(kb_of "$CHAT_PID" VmRSS)
kill -0 "$CHAT_PID" 2>/dev/null || { echo "  !! chat is gone: $(tail -c 500 "$TMP/chat.err")" >&2; FAIL=1; }
WARNINGS=$(grep -c -iE 'warn|error' "$TMP/chat.err" 2>/dev/null)
[ "${WARNINGS:-0}" -gt 0 ] && echo "  chat logged $WARNINGS warning/error lines: $(head -c 400 "$TMP/chat.err")" >&2

# ---- summary --------------------------------------------------------------------
python3 - "$RESULTS" "$RUN" "$R" "$FILE_MIB" "$RSS_START" "$HWM_START" "${RSS_END:-0}" "$FAIL" "$(( $(date +%s) - t0 ))" <<'EOF'
import statistics, sys
path, run, reps, mib, rss0, hwm0, rss_end, fail, wall = sys.argv[1:]
rows = []
for line in open(path):
    kv = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
    rows.append(kv)
def cell(server, op, key="mib_s"):
    return [float(r[key]) for r in rows if r["server"] == server and r["op"] == op and r["ok"] == "1"]
med = {}
for server in ("chat", "python"):
    for op in ("upload", "download"):
        v = cell(server, op)
        med[server, op] = statistics.median(v) if v else None
        if v:
            print(f"summary run={run} server={server} op={op} reps={len(v)} mib_s_median={med[server, op]:.1f} "
                  f"mib_s_min={min(v):.1f} mib_s_max={max(v):.1f}")
chat = [r for r in rows if r["server"] == "chat"]
peak = max([int(hwm0)] + [int(r["rss_peak_kb"]) for r in chat])
g_up = max([int(r["rss_growth_kb"]) for r in chat if r["op"] == "upload"], default=0)
g_dn = max([int(r["rss_growth_kb"]) for r in chat if r["op"] == "download"], default=0)
# the first transfer of a fresh server pays its warm-up (heap, buffers, JIT);
# the later ones show whether each transfer costs memory again (a leak)
g_first = int(chat[0]["rss_growth_kb"]) if chat else 0
later = [int(r["rss_growth_kb"]) for r in chat[1:] if r["op"] == "upload"] + \
        [int(r["rss_growth_kb"]) for r in chat[2:] if r["op"] == "download"]
g_later = max(later, default=0)
# RSS after rep 1 (its last chat transfer) against the end: drift across reps
after1 = next((int(r["rss_after_kb"]) for r in reversed(chat) if r["rep"] == "1"), int(rss_end))
drift = int(rss_end) - after1
file_kb = int(mib) * 1024
bound = file_kb // 4
if max(g_up, g_dn) < bound:
    verdict = "flat"
elif g_later < bound and drift < bound and len(chat) > 2:
    verdict = "plateau"   # a one-time step on the first transfer, then flat
elif len(chat) <= 2 or int(mib) < 64:
    # one rep cannot tell a warm-up from a per-transfer cost, nor can files
    # smaller than the warm-up step (~70 MiB): they reach it over several reps
    verdict = "unknown"
else:
    verdict = "grows"
print(f"summary run={run} server=chat rss_start_kb={rss0} rss_peak_kb={peak} rss_end_kb={rss_end} "
      f"growth_upload_max_kb={g_up} growth_download_max_kb={g_dn} growth_first_kb={g_first} "
      f"growth_later_max_kb={g_later} drift_after_rep1_kb={drift} file_kb={file_kb} memory={verdict}")
def f(x): return "–" if x is None else f"{x:.1f}"
def ratio(a, b): return "–" if a is None or not b else f"{a / b:.2f}×"
print()
print(f"Files over loopback, run {run}: {reps} reps of a {mib} MiB file, medians (MiB/s), wall {wall} s")
print()
print("| server | upload MiB/s | download MiB/s |")
print("|---|---:|---:|")
print(f"| chat (web port) | {f(med['chat', 'upload'])} | {f(med['chat', 'download'])} |")
print(f"| python http.server | {f(med['python', 'upload'])} | {f(med['python', 'download'])} |")
print(f"| chat / python | {ratio(med['chat', 'upload'], med['python', 'upload'])} | "
      f"{ratio(med['chat', 'download'], med['python', 'download'])} |")
print()
mb = lambda kb: f"{int(kb) / 1024:.1f} MiB"
words = {
    "flat": f"flat: every transfer far below the {mib} MiB file",
    "plateau": f"a one-time step on the first transfer, then flat (later transfers +{mb(g_later)}, "
               f"drift after rep 1 {'+' if drift >= 0 else ''}{mb(drift)}): bounded, not per file",
    "unknown": "one rep, or a file under 64 MiB, cannot tell the warm-up step from a "
               "per-transfer cost: run more reps of a bigger file",
    "grows": f"NOT flat: later transfers still add up to +{mb(g_later)} "
             f"(drift after rep 1 {mb(drift)}): a server bug",
}
print(f"chat RSS: {mb(rss0)} at start, peak {mb(peak)}, {mb(rss_end)} at the end; "
      f"peak growth during one transfer: upload +{mb(g_up)}, download +{mb(g_dn)}, "
      f"first transfer +{mb(g_first)}, later ones at most +{mb(g_later)}")
print(f"memory: {words[verdict]}")
if fail != "0":
    print("some transfers FAILED (see the !! lines on stderr): their figures are left out")
EOF
[ "$FAIL" = 0 ] || exit 1
exit 0
