#!/usr/bin/env bash
# Runs the CPU measurements the engine-core issue asks for and prints one JSON line each.
# Usage: tools/bench-cpu.sh [BUILD_DIR]   (run on an otherwise idle machine)
#        tools/bench-cpu.sh BUILD_DIR --compare-isa ISA_A ISA_B [ROUNDS]
#   The second form compares two CPU kernel sets (COIL_CPU_ISA values: scalar, avx2, avx512,
#   avx512bf16) on mamba-130m prefill (512 tokens) and mamba-1.4b decode, alternating
#   A B A B ... ROUNDS times (default 3) so that other load hits both alike; each line
#   starts with the ISA and the 1-minute load average before the run.
set -euo pipefail
COIL=${1:-build}/cli/coil
run() { echo "# coil bench $*" >&2; "$COIL" bench --backend cpu --json "$@"; }

if [[ ${2:-} == --compare-isa ]]; then
  a=${3:?ISA_A}; b=${4:?ISA_B}; rounds=${5:-3}
  for ((r = 1; r <= rounds; ++r)); do
    for isa in "$a" "$b"; do
      load=$(cut -d' ' -f1 /proc/loadavg)
      p=$(COIL_CPU_ISA=$isa "$COIL" bench --backend cpu --json --no-bandwidth \
            --synthetic mamba-130m --dtype bf16 --prompt-len 512 --gen-len 8)
      d=$(COIL_CPU_ISA=$isa "$COIL" bench --backend cpu --json --no-bandwidth \
            --synthetic mamba-1.4b --dtype bf16 --prompt-len 16 --gen-len 64)
      pf=$(grep -o '"prefill_tokens_per_s":[0-9.]*' <<<"$p" | cut -d: -f2)
      dc=$(grep -o '"decode_tokens_per_s":[0-9.]*' <<<"$d" | cut -d: -f2)
      printf '%-10s load %4s  mamba-130m prefill(512) %7.1f tok/s  mamba-1.4b decode %6.2f' \
        "$isa" "$load" "$pf" "$dc"
      echo ' tok/s'
    done
  done
  exit 0
fi

# decode of the mamba-1.4b shape in bf16 vs the measured memory bandwidth
run --synthetic mamba-1.4b --dtype bf16 --prompt-len 16 --gen-len 64
# prefill: 512 vs 16k tokens (peak memory and tokens/s)
run --synthetic mamba-130m --dtype bf16 --prompt-len 512 --gen-len 8
run --synthetic mamba-130m --dtype bf16 --prompt-len 16384 --gen-len 8
# state restore vs prefilling the 4096 tokens it encodes
run --synthetic mamba-130m --dtype bf16 --prompt-len 4096 --gen-len 8
# the 7B shape in bf16
run --synthetic falcon-mamba-7b --dtype bf16 --prompt-len 16 --gen-len 8
