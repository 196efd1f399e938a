#!/usr/bin/env bash
# A long fuzzing campaign over the libFuzzer targets of tests/fuzz (issue 13), on a machine
# shared with other people: a few fuzzers at a time at the lowest priority, each run for the
# target furthest behind its weighted share of the time, every fuzzer stopped (SIGSTOP) while
# someone holds the benchmark lock and continued (SIGCONT) after, and a table of what each
# target got.
# Usage: tools/fuzz-campaign.sh --help
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
REPO=$PWD

usage() {
  cat << 'EOF'
Usage: tools/fuzz-campaign.sh [options]
Fuzzes the targets of tests/fuzz in turn with the libFuzzer binaries of a sanitizer
build (tools/sanitize-and-fuzz.sh BUILD_DIR --app --no-test --no-fuzz builds them all).

  --build DIR      the sanitizer build (default build-asan)
  --work DIR       corpora, logs, findings and results.tsv (default BUILD_DIR/fuzz-campaign);
                   the corpora grow there from run to run and campaign to campaign
  --hours H        run for H hours (default 1), or
  --until HH:MM    run until that time of day (UTC; tomorrow if it has passed)
  --jobs N         fuzzers at a time (default 2), each at nice 19 (--nice)
  --slice S        seconds of fuzzing per run before the next target's turn (default 300;
                   time while paused does not count)
  --targets LIST   "name:weight ...": each run goes to the target with the least fuzzing
                   time for its weight so far (WORK/results.tsv, earlier campaigns in WORK
                   included); default: the big parsers weighted 2-3, the others 1. A target
                   without a built binary is left out
  --value-profile LIST  targets fuzzed with -use_value_profile=1 (default: binary formats)
  --lock FILE      the benchmark lock (default /work/bench.lock): while `flock -n FILE true`
                   fails, every fuzzer of the campaign is stopped (looked at twice a second)
  --resume-after S the lock free for S seconds before the fuzzers go on (default 5: the
                   next of a queue of benchmarks takes it at once)
  --rss-mb N       -rss_limit_mb (default 2048); --timeout S: -timeout (default 10)
  --table          print the per-target table of WORK/results.tsv (markdown) and exit

Each run: BUILD/tests/fuzz/fuzz_T -rss_limit_mb -timeout -max_len=16384
-dict=(common_json.dict + T.dict) -artifact_prefix=WORK/findings/T/ WORK/corpus/T
tests/fuzz/corpus/T, stopped with SIGINT after --slice seconds of unpaused time. A crash,
sanitizer report, leak, OOM or timeout leaves its input in WORK/findings/T/ and a line in
results.tsv, and the target is not fuzzed again in this campaign; a timeout of a run that
was paused is replayed alone first (a stop longer than -timeout makes libFuzzer report the
input it was in) and kept only if it reproduces. At the end (or on SIGTERM), the table.
Stop early: touch WORK/stop (runs in progress end at once, with their statistics).
EOF
}

BUILD=build-asan
WORK=
HOURS=1
UNTIL=
JOBS=2
SLICE=300
NICE=19
LOCK=/work/bench.lock
RSS_MB=2048
TIMEOUT=10
RESUME_AFTER=5
TABLE_ONLY=0
TARGETS="gguf:3 safetensors:2 tokenizer_json:2 chat_template:3 model_load:2 state_file:2
chat_import:2 attachment:2 chat_config:1 sentencepiece:1 tokenizer_text:1 hub_json:1"
VALUE_PROFILE="gguf safetensors state_file sentencepiece"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=$2; shift ;;
    --work) WORK=$2; shift ;;
    --hours) HOURS=$2; shift ;;
    --until) UNTIL=$2; shift ;;
    --jobs) JOBS=$2; shift ;;
    --slice) SLICE=$2; shift ;;
    --nice) NICE=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --value-profile) VALUE_PROFILE=$2; shift ;;
    --lock) LOCK=$2; shift ;;
    --rss-mb) RSS_MB=$2; shift ;;
    --timeout) TIMEOUT=$2; shift ;;
    --resume-after) RESUME_AFTER=$2; shift ;;
    --table) TABLE_ONLY=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
WORK=${WORK:-$BUILD/fuzz-campaign}
RESULTS=$WORK/results.tsv

