#!/usr/bin/env bash
# The whole CUDA check on a GPU machine, in one command (see docs in the usage text below).
#
# On the GPU machine (the `device` tool runs commands in a copy of this repository):
#   tools/cuda_device_run.sh [STEP...]      default steps: info build test sanitize bench flat
#     info      nvidia-smi, nvcc and driver versions
#     build     engine-only build (no Qt): -DCOIL_GUI=OFF -DCOIL_VULKAN=OFF -DCOIL_CUDA=ON
#               -DCMAKE_CUDA_ARCHITECTURES=90; when the machine lacks a dependency (GTest,
#               sentencepiece, ICU, ...), the bundle made here by --prepare is used instead
#     test      the engine tests (ctest when built there, else each test binary)
#     sanitize  compute-sanitizer memcheck on the CUDA parity and conformance tests
#     bench     coil bench --synthetic falcon-mamba-7b --dtype bf16 --backend cuda
#               --prompt-len 8192 --gen-len 256 --json (also with --chunk 1024, with
#               COIL_CUDA_GEMM=single and with COIL_CUDA_PDL=0, for comparison)
#     flat      long decode, tokens/s per window of 1000 tokens (COIL_FLAT_TOKENS, default
#               20000; 100000 takes ~9 minutes at 190 tokens/s: run `flat` alone for that)
#     hf        HF transformers' FalconMamba (random weights, bf16) for comparison
#               (COIL_HF_PROMPT, default 1024, COIL_HF_GEN, default 64); not in the default
# Logs and a summary go to $OUT when set (the device tool brings them back), else
# build-device/logs.
#
# Here (a machine without a GPU), to prepare a bundle the GPU machine can use when it cannot
# build:
#   tools/cuda_device_run.sh --prepare
# builds the same configuration into build-device/ and packs build-device-bundle/bundle.tar.xz
# (~17 MB): the binaries, the shared libraries they need beyond the CUDA toolkit and libc,
# and the shared test fixtures (../shared/fixtures does not travel to the GPU machine).
# Name build-device-bundle (not build-device, the whole build tree) in the device tool's
# `carry`; the fixtures are taken from it even when the GPU machine builds for itself.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck disable=SC2317  # the step_* functions are called through "step_$s"
ROOT=$(pwd)
BUILD=${COIL_DEVICE_BUILD:-build-device}
BUNDLE=${COIL_DEVICE_BUNDLE:-build-device-bundle}
LOGS=${OUT:-$ROOT/$BUILD/logs}
mkdir -p "$LOGS"
SUMMARY=$LOGS/summary.txt
: >"$SUMMARY"
JOBS=$(nproc 2>/dev/null || echo 4)
export PATH=/usr/local/cuda/bin:$PATH
if [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi

note() { echo "== $*" | tee -a "$SUMMARY"; }
# run NAME CMD...: runs CMD with its output in $LOGS/NAME.log, notes the exit status
run() {
  local name=$1
  shift
  echo "== $name: $*"
  local t0=$SECONDS
  "$@" >"$LOGS/$name.log" 2>&1
  local rc=$?
  note "$name: exit $rc ($((SECONDS - t0)) s)"
  tail -n 25 "$LOGS/$name.log"
  return $rc
}

configure_args=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DCOIL_GUI=OFF -DCOIL_VULKAN=OFF -DCOIL_CUDA=ON
  -DCMAKE_CUDA_ARCHITECTURES=90)
ENGINE_TESTS=(test_backend_ops test_model_parity test_cuda_backend)

