#!/usr/bin/env bash
# Builds the DEB and TGZ packages of an already built tree and checks them:
#   - cpack -G "DEB;TGZ" (packages in BUILD_DIR/packages)
#   - the TGZ unpacked into a temporary folder: bin/coil-chat --version and bin/coil --version
#     run from there, with every shared library found; when the demo model is packaged, the
#     unpacked coil-chat also starts for real (offscreen), opens the demo model it finds
#     next to itself and answers one message (COIL_PACKAGE_SMOKE=0 skips this)
#   - dpkg-deb --info / -c on the DEB: its control fields and dependencies, and that it
#     holds bin/coil-chat, bin/coil, the .desktop file, the AppStream metainfo, the icons
#     and the demo model (when resources/models/coil-demo, or COIL_DEMO_MODEL_DIR, exists)
# Usage: tools/check-package.sh BUILD_DIR        (CI: after tools/build-and-test.sh build-ci)
# Needs cpack, dpkg-deb and, for the DEB's dependencies, dpkg-shlibdeps (dpkg-dev).
set -euo pipefail

APP_ID=io.github.coil.Coil
ICON_SIZES=(16 22 24 32 48 64 128 256 512)

fail() { echo "check-package: FAIL: $*" >&2; exit 1; }
note() { echo "check-package: $*"; }

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" 2>/dev/null && pwd) || fail "no build folder $1"
[ -f "$BUILD/CPackConfig.cmake" ] ||
  fail "$BUILD/CPackConfig.cmake is missing: configure with COIL_GUI=ON (installer/ adds CPack)"
for tool in cpack dpkg-deb tar; do
  command -v "$tool" >/dev/null || fail "$tool not found"
done
command -v dpkg-shlibdeps >/dev/null ||
  fail "dpkg-shlibdeps not found (apt-get install dpkg-dev): the DEB's library dependencies need it"

cache_value() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt" | head -n1; }
SRC=$(cache_value CMAKE_HOME_DIRECTORY)
[ -d "$SRC" ] || fail "cannot find the source folder of $BUILD"
VERSION=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD/CPackConfig.cmake" | head -n1)
[ -n "$VERSION" ] || fail "no CPACK_PACKAGE_VERSION in $BUILD/CPackConfig.cmake"

# coil-chat is expected whenever the build has the target (it is always there in CI).
HAVE_APP=0
targets=$(cmake --build "$BUILD" --target help 2>/dev/null || true)
if grep -qE '^(\.\.\. )?coil-chat(:|$)' <<<"$targets"; then HAVE_APP=1; fi
[ "$HAVE_APP" = 1 ] || note "WARNING: this build has no coil-chat target; checking the CLI only"

DEMO_SRC=$(cache_value COIL_DEMO_MODEL_DIR)
DEMO_SRC=${DEMO_SRC:-$SRC/resources/models/coil-demo}
DEMO_FILES=()
if [ -f "$DEMO_SRC/config.json" ]; then
  while IFS= read -r f; do DEMO_FILES+=("$f"); done < <(
    cd "$DEMO_SRC" && find . -type f ! -path '*/__pycache__/*' ! -name '*.pyc' | sed 's|^\./||' | sort)
else
  note "no demo model in $DEMO_SRC: not expecting one in the packages"
fi

# Expected installed paths, relative to the install prefix.
EXPECTED=(bin/coil)
if [ "$HAVE_APP" = 1 ]; then
  EXPECTED+=(bin/coil-chat
    "share/applications/$APP_ID.desktop"
    "share/metainfo/$APP_ID.metainfo.xml"
    "share/icons/hicolor/scalable/apps/$APP_ID.svg"
    "share/doc/coil/copyright")
  for s in "${ICON_SIZES[@]}"; do EXPECTED+=("share/icons/hicolor/${s}x${s}/apps/$APP_ID.png"); done
  for f in "${DEMO_FILES[@]}"; do EXPECTED+=("share/coil/models/coil-demo/$f"); done
fi

