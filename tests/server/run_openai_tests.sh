#!/usr/bin/env bash
# ctest entry: runs test_openai_client.py with the venv tools/install-test-python.sh made.
# Usage: run_openai_tests.sh BUILD_DIR COIL_CLI DEMO_MODEL [unittest args...]
set -euo pipefail
build=$1 coil=$2 model=$3
shift 3
py="$build/pyenv/bin/python"
if ! [ -x "$py" ] || ! "$py" -c "import openai" 2>/dev/null; then
  echo "FAILED: the openai Python package is not installed in $build/pyenv." >&2
  echo "These tests drive coil serve with the official openai client; install it with:" >&2
  echo "    tools/install-test-python.sh $build" >&2
  exit 1
fi
export COIL_CLI="$coil" COIL_DEMO_MODEL="$model"
exec "$py" "$(dirname "$0")/test_openai_client.py" "$@"
