#!/usr/bin/env bash
# Checks that tools/fuzz-campaign.sh stops its fuzzers while the benchmark lock is held and
# continues them after (once the lock has stayed free 5 s): a short campaign on a private lock, the lock taken for 12 s, every
# process of each fuzzer's group seen stopped (state T) with its CPU time still, then running
# again with its CPU time moving. Other people's timed benchmarks depend on that pause.
# Usage: tools/check-fuzz-campaign-pause.sh [BUILD_DIR]   (default build-asan, with the
# libFuzzer binaries of tools/sanitize-and-fuzz.sh BUILD_DIR --no-test --no-fuzz); ~30 s.
# FUZZ_CAMPAIGN=PATH checks another copy of the runner.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-asan}
tmp=$(mktemp -d)
lock=$tmp/bench.lock
trap 'touch "$tmp/work/stop"; wait; rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
fuzzers() { pgrep -f -- "-artifact_prefix=$tmp/work/findings/" || true; }
ticks() { local t=0 p f; for p in $(fuzzers); do read -r -a f < "/proc/$p/stat" && t=$((t + f[13] + f[14])); done; echo $t; }
states() { for p in $(fuzzers); do awk '{print $3}' "/proc/$p/stat"; done | sort -u | tr -d '\n'; }

"${FUZZ_CAMPAIGN:-tools/fuzz-campaign.sh}" --build "$BUILD" --work "$tmp/work" --lock "$lock" --hours 0.02 \
  --slice 60 --targets "hub_json:1 chat_template:1 state_file:1" > "$tmp/out" 2>&1 &
for _ in $(seq 30); do [ "$(fuzzers | wc -l)" -ge 2 ] && break; sleep 1; done
[ "$(fuzzers | wc -l)" -ge 2 ] || fail "the campaign did not start two fuzzers: $(cat "$tmp/out")"
sleep 3
before=$(ticks)
sleep 3
[ "$(ticks)" -gt "$before" ] || fail "the fuzzers do not run before the lock is taken"

flock "$lock" sleep 12 &
holder=$!
sleep 3
[ "$(states)" = T ] || fail "lock held, but the fuzzers' states are '$(states)', not all T"
held=$(ticks)
sleep 5
[ "$(ticks)" = "$held" ] || fail "lock held, but the fuzzers used CPU ($held -> $(ticks) ticks)"
[ "$(states)" = T ] || fail "lock held, but the fuzzers' states are '$(states)'"
echo "lock held: $(fuzzers | wc -l) fuzzers stopped, no CPU used in 5 s"
wait "$holder"
sleep 2  # the campaign waits for the lock to stay free 5 s (--resume-after)
[ "$(states)" = T ] || fail "the lock was free for 2 s only, but the fuzzers run ($(states))"
sleep 5
case "$(states)" in *T*) fail "lock free, but a fuzzer is still stopped ($(states))" ;; esac
resumed=$(ticks)
sleep 3
[ "$(ticks)" -gt "$resumed" ] || fail "lock free, but the fuzzers do not run again"
echo "lock free: the fuzzers run again"
grep -q "benchmark lock held: fuzzers stopped" "$tmp/work/campaign.log" || fail "no pause logged"
grep -q "benchmark lock free: fuzzers continued" "$tmp/work/campaign.log" || fail "no resume logged"
echo "PASS"
