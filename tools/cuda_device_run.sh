#!/usr/bin/env bash
# shellcheck disable=SC2317  # the step_* functions are called through "step_$s"
# The whole CUDA check on a GPU machine (see docs in the usage text below).
#
# On the GPU machine (the `device` tool runs commands in a copy of this repository):
#   tools/cuda_device_run.sh [STEP...]   default: info build test bench sanitize variants flat
#     info      nvidia-smi, nvcc, driver, OS and library versions
#     build     uses the carried bundle (made here by --prepare, see below) when there is one,
#               else builds the engine-only configuration there (-DCOIL_GUI=OFF
#               -DCOIL_VULKAN=OFF -DCOIL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90), which needs
#               GTest, sentencepiece, pcre2, nlohmann_json and CLI11: the GPU image most
#               likely lacks them, so carry the bundle (COIL_DEVICE_FORCE_BUILD=1: build anyway)
#     test      the CUDA cases of test_backend_ops, test_cuda_backend, test_model_parity
#     bench     coil bench --synthetic falcon-mamba-7b --dtype bf16 --backend cuda
#               --prompt-len 8192 --gen-len 256 --json
#     sanitize  compute-sanitizer memcheck on the CUDA op, backend and parity tests, then
#               racecheck on the CUDA op tests (cuBLAS' own kernels left out of racecheck)
#     variants  the bench again with --chunk 1024, COIL_CUDA_GEMM=single, COIL_CUDA_PDL=0,
#               COIL_FUSED_DECODE=0 (the 11-op unfused decode step instead of the 5 fused ops)
#     flat      long decode, tokens/s per window of 1000 tokens (COIL_FLAT_TOKENS, default
#               20000; 100000 takes ~9 minutes at 190 tokens/s: run `flat` alone for that,
#               with COIL_DEVICE_BUDGET_S=590 COIL_DEVICE_RUN_S=590)
#     alltests  every case of the three test binaries (CPU backends too; not in the default)
#     vulkan    the Vulkan backend on the NVIDIA driver (issue: Vulkan): `coil devices`, the
#               vulkan cases of test_backend_ops, test_vulkan_backend and test_model_parity,
#               then the 7B bench (--prompt-len 1024 --gen-len 256; fused and
#               COIL_FUSED_DECODE=0) and a 10,000-token decode in windows of 1000. Needs the
#               Vulkan loader: if the image has no libvulkan.so.1, carry .gl (--prepare
#               downloads libvulkan1 there) and the step unpacks it; not in the default
#               (COIL_BENCH_MODEL=tiny runs the bench steps on a tiny synthetic model: a
#               dry run of the script, e.g. the vulkan step on lavapipe)
#     quant     the 7B bench with block-type weights (issue #12): --dtype q4_k, q8_0, q4_0
#               (--prompt-len 1024 --gen-len 256), q4_k again with COIL_CUDA_GEMM=single (BF16
#               tiles: the prefill's speed lever), and q4_k on Vulkan when the build has it;
#               not in the default (the `test` step already runs the block-type test cases)
#     hf        HF transformers' FalconMamba (random weights, bf16) for comparison
#               (COIL_HF_PROMPT, default 1024, COIL_HF_GEN, default 64); not in the default
#   --help    this text
# Time: the device tool kills a command after 600 s. Every command here gets at most what is
# left of COIL_DEVICE_BUDGET_S (default 540) and of COIL_DEVICE_RUN_S (default 300) each;
# steps that no longer fit are skipped and named at the end: call again with those steps.
# Plan (30 device-minutes in all, a cold start 1-2 of them: call again within the 30 s the
# machine stays warm), carrying build-device-bundle and .gl in each call, what the issues
# need first:
#   1st `info build test bench`: 7B bf16 decode tok/s and % of the measured bandwidth, 8k
#       prefill tok/s, time to first token after a restore (~5 min)
#   2nd `flat` with COIL_FLAT_TOKENS=100000 COIL_DEVICE_BUDGET_S=590 COIL_DEVICE_RUN_S=590:
#       decode tokens/s per 1000 tokens from 1 to 100,000 and the device memory (~10 min; a
#       run stopped at the limit still reports the windows it finished)
#   3rd `vulkan`: the same on NVIDIA's Vulkan driver, flatness to 10,000 tokens (~5 min)
#   then, with what `status` says is left: `quant` (block-type weights, #12: ~4 min),
#   `sanitize`, `variants`, `hf`
# Output: logs and summary.txt in build-device/logs on the machine; when $OUT is set (the
# device tool), $OUT/summary.txt and $OUT/logs.tar.gz are refreshed after every command (the
# tool brings back at most 8 files, and what is in $OUT even when it kills the command).
#
# Here (a machine without a GPU), to prepare the bundle the GPU machine runs:
#   tools/cuda_device_run.sh --prepare      (COIL_DEVICE_JOBS=1 to build with one core)
# builds the same configuration into build-device/ and packs build-device-bundle/bundle.tar.xz
# (~17 MB): the binaries, the shared libraries they need beyond the CUDA toolkit and libc,
# the shared test fixtures (../shared/fixtures does not travel) and the source path the tests
# were built in (for the record: on the GPU machine they read tests/data through
# COIL_TEST_DATA, set to the copy of the repository there). Name build-device-bundle in the
# device tool's `carry` (it is git-ignored, so it travels only when carried).
set -uo pipefail
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then  # the comment above, nothing else
  sed -n '3,/^set -uo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
