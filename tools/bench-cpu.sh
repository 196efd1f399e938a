#!/usr/bin/env bash
# Runs the CPU measurements the engine-core issue asks for and prints one JSON line each.
# Usage: tools/bench-cpu.sh [BUILD_DIR]   (run on an otherwise idle machine)
set -euo pipefail
COIL=${1:-build}/engine/coil
run() { echo "# coil bench $*" >&2; "$COIL" bench --backend cpu --json "$@"; }
# decode of the mamba-1.4b shape in bf16 vs the measured memory bandwidth
run --synthetic mamba-1.4b --dtype bf16 --prompt-len 16 --gen-len 64
# prefill: 512 vs 16k tokens (peak memory and tokens/s)
run --synthetic mamba-130m --dtype bf16 --prompt-len 512 --gen-len 8
run --synthetic mamba-130m --dtype bf16 --prompt-len 16384 --gen-len 8
# state restore vs prefilling the 4096 tokens it encodes
run --synthetic mamba-130m --dtype bf16 --prompt-len 4096 --gen-len 8
# the 7B shape in bf16
run --synthetic falcon-mamba-7b --dtype bf16 --prompt-len 16 --gen-len 8
