#!/usr/bin/env bash
# Installs every Debian 12 package Coil needs to build, run and test (needs root or sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
PKGS=(
  build-essential cmake ninja-build pkg-config git python3 python3-venv clang-format
  nlohmann-json3-dev libcli11-dev libpcre2-dev libsentencepiece-dev libsqlite3-dev
  libcpp-httplib-dev   # coil serve (a compiled library in Debian 12: libcpp-httplib.so.0.11)
  libmd4c-dev libsource-highlight-dev   # the app's Markdown (raw HTML refused) and code colours
  libgtest-dev googletest
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  qt6-base-dev qt6-declarative-dev qt6-tools-dev libqt6sql6-sqlite libgl-dev
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
  qml6-module-qtquick-dialogs qml6-module-qttest qml6-module-qt-labs-platform
  qml6-module-qtqml-models qml6-module-qtquick-shapes qml6-module-qt-labs-folderlistmodel libqt6svg6
  libpoppler-qt6-dev   # PDF attachments: poppler's Qt 6 binding
  xvfb xauth fonts-dejavu-core
  dpkg-dev file   # cpack DEB: dpkg-shlibdeps computes the library dependencies
  clang libclang-rt-14-dev llvm   # tools/sanitize-and-fuzz.sh: ASan, UBSan, libFuzzer, symbolizer
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