# The per-target sums of results.tsv, as a markdown table.
table() {
  [ -f "$RESULTS" ] || { echo "no runs yet ($RESULTS)"; return; }
  awk -F'\t' '
    NR == 1 { next }
    { t = $2; if (!(t in runs)) order[n++] = t
      runs[t]++; secs[t] += $4; cpu[t] += $5; execs[t] += $6
      if ($7 + 0 > cov[t]) cov[t] = $7; if ($8 + 0 > ft[t]) ft[t] = $8
      corpus[t] = $9; if ($11 != "ok") found[t] = found[t] " " $11 }
    END {
      print "| target | runs | fuzzing s | CPU s | executions | coverage (edges) | features | corpus | findings |"
      print "|---|---|---|---|---|---|---|---|---|"
      for (i = 0; i < n; i++) { t = order[i]
        printf "| `%s` | %d | %d | %d | %d | %d | %d | %d | %s |\n", t, runs[t], secs[t], cpu[t],
               execs[t], cov[t], ft[t], corpus[t], found[t] == "" ? "none" : found[t]
        S += secs[t]; C += cpu[t]; E += execs[t] }
      printf "| all | | %d (%.2f h) | %d (%.2f h) | %d | | | | |\n", S, S / 3600, C, C / 3600, E }' \
    "$RESULTS"
}
if [ "$TABLE_ONLY" = 1 ]; then table; exit 0; fi

now() { date +%s; }
if [ -n "$UNTIL" ]; then
  deadline=$(date -u -d "$UNTIL" +%s) || exit 2
  [ "$deadline" -gt "$(now)" ] || deadline=$((deadline + 86400))
else
  deadline=$(awk -v h="$HOURS" -v t="$(now)" 'BEGIN { printf "%d", t + h * 3600 }')
fi

