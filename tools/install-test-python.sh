#!/usr/bin/env bash
# Installs the Python packages the tests use (tests/server/requirements.txt: the official openai
# client, which the `coil serve` tests drive) into BUILD_DIR/pyenv. Test-only: Coil never
# needs them to run. Usage: tools/install-test-python.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
mkdir -p "$BUILD_DIR"
if ! [ -x "$BUILD_DIR/pyenv/bin/python" ]; then
  python3 -m venv "$BUILD_DIR/pyenv"
fi
"$BUILD_DIR/pyenv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/server/requirements.txt