# --- here: build and pack ----------------------------------------------------------------
if [ "${1:-}" = "--prepare" ]; then
  FIX=${COIL_FIXTURES:-$ROOT/../shared/fixtures}
  cmake -S . -B "$BUILD" "${configure_args[@]}" "-DCOIL_FIXTURES=$FIX" || exit 1
  cmake --build "$BUILD" -j"$JOBS" --target coil "${ENGINE_TESTS[@]}" || exit 1
  mkdir -p "$BUNDLE"
  stage=$BUNDLE/bundle
  rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/lib"
  cp "$BUILD/engine/coil" "$stage/bin/"
  for t in "${ENGINE_TESTS[@]}"; do cp "$BUILD/tests/engine/$t" "$stage/bin/"; done
  strip "$stage"/bin/* 2>/dev/null
  # shared libraries outside libc, the C++ runtime and CUDA (the GPU machine has those)
  ldd "$stage"/bin/* | awk '/=> \//{print $3}' | sort -u |
    grep -Ev '/(libc|libm|libdl|librt|libpthread|libgcc_s|libstdc\+\+|ld-linux[^/]*|libcuda|libcublas[^/]*|libcudart)\.so' |
    while read -r lib; do cp -L "$lib" "$stage/lib/"; done
  [ -d "$FIX" ] && cp -r "$FIX" "$stage/fixtures"
  tar -C "$BUNDLE" -cJf "$BUNDLE/bundle.tar.xz" bundle && rm -rf "$stage"
  ls -la "$BUNDLE/bundle.tar.xz"
  echo "carry '$BUNDLE' in the device tool's run call (tools/cuda_device_run.sh finds the bundle)"
  exit 0
fi

# --- on the GPU machine --------------------------------------------------------------------
STEPS=${*:-info build test sanitize bench flat}
BIN=""        # folder holding coil and the test binaries
BUILT_HERE=0  # 1: a full build tree (ctest works)

step_info() {
  { nvidia-smi; nvcc --version; cmake --version | head -1; uname -a; } >"$LOGS/info.log" 2>&1
  head -n 15 "$LOGS/info.log"
  note "device: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)"
}

use_bundle() {
  [ -f "$BUNDLE/bundle.tar.xz" ] || return 1
  rm -rf "$BUNDLE/bundle" && tar -C "$BUNDLE" -xJf "$BUNDLE/bundle.tar.xz" || return 1
  BIN=$ROOT/$BUNDLE/bundle/bin
  export LD_LIBRARY_PATH=$ROOT/$BUNDLE/bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  [ -d "$ROOT/$BUNDLE/bundle/fixtures" ] && export COIL_FIXTURES=$ROOT/$BUNDLE/bundle/fixtures
  note "using the carried bundle ($BIN)"
}

step_build() {
  local dir=$BUILD-gpu fix=${COIL_FIXTURES:-}
  [ -z "$fix" ] && [ -d "$ROOT/../shared/fixtures" ] && fix=$ROOT/../shared/fixtures
  if run configure cmake -S . -B "$dir" "${configure_args[@]}" ${fix:+"-DCOIL_FIXTURES=$fix"} &&
    run build cmake --build "$dir" -j"$JOBS"; then  # everything: ctest runs every engine test
    BIN=$ROOT/$dir
    BUILT_HERE=1
    [ -n "$fix" ] && export COIL_FIXTURES=$fix
    if [ -z "${COIL_FIXTURES:-}" ] && [ -f "$BUNDLE/bundle.tar.xz" ]; then  # fixtures only
      tar -C "$BUNDLE" -xJf "$BUNDLE/bundle.tar.xz" bundle/fixtures 2>/dev/null &&
        export COIL_FIXTURES=$ROOT/$BUNDLE/bundle/fixtures
    fi
    return 0
  fi
  note "building here failed (see configure.log / build.log); trying the carried bundle"
  use_bundle || { note "no bundle either: run tools/cuda_device_run.sh --prepare where it builds, and carry $BUNDLE"; return 1; }
}

bin() {  # path of a built binary
  if [ "$BUILT_HERE" = 1 ]; then
    case $1 in coil) echo "$BIN/engine/coil" ;; *) echo "$BIN/tests/engine/$1" ;; esac
  else
    echo "$BIN/$1"
  fi
}

step_test() {
  if [ "$BUILT_HERE" = 1 ]; then
    run ctest ctest --test-dir "$BIN" -L engine --output-on-failure -j4 --timeout 900
  else
    for t in "${ENGINE_TESTS[@]}"; do run "$t" "$(bin "$t")"; done
  fi
  for t in "${ENGINE_TESTS[@]}"; do  # the CUDA cases alone, for the record
    "$(bin "$t")" --gtest_filter='*cuda*:*Cuda*' --gtest_brief=1 >"$LOGS/$t.cuda.log" 2>&1
    note "$t (cuda cases): exit $? -- $(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$LOGS/$t.cuda.log" | tr '\n' ' ')"
  done
}

step_sanitize() {
  command -v compute-sanitizer >/dev/null || { note "compute-sanitizer not found"; return 1; }
  run sanitize_parity compute-sanitizer --tool memcheck --error-exitcode 1 --print-limit 20 \
    "$(bin test_model_parity)" --gtest_filter='*cuda*'
  run sanitize_ops compute-sanitizer --tool memcheck --error-exitcode 1 --print-limit 20 \
    "$(bin test_backend_ops)" --gtest_filter='*cuda*'
  run sanitize_racecheck compute-sanitizer --tool racecheck --error-exitcode 1 --print-limit 20 \
    "$(bin test_backend_ops)" --gtest_filter='*cuda*'
}

bench() {  # NAME [env...] -- [extra args]
  local name=$1
  shift
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  run "$name" env "${envs[@]}" "$(bin coil)" bench --synthetic falcon-mamba-7b --dtype bf16 \
    --backend cuda --prompt-len 8192 --gen-len 256 --json "$@"
  grep -h '^{' "$LOGS/$name.log" >"$LOGS/$name.json" 2>/dev/null
  python3 - "$LOGS/$name.json" "$name" <<'EOF' | tee -a "$SUMMARY"
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"   {sys.argv[2]}: no JSON ({e})"); sys.exit(0)
print(f"   {sys.argv[2]}: prefill {j['prefill_tokens_per_s']:.0f} tok/s, decode {j['decode_tokens_per_s']:.1f} tok/s, "
      f"{j['decode_gb_per_s']:.0f} of {j['memory_bandwidth_gb_per_s']:.0f} GB/s = {100*j['decode_bandwidth_fraction']:.1f}%, "
      f"ttft {j['time_to_first_token_ms']:.0f} ms, state load {j['state_load_ms']:.1f} ms, "
      f"peak device {j.get('peak_device_bytes', 0)/2**30:.2f} GiB")
EOF
}

step_bench() {
  bench bench
  bench bench_chunk1024 -- --chunk 1024
  bench bench_gemm_single COIL_CUDA_GEMM=single
  bench bench_no_pdl COIL_CUDA_PDL=0
}

step_flat() {
  local n=${COIL_FLAT_TOKENS:-20000}
  run flat "$(bin coil)" bench --synthetic falcon-mamba-7b --dtype bf16 --backend cuda \
    --prompt-len 16 --gen-len "$n" --decode-report-every 1000 --no-bandwidth --json
  grep -h '^{' "$LOGS/flat.log" >"$LOGS/flat.json" 2>/dev/null
  python3 - "$LOGS/flat.json" <<'EOF' | tee -a "$SUMMARY"
import json, sys
try:
    w = json.load(open(sys.argv[1]))["decode_tokens_per_s_windows"]
except Exception as e:
    print(f"   flat: no windows ({e})"); sys.exit(0)
print(f"   flat: {len(w)} windows, first {w[0]:.1f}, last {w[-1]:.1f}, min {min(w):.1f}, max {max(w):.1f} tok/s, "
      f"spread {100*(max(w)-min(w))/max(w):.1f}%, peak device {json.load(open(sys.argv[1])).get('peak_device_bytes',0)/2**30:.2f} GiB")
EOF
}

step_hf() {
  run hf env PYTHONUNBUFFERED=1 COIL_HF_PROMPT="${COIL_HF_PROMPT:-1024}" COIL_HF_GEN="${COIL_HF_GEN:-64}" \
    python3 - <<'EOF'
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
  grep -h "HF transformers" "$LOGS/hf.log" | sed 's/^/   /' >>"$SUMMARY"
}

status=0
for s in $STEPS; do
  case $s in
    info) step_info ;;
    build) step_build || { status=1; break; } ;;
    test | sanitize | bench | flat)
      if [ -z "$BIN" ]; then step_build || { status=1; break; }; fi
      "step_$s" || status=1
      ;;
    hf) step_hf || status=1 ;;
    *) echo "unknown step $s"; status=2 ;;
  esac
done
echo
echo "==================== summary ($LOGS)"
cat "$SUMMARY"
exit $status