abs() { case $1 in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
BUILD=$(abs "${COIL_DEVICE_BUILD:-build-device}")
BUNDLE=$(abs "${COIL_DEVICE_BUNDLE:-build-device-bundle}")
JOBS=${COIL_DEVICE_JOBS:-$(nproc 2>/dev/null || echo 4)}
export PATH=/usr/local/cuda/bin:$PATH
if [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi

# Vulkan too where glslc exists (the loader is opened at run time: nothing to link)
VULKAN=OFF
command -v glslc >/dev/null 2>&1 && VULKAN=ON
configure_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCOIL_GUI=OFF -DCOIL_VULKAN=$VULKAN
  -DCOIL_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90)
ENGINE_TESTS=(test_backend_ops test_model_parity test_cuda_backend)
[ "$VULKAN" = ON ] && ENGINE_TESTS+=(test_vulkan_backend)

# --- here: build and pack ----------------------------------------------------------------
if [ "${1:-}" = "--prepare" ]; then
  FIX=${COIL_FIXTURES:-$ROOT/../shared/fixtures}
  cmake -S . -B "$BUILD" "${configure_args[@]}" "-DCOIL_FIXTURES=$FIX" || exit 1
  cmake --build "$BUILD" -j"$JOBS" --target coil "${ENGINE_TESTS[@]}" || exit 1
  mkdir -p "$BUNDLE"
  stage=$BUNDLE/bundle
  rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib"
  cp "$BUILD/cli/coil" "$stage/bin/"
  for t in "${ENGINE_TESTS[@]}"; do cp "$BUILD/tests/engine/$t" "$stage/bin/"; done
  strip "$stage"/bin/* 2>/dev/null
  # shared libraries outside libc, the C++ runtime and CUDA (the GPU machine has those)
  ldd "$stage"/bin/* | awk '/=> \//{print $3}' | sort -u |
    grep -Ev '/(libc|libm|libdl|librt|libpthread|libgcc_s|libstdc\+\+|ld-linux[^/]*|libcuda|libcublas[^/]*|libcudart)\.so' |
    while read -r lib; do cp -L "$lib" "$stage/lib/"; done
  [ -d "$FIX" ] && cp -rL "$FIX" "$stage/fixtures" && chmod -R u+w "$stage/fixtures"
  echo "$ROOT" >"$stage/srcdir"  # COIL_TEST_DATA_DIR of the test binaries is $ROOT/tests/data
  # the newest glibc symbol version the binaries need (the GPU machine's glibc must have it)
  objdump -T "$stage"/bin/* "$stage"/lib/* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 \
    >"$stage/glibc"
  tar -C "$BUNDLE" -cJf "$BUNDLE/bundle.tar.xz" bundle && rm -rf "$stage"
  ls -la "$BUNDLE/bundle.tar.xz"
  # the Vulkan loader for the `vulkan` step, in case the GPU image lacks it (git-ignored .gl/)
  if [ "$VULKAN" = ON ] && ! ls .gl/libvulkan1_*.deb >/dev/null 2>&1; then
    o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
    mkdir -p .gl /tmp/amd64/partial
    { apt-get "${o[@]}" update -qq && (cd .gl && apt-get "${o[@]}" download libvulkan1); } >/dev/null 2>&1 ||
      echo "could not download libvulkan1 into .gl (the vulkan step needs a loader there)"
  fi
  ls .gl/*.deb 2>/dev/null && echo "for the vulkan step, carry '.gl' too"
  echo "carry '${BUNDLE#"$ROOT"/}' in the device tool's run call (tools/cuda_device_run.sh finds the bundle)"
  exit 0
fi

# --- on the GPU machine --------------------------------------------------------------------
LOGS=$BUILD/logs
mkdir -p "$LOGS"
SUMMARY=$LOGS/summary.txt
echo "==== $(date -u '+%F %T') UTC: tools/cuda_device_run.sh ${*:-}" >>"$SUMMARY"
BUDGET=${COIL_DEVICE_BUDGET_S:-540}
RUN_CAP=${COIL_DEVICE_RUN_S:-300}
STEPS=${*:-info build test bench sanitize variants flat}
BIN=""        # folder holding coil and the test binaries
BUILT_HERE=0  # 1: a full build tree
NOT_RUN=()    # steps skipped for lack of time

note() { echo "== $*" | tee -a "$SUMMARY"; }
left() { echo $((BUDGET - SECONDS)); }
pack() {  # the device tool brings back at most 8 files: the summary and one archive of logs
  [ -n "${OUT:-}" ] && [ -d "$OUT" ] || return 0
  cp "$SUMMARY" "$OUT/summary.txt" 2>/dev/null
  tar -C "$LOGS" -czf "$OUT/logs.tmp" . 2>/dev/null && mv -f "$OUT/logs.tmp" "$OUT/logs.tar.gz"
}
# run NAME CMD...: runs CMD (time-limited) with its output in $LOGS/NAME.log, notes the status
run() {
  local name=$1
  shift
  local t
  t=$(left)
  [ "$t" -gt "$RUN_CAP" ] && t=$RUN_CAP
  if [ "$t" -lt 20 ]; then
    note "$name: not run (out of time)"
    return 1
  fi
  echo "== $name: $*"
  local t0=$SECONDS
  timeout -k 10 "$t" "$@" >"$LOGS/$name.log" 2>&1
  local rc=$?
  if [ $rc = 124 ] || [ $rc = 137 ]; then
    note "$name: KILLED after $((SECONDS - t0)) s (limit $t s)"
  else
    note "$name: exit $rc ($((SECONDS - t0)) s)"
  fi
  tail -n 25 "$LOGS/$name.log"
  pack
  return "$rc"
}
py() { env -u LD_LIBRARY_PATH python3 "$@"; }  # the image's python, without the bundle's libraries

step_info() {
  {
    nvidia-smi
    nvcc --version
    cmake --version | head -1
    uname -a
    grep PRETTY_NAME /etc/os-release
    ldd --version | head -1
    command -v compute-sanitizer && compute-sanitizer --version | tail -1
    ldconfig -p | grep -E 'libcublas|libcuda\.so'
  } >"$LOGS/info.log" 2>&1
  head -n 15 "$LOGS/info.log"
  note "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)"
  note "os: $(grep PRETTY_NAME /etc/os-release 2>/dev/null | cut -d= -f2), $(ldd --version 2>/dev/null | head -1)"
  pack
}

# libcublas.so.13 is loaded with dlopen by name: make sure the loader finds one
find_cublas() {
  ldconfig -p 2>/dev/null | grep -q 'libcublas\.so\.13' && return 0
  local f
  f=$(find /usr/local/cuda /usr/local/cuda-* /opt /usr/lib -name 'libcublas.so.13*' -print -quit 2>/dev/null)
  if [ -n "$f" ]; then
    LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}${f%/*}
    export LD_LIBRARY_PATH
    note "cuBLAS: ${f%/*} added to LD_LIBRARY_PATH"
  else
    note "cuBLAS: no libcublas.so.13 found: the CUDA backend will not start"
  fi
}

use_bundle() {
  [ -f "$BUNDLE/bundle.tar.xz" ] || return 1
  rm -rf "$BUNDLE/bundle" && tar -C "$BUNDLE" -xJf "$BUNDLE/bundle.tar.xz" || return 1
  local b=$BUNDLE/bundle src
  export LD_LIBRARY_PATH=$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  if [ -z "${COIL_FIXTURES:-}" ] && [ -d "$b/fixtures" ]; then export COIL_FIXTURES=$b/fixtures; fi
  # the test binaries find tests/data and the coil CLI through these (support/paths.cpp)
  src=$(cat "$b/srcdir" 2>/dev/null)
  export COIL_TEST_DATA=$ROOT/tests/data COIL_CLI=$b/bin/coil
  find_cublas
  if ! "$b/bin/coil" devices >"$LOGS/devices.log" 2>&1; then
    note "the carried coil does not run here (needs $(cat "$b/glibc" 2>/dev/null)): $(head -c 300 "$LOGS/devices.log")"
    return 1
  fi
  BIN=$b
  note "using the carried bundle ($BIN, built from $src)"
  note "$(grep '^cuda' "$LOGS/devices.log" | head -2 | tr '\n' ' ')"
}

build_here() {
  local dir=$BUILD-gpu fix=${COIL_FIXTURES:-}
  [ -z "$fix" ] && [ -d "$ROOT/../shared/fixtures" ] && fix=$ROOT/../shared/fixtures
  run configure cmake -S . -B "$dir" "${configure_args[@]}" ${fix:+"-DCOIL_FIXTURES=$fix"} || return 1
  run build cmake --build "$dir" -j"$JOBS" --target coil "${ENGINE_TESTS[@]}" || return 1
  BIN=$dir
  BUILT_HERE=1
  [ -n "$fix" ] && export COIL_FIXTURES=$fix
  if [ -z "${COIL_FIXTURES:-}" ] && [ -f "$BUNDLE/bundle.tar.xz" ]; then  # fixtures only
    tar -C "$BUNDLE" -xJf "$BUNDLE/bundle.tar.xz" bundle/fixtures 2>/dev/null &&
      export COIL_FIXTURES=$BUNDLE/bundle/fixtures
  fi
  find_cublas
}

step_build() {
  if [ -z "${COIL_DEVICE_FORCE_BUILD:-}" ] && [ -f "$BUNDLE/bundle.tar.xz" ]; then
    use_bundle && return 0
    note "trying to build here instead"
  fi
  build_here && return 0
  note "no usable binaries: building here failed (configure.log / build.log) and no bundle ran;" \
    "run tools/cuda_device_run.sh --prepare where it builds, and carry build-device-bundle"
  return 1
}

bin() {  # path of a built binary
  if [ "$BUILT_HERE" = 1 ]; then
    case $1 in coil) echo "$BIN/cli/coil" ;; *) echo "$BIN/tests/engine/$1" ;; esac
  else
    echo "$BIN/bin/$1"
  fi
}

gtest_result() {  # the gtest totals of a log and the failed tests' names, on one line
  grep -E '^\[  (PASSED|SKIPPED|FAILED) +\] [0-9]+ tests?|^\[  FAILED  \] [A-Za-z]' "$LOGS/$1.log" |
    sed 's/, listed below://' | sort -u | tr '\n' ' ' | head -c 800
}

step_test() {  # the CUDA cases alone: the most valuable minutes come first
  local rc=0
  for t in test_backend_ops test_cuda_backend test_model_parity; do
    run "$t.cuda" "$(bin "$t")" --gtest_filter='*cuda*:*Cuda*' || rc=1
    note "   $(gtest_result "$t.cuda")"
  done
  return "$rc"
}

step_alltests() {
  local rc=0
  for t in "${ENGINE_TESTS[@]}"; do
    run "$t" "$(bin "$t")" || rc=1
    note "   $(gtest_result "$t")"
  done
  return "$rc"
}

step_sanitize() {
  local cs rc=0
  cs=$(command -v compute-sanitizer || find /usr/local /opt -name compute-sanitizer -type f -print -quit 2>/dev/null)
  [ -n "$cs" ] || { note "compute-sanitizer not found"; return 1; }
  # API errors are the tests' business (the out-of-memory test makes one on purpose)
  local opts=(--error-exitcode 1 --print-limit 20 --report-api-errors no)
  run sanitize_ops "$cs" --tool memcheck "${opts[@]}" "$(bin test_backend_ops)" --gtest_filter='*cuda*' || rc=1
  run sanitize_backend "$cs" --tool memcheck "${opts[@]}" "$(bin test_cuda_backend)" \
    --gtest_filter='CudaDevice.*:-*Bandwidth*' || rc=1
  run sanitize_parity "$cs" --tool memcheck "${opts[@]}" "$(bin test_model_parity)" --gtest_filter='*cuda*' || rc=1
  # racecheck checks shared memory; the tests that reach cuBLAS' Hopper kernels (TMA, wgmma)
  # are left out, the fused GEMV ops (NormMatMul, MatMulAdd: split-K in shared memory) stay
  run sanitize_racecheck "$cs" --tool racecheck "${opts[@]}" "$(bin test_backend_ops)" \
    --gtest_filter='*cuda*:-*OpTest.MatMul/*:*OpTest.MatMulStrided*' || rc=1
  return "$rc"
}

bench() {  # NAME [env...] -- [extra args]; BENCH_BACKEND (cuda), BENCH_PROMPT (8192), BENCH_DTYPE (bf16)
  local name=$1
  shift
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  run "$name" env "${envs[@]}" "$(bin coil)" bench --synthetic "${COIL_BENCH_MODEL:-falcon-mamba-7b}" \
    --dtype "${BENCH_DTYPE:-bf16}" --backend "${BENCH_BACKEND:-cuda}" --prompt-len "${BENCH_PROMPT:-8192}" \
    --gen-len 256 --json "$@"
  local rc=$?
  grep -h '^{' "$LOGS/$name.log" >"$LOGS/$name.json" 2>/dev/null
  py - "$LOGS/$name.json" "$name" <<'EOF' | tee -a "$SUMMARY"
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"   {sys.argv[2]}: no JSON ({e})"); sys.exit(0)
print(f"   {sys.argv[2]}: prefill {j['prefill_tokens_per_s']:.0f} tok/s, decode {j['decode_tokens_per_s']:.1f} tok/s, "
      f"{j['decode_gb_per_s']:.0f} of {j['memory_bandwidth_gb_per_s']:.0f} GB/s = {100*j['decode_bandwidth_fraction']:.1f}%, "
      f"ttft {j['time_to_first_token_ms']:.0f} ms, state load {j['state_load_ms']:.1f} ms, "
      f"ttft after restore {j.get('time_to_first_token_after_restore_ms', -1):.1f} ms, {j.get('decode_path', '?')} decode, "
      f"peak device {j.get('peak_device_bytes', 0)/2**30:.2f} GiB, device bytes over the decode "
      f"{'constant' if j.get('device_bytes_before_decode') == j.get('device_bytes_after_decode') else 'CHANGED'}")
EOF
  pack
  return "$rc"
}

step_bench() {
  bench bench
}

step_variants() {
  local rc=0
  bench bench_chunk1024 -- --chunk 1024 || rc=1
  bench bench_gemm_single COIL_CUDA_GEMM=single || rc=1
  bench bench_no_pdl COIL_CUDA_PDL=0 || rc=1
  bench bench_unfused COIL_FUSED_DECODE=0 || rc=1
  return "$rc"
}

step_quant() {
  local rc=0 dt
  for dt in q4_k q8_0 q4_0; do
    BENCH_DTYPE=$dt BENCH_PROMPT=1024 bench "bench_$dt" || rc=1
  done
  BENCH_DTYPE=q4_k BENCH_PROMPT=1024 bench bench_q4_k_gemm_single COIL_CUDA_GEMM=single || rc=1
  if [ -x "$(bin test_vulkan_backend)" ] && vulkan_loader; then
    BENCH_BACKEND=vulkan BENCH_DTYPE=q4_k BENCH_PROMPT=1024 bench bench_vulkan_q4_k || rc=1
  fi
  return "$rc"
}

step_flat() {  # [NAME BACKEND TOKENS]
  local name=${1:-flat} backend=${2:-cuda} n=${3:-${COIL_FLAT_TOKENS:-20000}} smi=""
  # the GPU's used memory as the driver sees it (CUDA's and the driver's own allocations too)
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -l 5 >"$LOGS/$name.smi.log" 2>&1 &
    smi=$!
  fi
  run "$name" "$(bin coil)" bench --synthetic "${COIL_BENCH_MODEL:-falcon-mamba-7b}" --dtype bf16 --backend "$backend" \
    --prompt-len 16 --gen-len "$n" --decode-report-every 1000 --no-bandwidth --json
  local rc=$?
  [ -n "$smi" ] && kill "$smi" 2>/dev/null && wait "$smi" 2>/dev/null
  grep -h '^{' "$LOGS/$name.log" >"$LOGS/$name.json" 2>/dev/null
  py - "$LOGS/$name.json" "$LOGS/$name.log" "$LOGS/$name.smi.log" "$name" "$n" <<'EOF' | tee -a "$SUMMARY"
import json, re, sys
js, log, smi, name, n = sys.argv[1:6]
try:
    j = json.load(open(js))
except Exception:
    j = {}
# each window also comes on stderr as it ends: a run stopped at the time limit keeps them
lines = re.findall(r"^decode window \d+: tokens (\d+), ([0-9.eE+-]+) tokens/s, device bytes (\d+)",
                   open(log, errors="replace").read(), re.M)
w = j.get("decode_tokens_per_s_windows") or [float(l[1]) for l in lines]
if not w:
    print(f"   {name}: no windows"); sys.exit(0)
upto = int(lines[-1][0]) if lines else len(w) * 1000
spread = 100 * (max(w) - min(w)) / max(w)
out = (f"   {name}: {len(w)} windows, tokens 1..{upto}{'' if j else f' (stopped before {n})'}, "
       f"first {w[0]:.1f}, last {w[-1]:.1f}, min {min(w):.1f}, max {max(w):.1f} tok/s, "
       f"spread {spread:.1f}% ({'within' if spread <= 5 else 'NOT within'} 5%)")
dev = ([j["device_bytes_before_decode"], j["device_bytes_after_decode"]] if "device_bytes_after_decode" in j
       else [int(l[2]) for l in lines])
if dev:
    out += f", device bytes {dev[0]}..{dev[-1]} ({'constant' if min(dev) == max(dev) else 'CHANGED'})"
try:  # the second half of the run: the model is loaded and the decode is running
    used = [int(x) for x in open(smi).read().split() if x.isdigit()]
    used = used[len(used) // 2:]
    if used:
        out += f", nvidia-smi used {min(used)}..{max(used)} MiB over the 2nd half"
except OSError:
    pass
print(out)
EOF
  pack
  return "$rc"
}

# The Vulkan loader (carried .gl debs when the image has none) and NVIDIA's Vulkan driver.
vulkan_loader() {
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    local f
    for f in "$ROOT"/.gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
    ldconfig
  fi
  ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || { note "vulkan: no libvulkan.so.1 (carry .gl)"; return 1; }
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
    export VK_DRIVER_FILES=$icd
    note "vulkan: VK_DRIVER_FILES=$icd"
  fi
}

step_vulkan() {
  [ -x "$(bin test_vulkan_backend)" ] || { note "vulkan: this build has no Vulkan backend (no glslc where it was built)"; return 1; }
  vulkan_loader || return 1
  local rc=0
  run vulkan_devices "$(bin coil)" devices || rc=1
  note "   $(grep -i '^vulkan\|discrete\|NVIDIA' "$LOGS/vulkan_devices.log" | head -3 | tr '\n' ' ')"
  for t in test_backend_ops test_vulkan_backend test_model_parity; do
    run "$t.vulkan" "$(bin "$t")" --gtest_filter='*vulkan*:*Vulkan*' || rc=1
    note "   $(gtest_result "$t.vulkan")"
  done
  BENCH_BACKEND=vulkan BENCH_PROMPT=1024 bench bench_vulkan || rc=1
  BENCH_BACKEND=vulkan BENCH_PROMPT=1024 bench bench_vulkan_unfused COIL_FUSED_DECODE=0 || rc=1
  step_flat flat_vulkan vulkan "${COIL_FLAT_VULKAN_TOKENS:-10000}" || rc=1
  return "$rc"
}

step_hf() {
  run hf env -u LD_LIBRARY_PATH PYTHONUNBUFFERED=1 COIL_HF_PROMPT="${COIL_HF_PROMPT:-1024}" \
    COIL_HF_GEN="${COIL_HF_GEN:-64}" python3 - <<'EOF'
# HF transformers' FalconMamba-7B shape with random weights, bf16, batch 1 (whichever
# kernels this transformers has; without mamba-ssm it runs its pure-PyTorch path).
import os, time, torch
from transformers import FalconMambaConfig, FalconMambaForCausalLM
P, G = int(os.environ["COIL_HF_PROMPT"]), int(os.environ["COIL_HF_GEN"])
cfg = FalconMambaConfig(vocab_size=65024, hidden_size=4096, intermediate_size=8192,
                        state_size=16, num_hidden_layers=64, conv_kernel=4, time_step_rank=256,
                        use_mambapy=False)
torch.manual_seed(0)
with torch.device("cuda"):
    m = FalconMambaForCausalLM(cfg).to(torch.bfloat16).eval()
ids = torch.randint(0, 65024, (1, P), device="cuda")
with torch.no_grad():
    m(ids[:, :8])
    torch.cuda.synchronize(); t = time.time()
    out = m(ids, use_cache=True)
    torch.cuda.synchronize(); prefill = P / (time.time() - t)
    cache, tok = out.cache_params, out.logits[:, -1:].argmax(-1)
    torch.cuda.synchronize(); t = time.time()
    for i in range(G):
        out = m(tok, cache_params=cache, use_cache=True,
                cache_position=torch.tensor([P + i], device="cuda"))
        cache, tok = out.cache_params, out.logits[:, -1:].argmax(-1)
    torch.cuda.synchronize(); decode = G / (time.time() - t)
print(f"HF transformers FalconMamba-7B bf16: prefill {prefill:.0f} tok/s (prompt {P}), decode {decode:.1f} tok/s")
EOF
  local rc=$?
  grep -h "HF transformers" "$LOGS/hf.log" | sed 's/^/   /' >>"$SUMMARY"
  pack
  return "$rc"
}

status=0
for s in $STEPS; do
  if [ "$(left)" -lt 30 ]; then NOT_RUN+=("$s"); continue; fi
  case $s in
    info) step_info ;;
    build) step_build || { status=1; break; } ;;
    test | alltests | sanitize | bench | variants | flat | vulkan | quant)
      if [ -z "$BIN" ]; then step_build || { status=1; break; }; fi
      "step_$s" || status=1
      ;;
    hf) step_hf || status=1 ;;
    *) note "unknown step $s"; status=2 ;;
  esac
done
[ ${#NOT_RUN[@]} -gt 0 ] && note "NOT RUN (out of time): call again with: tools/cuda_device_run.sh ${NOT_RUN[*]}"
note "done in $SECONDS s, exit $status"
pack
echo
echo "==================== summary ($LOGS${OUT:+, copied to \$OUT})"
cat "$SUMMARY"
exit $status
