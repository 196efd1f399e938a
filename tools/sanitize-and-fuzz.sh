#!/usr/bin/env bash
# The sanitizer and fuzzing job (CI runs it from .ci/run): a clang build of the engine with
# AddressSanitizer + UndefinedBehaviorSanitizer (and libFuzzer's coverage), the whole engine
# test suite under them (the fuzz regression inputs included), then every libFuzzer target of
# tests/fuzz for a bounded time, starting from its seed corpus. Any sanitizer report, test
# failure or fuzzer finding fails the job; a finding is saved under BUILD_DIR/fuzz-findings/.
#
# Usage: tools/sanitize-and-fuzz.sh [BUILD_DIR] [--seconds N] [--no-test] [--no-fuzz] [--app]
#   BUILD_DIR   default build-asan
#   --seconds N fuzzing time per target (default 20; COIL_FUZZ_SECONDS too)
#   --app       also the app's non-GUI libraries (coil_hub, coil_storage, coil_documents):
#               their fuzz targets and Qt Test suites (needs Qt; slower to build)
#   --only T    fuzz only the targets named T (a regex on the names)
#   --exclude R do not run the tests whose names match R under the sanitizers (CI leaves out
#               the per-instruction-set parity runs, ~70 s each under ASan, to stay in budget;
#               the default CPU kernels still run the conformance and parity tests)
# To fuzz one target for longer, see tests/fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=build-asan
SECONDS_PER_TARGET=${COIL_FUZZ_SECONDS:-20}
RUN_TESTS=1
RUN_FUZZ=1
WITH_APP=0
ONLY=.
EXCLUDE=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_TARGET=$2; shift ;;
    --no-test) RUN_TESTS=0 ;;
    --no-fuzz) RUN_FUZZ=0 ;;
    --app) WITH_APP=1 ;;
    --only) ONLY=$2; shift ;;
    --exclude) EXCLUDE=$2; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) BUILD_DIR=$1 ;;
  esac
  shift
done

start=$(date +%s)
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fsanitize=fuzzer-no-link"
args=(-G Ninja -DCMAKE_BUILD_TYPE=None
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
      "-DCMAKE_C_FLAGS=-O1 -g -fno-omit-frame-pointer $SAN"
      "-DCMAKE_CXX_FLAGS=-O1 -g -fno-omit-frame-pointer $SAN"
      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
      -DCOIL_FUZZ=ON -DCOIL_CUDA=OFF -DCOIL_VULKAN=OFF)
if [ "$WITH_APP" = 1 ]; then args+=(-DCOIL_GUI=ON); else args+=(-DCOIL_GUI=OFF); fi
if [ -n "${COIL_FIXTURES:-}" ]; then args+=("-DCOIL_FIXTURES=$COIL_FIXTURES"); fi
if command -v ccache > /dev/null; then
  args+=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$BUILD_DIR" "${args[@]}" > /dev/null

jobs=$(nproc)
if [ "$WITH_APP" = 1 ]; then
  # The app's libraries and their tests, not the GUI (no QML module, no window).
  mapfile -t targets < <(ninja -C "$BUILD_DIR" -t targets all |
                         sed -n 's/^\([^:[]*\): [A-Z_]*EXECUTABLE.*/\1/p' |
                         grep -E '(^|/)(test_[^/]*|fuzz_[^/]*|storage_[^/]*|hub_[^/]*|coil)$')
  ninja -C "$BUILD_DIR" -j"$jobs" "${targets[@]}"
else
  ninja -C "$BUILD_DIR" -j"$jobs"
fi
built=$(date +%s)
echo "sanitizer build: $((built - start)) s"

# Leaks and every UBSan report fail; a report names the file and line.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
export QT_QPA_PLATFORM=offscreen

if [ "$RUN_TESTS" = 1 ]; then
  labels="engine|fuzz"
  exclude=()
  if [ "$WITH_APP" = 1 ]; then labels="engine|fuzz|app"; exclude=(-E "^(app_|ui_)${EXCLUDE:+|$EXCLUDE}");
  elif [ -n "$EXCLUDE" ]; then exclude=(-E "$EXCLUDE"); fi
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$jobs" --timeout 1200 -L "$labels" "${exclude[@]}"
fi
tested=$(date +%s)
echo "tests under the sanitizers: $((tested - built)) s"

if [ "$RUN_FUZZ" = 1 ]; then
  findings="$BUILD_DIR/fuzz-findings"
  mkdir -p "$findings"
  for bin in "$BUILD_DIR"/tests/fuzz/fuzz_*; do
    name=$(basename "$bin")
    case "$name" in fuzz_replay_*|*_autogen) continue ;; esac
    [ -f "$bin" ] && [ -x "$bin" ] || continue  # a libFuzzer binary, not CMake's folders
    target=${name#fuzz_}
    echo "$target" | grep -Eq "$ONLY" || continue
    corpus=tests/fuzz/corpus/$target
    work=$(mktemp -d)  # new inputs go here: the committed corpus stays as it is
    cat tests/fuzz/dict/common_json.dict tests/fuzz/dict/"$target".dict > "$work/dict"
    mkdir -p "$work/corpus" "$findings/$target"
    echo "fuzzing $target for ${SECONDS_PER_TARGET} s"
    if ! "$bin" -max_total_time="$SECONDS_PER_TARGET" -timeout=25 -rss_limit_mb=2560 \
         -max_len=16384 -dict="$work/dict" -artifact_prefix="$findings/$target/" \
         -print_final_stats=1 "$work/corpus" "$corpus" > "$work/log" 2>&1; then
      tail -n 60 "$work/log"
      echo "FUZZ FINDING in $target: reproducer in $findings/$target/ (replay:" \
           "$BUILD_DIR/tests/fuzz/fuzz_replay_$target FILE; keep it in tests/fuzz/regressions/$target/)" >&2
      rm -rf "$work"
      exit 1
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$work/log" | tr '\n' ' '
    echo
    rm -rf "$work"
  done
fi
echo "sanitize-and-fuzz: $(( $(date +%s) - start )) s in all"
