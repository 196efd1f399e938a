#!/usr/bin/env bash
# Configures and builds everything (engine, CLI, backends, app), then runs every test with
# ctest. Usage: tools/build-and-test.sh [BUILD_DIR] [--no-test]
# Environment: COIL_CUDA_ARCHS (e.g. "90") builds one CUDA architecture only.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=build
RUN_TESTS=1
for arg in "$@"; do
  case "$arg" in
    --no-test) RUN_TESTS=0 ;;
    *) BUILD_DIR=$arg ;;
  esac
done
args=(-G Ninja -DCMAKE_BUILD_TYPE=Release)
if [ -z "${CUDACXX:-}" ] && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi
if [ -n "${COIL_CUDA_ARCHS:-}" ]; then args+=("-DCMAKE_CUDA_ARCHITECTURES=${COIL_CUDA_ARCHS}"); fi
cmake -S . -B "$BUILD_DIR" "${args[@]}"
cmake --build "$BUILD_DIR" -j"$(nproc)"
[ "$RUN_TESTS" = 1 ] || exit 0
# the openai client the coil serve tests drive; without it their ctest entry fails, saying so
tools/install-test-python.sh "$BUILD_DIR" || echo "warning: could not install tests/server/requirements.txt" >&2
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout 1200