# --- build the packages -----------------------------------------------------------------
for b in coil coil-chat; do
  if [ "$b" = coil ] || [ "$HAVE_APP" = 1 ]; then
    exe=$(find "$BUILD" -path "$BUILD/packages" -prune -o -type f -name "$b" -perm -u+x -print | head -n1)
    [ -n "$exe" ] || fail "$b is not built in $BUILD: build it first (cmake --build $BUILD)"
  fi
done
PKG_DIR="$BUILD/packages"
rm -rf "$PKG_DIR"
note "cpack -G \"DEB;TGZ\" in $BUILD"
if ! (cd "$BUILD" && cpack -G "DEB;TGZ" > "$BUILD/cpack.log" 2>&1); then
  tail -n 40 "$BUILD/cpack.log" >&2
  fail "cpack failed (full log: $BUILD/cpack.log)"
fi
shopt -s nullglob
debs=("$PKG_DIR"/coil_*.deb)
tgzs=("$PKG_DIR"/coil-*.tar.gz)
shopt -u nullglob
[ ${#debs[@]} -eq 1 ] || fail "expected one coil_*.deb in $PKG_DIR, found ${#debs[@]}"
[ ${#tgzs[@]} -eq 1 ] || fail "expected one coil-*.tar.gz in $PKG_DIR, found ${#tgzs[@]}"
DEB=${debs[0]}
TGZ=${tgzs[0]}
note "built $(basename "$DEB") ($(du -h "$DEB" | cut -f1)), $(basename "$TGZ") ($(du -h "$TGZ" | cut -f1))"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/coil-check-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- the TGZ, unpacked and run ----------------------------------------------------------
mkdir "$WORK/tgz"
tar -xzf "$TGZ" -C "$WORK/tgz" || fail "cannot unpack $TGZ"
tops=("$WORK"/tgz/*)
[ ${#tops[@]} -eq 1 ] && [ -d "${tops[0]}" ] || fail "$TGZ should hold one top folder"
ROOT=${tops[0]}
missing=()
for p in "${EXPECTED[@]}"; do [ -f "$ROOT/$p" ] || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] || fail "$(basename "$TGZ") lacks: ${missing[*]}"

run_version() {  # NAME: runs the unpacked bin/NAME --version, expects "NAME VERSION"
  local exe="$ROOT/bin/$1" out
  [ -x "$exe" ] || fail "$1 in the TGZ is not executable"
  local libs
  libs=$(ldd "$exe" 2>&1) || fail "ldd cannot read the unpacked $1"
  if grep -F 'not found' <<<"$libs" >&2; then
    fail "the unpacked $1 misses shared libraries (RPATH / dependencies)"
  fi
  out=$(cd "$WORK" && QT_QPA_PLATFORM=offscreen timeout 60 "$exe" --version 2>&1) ||
    { echo "$out" >&2; fail "the unpacked $1 --version failed"; }
  [ "$out" = "$1 $VERSION" ] || fail "the unpacked $1 --version printed '$out', expected '$1 $VERSION'"
  note "unpacked bin/$1 --version: $out"
}
run_version coil
if [ "$HAVE_APP" = 1 ]; then run_version coil-chat; fi

# The real app from the unpacked package: loads its QML (the Qt QML modules must be there),
# finds the packaged demo model at bin/../share/coil/models/coil-demo and answers.
if [ "$HAVE_APP" = 1 ] && [ ${#DEMO_FILES[@]} -gt 0 ] && [ "${COIL_PACKAGE_SMOKE:-1}" != 0 ]; then
  note "starting the unpacked coil-chat (offscreen) to answer one message with the demo model"
  if ! (cd "$WORK" && QT_QPA_PLATFORM=offscreen timeout 300 "$ROOT/bin/coil-chat" \
          --data-dir "$WORK/data" --send "What is 2 plus 3?" --screenshot "$WORK/shot.png" \
          > "$WORK/smoke.log" 2>&1); then
    tail -n 30 "$WORK/smoke.log" >&2
    fail "the unpacked coil-chat did not start, load the demo model and answer"
  fi
  [ -s "$WORK/shot.png" ] || fail "the unpacked coil-chat saved no screenshot"
  # Run-time pieces that only show up as warnings: SVG icons (libqt6svg6), QML modules.
  if grep -E 'Unsupported image format|is not installed|Cannot load library' "$WORK/smoke.log" >&2; then
    fail "the unpacked coil-chat misses run-time Qt plugins or QML modules (see above; the DEB's Depends must list their packages, and this machine must have them)"
  fi
  note "the unpacked coil-chat answered with the demo model"
fi

# --- the DEB ------------------------------------------------------------------------------
INFO=$(dpkg-deb --info "$DEB") || fail "dpkg-deb --info $DEB failed"
field() { printf '%s\n' "$INFO" | sed -n "s/^ $1: //p" | head -n1; }
[ "$(field Package)" = coil ] || fail "DEB Package is '$(field Package)', expected coil"
case "$(field Version)" in "$VERSION"|"$VERSION"-*) ;; *) fail "DEB Version is '$(field Version)', expected $VERSION";; esac
for f in Maintainer Description Section Homepage Architecture; do
  [ -n "$(field "$f")" ] || fail "DEB has no $f field"
done
DEPENDS=$(field Depends)
[ -n "$DEPENDS" ] || fail "DEB has no Depends"
dep_names=$(printf '%s\n' "$DEPENDS" | tr ',|' '\n\n' | sed 's/(.*//; s/[[:space:]]//g')
need=(libc6 libstdc++6)
if [ "$HAVE_APP" = 1 ]; then need+=(libqt6core6 libqt6quick6 qml6-module-qtquick qml6-module-qtquick-controls
                               qml6-module-qtquick-layouts qml6-module-qtquick-window
                               qml6-module-qtquick-templates qml6-module-qtqml-workerscript
                               qml6-module-qtquick-dialogs qt6-qpa-plugins libqt6svg6); fi
for d in "${need[@]}"; do
  grep -qxF "$d" <<<"$dep_names" ||
    fail "DEB Depends lacks $d (shlibdeps or the QML module list): $DEPENDS"
done
CONTENTS=$(dpkg-deb -c "$DEB") || fail "dpkg-deb -c $DEB failed"
listed=$(printf '%s\n' "$CONTENTS" | awk '{print $NF}' | sed 's|^\./||')
missing=()
for p in "${EXPECTED[@]}"; do
  grep -qxF "usr/$p" <<<"$listed" || missing+=("/usr/$p")
done
[ ${#missing[@]} -eq 0 ] || fail "$(basename "$DEB") lacks: ${missing[*]}"
note "DEB: $(field Package) $(field Version) $(field Architecture), ${#EXPECTED[@]} expected files present"
note "DEB Depends: $DEPENDS"
# The backends' run-time libraries are dlopen'ed, so shlibdeps cannot see them: Recommends
# must name them for the backends this build has.
RECOMMENDS=$(field Recommends)
if [ "$(cache_value COIL_VULKAN)" = ON ]; then
  grep -q 'libvulkan1' <<<"$RECOMMENDS" || fail "DEB Recommends lacks libvulkan1: $RECOMMENDS"
fi
if [ "$(cache_value COIL_CUDA)" = ON ]; then
  grep -q 'libcublas-' <<<"$RECOMMENDS" || fail "DEB Recommends lacks cuBLAS: $RECOMMENDS"
fi
note "DEB Recommends: $RECOMMENDS"

# --- optional validators (not installed in CI) ---------------------------------------------
if [ "$HAVE_APP" = 1 ] && command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net "$ROOT/share/metainfo/$APP_ID.metainfo.xml" >/dev/null ||
    fail "appstreamcli rejects the metainfo"
  note "appstreamcli validate: ok"
fi
if [ "$HAVE_APP" = 1 ] && command -v desktop-file-validate >/dev/null; then
  problems=$(desktop-file-validate "$ROOT/share/applications/$APP_ID.desktop" 2>&1 | grep -v ': hint: ' || true)
  [ -z "$problems" ] || { echo "$problems" >&2; fail "desktop-file-validate rejects the .desktop file"; }
  note "desktop-file-validate: ok"
fi

note "OK: $(basename "$DEB") and $(basename "$TGZ") in $PKG_DIR"
