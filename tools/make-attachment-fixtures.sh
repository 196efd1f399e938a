#!/bin/sh
# Remakes the attachment fixtures of the app and UI tests (tests/app/data/attachments) with
# coil-make-attachment-fixtures (tools/fixtures/: PDFs drawn by Qt's QPdfWriter, the damaged
# and encrypted PDFs, text in several encodings, HTML, Markdown, code, a binary file).
# Usage: tools/make-attachment-fixtures.sh [BUILD_DIR]   (default: build)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
cmake --build "$build" --target coil-make-attachment-fixtures
out="$root/tests/app/data/attachments"
rm -rf "$out"
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "$build/tools/coil-make-attachment-fixtures" "$out"
echo "wrote $(ls "$out" | wc -l) files into $out"
