#!/usr/bin/env bash
# Renders the committed PNG app icons from the SVG sources in resources/icons/.
# Run it by hand after changing an SVG (needs rsvg-convert: apt-get install librsvg2-bin);
# the build and CI only install the committed PNGs.
#   16-24 px: io.github.coil.Coil-small.svg (fewer, thicker turns, readable when tiny)
#   32+ px:   io.github.coil.Coil.svg (also installed as the scalable icon)
set -euo pipefail
cd "$(dirname "$0")/../resources/icons"
ID=io.github.coil.Coil
command -v rsvg-convert >/dev/null || { echo "render-icons: rsvg-convert not found (apt-get install librsvg2-bin)" >&2; exit 1; }
for size in 16 22 24 32 48 64 128 256 512; do
  src=$ID.svg
  if [ "$size" -le 24 ]; then src=$ID-small.svg; fi
  mkdir -p "hicolor/${size}x${size}"
  rsvg-convert -w "$size" -h "$size" -f png "$src" -o "hicolor/${size}x${size}/$ID.png"
  echo "hicolor/${size}x${size}/$ID.png  (from $src)"
done