# The targets and their weights (the share of the fuzzing time each gets).
order=()
declare -A weight
for tw in $TARGETS; do
  t=${tw%%:*} w=${tw#*:}
  [ "$w" = "$tw" ] && w=1  # no weight: 1
  [[ "$w" =~ ^[1-9][0-9]*$ ]] || { echo "bad weight in $tw (see --help)" >&2; exit 2; }
  [ -x "$BUILD/tests/fuzz/fuzz_$t" ] || continue
  order+=("$t")
  weight[$t]=$w
done
[ ${#order[@]} -gt 0 ] || { echo "no fuzz_* binaries in $BUILD/tests/fuzz (see --help)" >&2; exit 2; }

mkdir -p "$WORK/logs" "$WORK/tmp"
[ -f "$RESULTS" ] || printf 'end\ttarget\trc\tsecs\tcpu_s\texecs\tcov\tft\tcorpus\trss_mb\tresult\tload\n' > "$RESULTS"
rm -f "$WORK/stop"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$REPO/tests/fuzz/lsan.supp:print_suppressions=0}
export QT_QPA_PLATFORM=offscreen
export COIL_FIXTURES=${COIL_FIXTURES:-$(cd "$REPO/.." && pwd)/shared/fixtures}
[ -d "$COIL_FIXTURES" ] || COIL_FIXTURES=/work/shared/fixtures
export TMPDIR=$REPO/$WORK/tmp  # the targets' scratch files (an interrupted run leaves its own)
case "$WORK" in /*) TMPDIR=$WORK/tmp ;; esac

log() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$WORK/campaign.log"; }
cpu_ticks() {  # utime + stime of a process, in clock ticks (0 once it is gone)
  local f
  read -r -a f 2> /dev/null < "/proc/$1/stat" || { echo 0; return; }
  echo $((f[13] + f[14]))
}
tck=$(getconf CLK_TCK)

declare -A slot_pid slot_target slot_active slot_limit slot_cpu slot_paused slot_log
declare -A found  # targets that had a finding: not fuzzed again in this campaign
requeue=
requeue_left=0
free_since=
paused=0
last=$(now)

start_run() {  # slot
  local s=$1 t
  local limit=$SLICE
  if [ -n "$requeue" ]; then  # a run a pause cut short goes on first, for the rest of its slice
    t=$requeue
    limit=$requeue_left
    requeue=
  else
    t=
  fi
  if [ -z "$t" ]; then
    # the target furthest behind its share: the least fuzzing time in results.tsv (this
    # campaign's and earlier ones in WORK) for its weight, not running in another slot
    local -A done_s=()
    local tt ss best=-1 score p busy
    while IFS=$'\t' read -r _ tt _ ss _; do
      done_s[$tt]=$((${done_s[$tt]:-0} + ss))
    done < <(tail -n +2 "$RESULTS")
    for tt in "${order[@]}"; do
      busy=0
      for p in "${!slot_target[@]}"; do [ "${slot_target[$p]}" = "$tt" ] && busy=1; done
      [ "$busy" = 0 ] || continue
      [ -z "${found[$tt]:-}" ] || continue
      score=$((${done_s[$tt]:-0} * 1000 / weight[$tt]))
      if [ "$best" -lt 0 ] || [ "$score" -lt "$best" ]; then best=$score t=$tt; fi
    done
    [ -n "$t" ] || return 1
  fi
  [ -z "${found[$t]:-}" ] || return 1
  mkdir -p "$WORK/corpus/$t" "$WORK/findings/$t"
  cat "$REPO/tests/fuzz/dict/common_json.dict" "$REPO/tests/fuzz/dict/$t.dict" > "$WORK/$t.dict"
  local vp=()
  [[ " $VALUE_PROFILE " == *" $t "* ]] && vp=(-use_value_profile=1)
  local lg
  lg="$WORK/logs/$t.$(date -u +%m%d-%H%M%S).log"
  touch "$WORK/findings/$t/.mark"
  # setsid: the fuzzer leads its own process group, which the pause stops as a whole
  setsid nice -n "$NICE" "$BUILD/tests/fuzz/fuzz_$t" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
    -max_len=16384 -dict="$WORK/$t.dict" -artifact_prefix="$WORK/findings/$t/" \
    -print_final_stats=1 "${vp[@]}" "$WORK/corpus/$t" "$REPO/tests/fuzz/corpus/$t" > "$lg" 2>&1 &
  slot_pid[$s]=$!
  slot_target[$s]=$t
  slot_active[$s]=0
  slot_limit[$s]=$limit
  slot_cpu[$s]=0
  slot_paused[$s]=0
  slot_log[$s]=$lg
  log "start $t (pid ${slot_pid[$s]}, slot $s, ${limit} s)"
}

finish_run() {  # slot
  local s=$1 t=${slot_target[$1]} pid=${slot_pid[$1]} lg=${slot_log[$1]}
  wait "$pid"
  local rc=$?
  local execs cov ft rss result=ok f set_aside=0
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$lg" | tail -1)
  # killed while stopped: no statistics, the last progress line counts
  [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$lg" | tail -1 | tr -d '#')
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$lg" | tail -1)
  cov=$(grep -oE ' cov: [0-9]+' "$lg" | tail -1 | grep -oE '[0-9]+')
  ft=$(grep -oE ' ft: [0-9]+' "$lg" | tail -1 | grep -oE '[0-9]+')
  # the artifacts this run wrote
  while IFS= read -r f; do
    if [[ $(basename "$f") == timeout-* ]] && [ "${slot_paused[$s]}" = 1 ]; then
      # stopped in the middle of an input: does it hang when it runs alone?
      if timeout $((TIMEOUT * 6)) nice -n "$NICE" "$BUILD/tests/fuzz/fuzz_$t" \
           -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" "$f" < /dev/null > "$f.replay.log" 2>&1; then
        mkdir -p "$WORK/findings/$t/paused"
        mv "$f" "$f.replay.log" "$WORK/findings/$t/paused/"
        log "$t: $(basename "$f") came from a pause (it runs in time alone); set aside"
        set_aside=1
        requeue=$t
        requeue_left=$((slot_limit[$s] - slot_active[$s]))
        [ "$requeue_left" -ge 30 ] || requeue_left=30
        continue
      fi
    fi
    result=$(basename "$f" | cut -d- -f1)
    log "FINDING in $t: $f (log $lg)"
  done < <(find "$WORK/findings/$t" -maxdepth 1 -type f -newer "$WORK/findings/$t/.mark" \
             \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \))
  # 0: done; 72: stopped by SIGINT (the slice or the deadline); 137: killed at the deadline
  # while paused; a timeout that was set aside above ended the run early, but found nothing
  if [ "$result" = ok ] && [ "$rc" != 0 ] && [ "$rc" != 72 ] &&
    { [ "$rc" != 137 ] || [ "$stopping" != 1 ]; } &&
    [ "$set_aside" = 0 ]; then
    if [ -z "$execs" ] || grep -q "ERROR: libFuzzer\|ERROR: AddressSanitizer\|runtime error" "$lg"; then
      result="rc$rc"
      log "FINDING in $t: exit $rc without an artifact (log $lg)"
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%H:%M:%S)" "$t" "$rc" \
    "${slot_active[$s]}" "$((slot_cpu[$s] / tck))" "${execs:-0}" "${cov:-0}" "${ft:-0}" \
    "$(find "$WORK/corpus/$t" -type f | wc -l)" "${rss:-0}" "$result" \
    "$(cut -d' ' -f1 /proc/loadavg)" >> "$RESULTS"
  if [ "$result" != ok ]; then
    found[$t]=1
    log "$t is left out of the rest of this campaign: replay, fix and run again"
  fi
  log "end $t: rc $rc, ${slot_active[$s]} s, $((slot_cpu[$s] / tck)) CPU s, ${execs:-?} execs, cov ${cov:-?} ft ${ft:-?}, $result"
  unset "slot_pid[$s]" "slot_target[$s]"
}

signal_all() {  # SIG
  local s
  for s in "${!slot_pid[@]}"; do kill -"$1" -- -"${slot_pid[$s]}" 2> /dev/null; done
}

cleanup() {
  if [ "$paused" = 1 ]; then signal_all KILL; else signal_all INT; fi
  for s in "${!slot_pid[@]}"; do finish_run "$s"; done
  log "campaign ended"
  table
  exit 0
}
trap cleanup TERM INT

# The whole loop is one function, read before it runs: editing this file during a campaign
# does not change the campaign.
campaign() {
  log "campaign until $(date -u -d "@$deadline" +%H:%M) UTC, $JOBS jobs, ${SLICE} s slices," \
      "targets: $(echo $TARGETS)"
  while true; do
    t_now=$(now)
    dt=$((t_now - last))
    last=$t_now
    stopping=0
    { [ "$t_now" -ge "$deadline" ] || [ -f "$WORK/stop" ]; } && stopping=1
      # the benchmark lock, looked at twice a second: held by someone else means stop everything
    # now; the fuzzers go on once it has been free for --resume-after seconds (benchmarks
    # queued on the lock take it one after the other, with only a moment between them)
    if flock -n "$LOCK" true 2> /dev/null; then
      [ -n "$free_since" ] || free_since=$t_now
      if [ "$paused" = 1 ] && [ $((t_now - free_since)) -ge "$RESUME_AFTER" ]; then
        signal_all CONT
        paused=0
        log "benchmark lock free: fuzzers continued"
      fi
    else
      free_since=
    fi
    if [ -z "$free_since" ] && [ "$paused" = 0 ]; then
      signal_all STOP
      paused=1
      for s in "${!slot_pid[@]}"; do slot_paused[$s]=1; done
      log "benchmark lock held: fuzzers stopped"
    fi
    for s in "${!slot_pid[@]}"; do
      pid=${slot_pid[$s]}
      c=$(cpu_ticks "$pid")
      [ "$c" -gt "${slot_cpu[$s]}" ] && slot_cpu[$s]=$c
      [ "$paused" = 0 ] && slot_active[$s]=$((slot_active[$s] + dt))
      if ! kill -0 "$pid" 2> /dev/null || [ "$(awk '{print $3}' "/proc/$pid/stat" 2> /dev/null)" = Z ]; then
        finish_run "$s"
      elif [ "$stopping" = 1 ] || { [ "$paused" = 0 ] && [ "${slot_active[$s]}" -ge "${slot_limit[$s]}" ]; }; then
        if [ "$paused" = 1 ]; then
          kill -KILL -- -"$pid" 2> /dev/null  # ends it without a moment of CPU in a benchmark
        else
          kill -INT -- -"$pid" 2> /dev/null  # libFuzzer prints its statistics and exits
        fi
      fi
    done
    if [ "$stopping" = 1 ]; then
      [ ${#slot_pid[@]} -eq 0 ] && break
    elif [ "$paused" = 0 ]; then
      for ((s = 0; s < JOBS; s++)); do
        [ -n "${slot_pid[$s]:-}" ] || start_run "$s"
      done
      [ ${#slot_pid[@]} -gt 0 ] || { log "every target had a finding"; break; }
    fi
    sleep 0.5
  done
  log "campaign ended"
  table
}
campaign
exit 0
