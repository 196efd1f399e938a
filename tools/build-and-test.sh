#!/usr/bin/env bash
# Configures, builds everything (engine, CLI, backends, app) and runs every test with ctest.
# Usage: tools/build-and-test.sh [BUILD_DIR]   (env: COIL_CUDA_ARCHS, e.g. "90", to build one arch)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
args=(-G Ninja -DCMAKE_BUILD_TYPE=Release)
if [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi
if [ -n "${COIL_CUDA_ARCHS:-}" ]; then args+=("-DCMAKE_CUDA_ARCHITECTURES=${COIL_CUDA_ARCHS}"); fi
cmake -S . -B "$BUILD_DIR" "${args[@]}"
cmake --build "$BUILD_DIR" -j"$(nproc)"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout 1200
