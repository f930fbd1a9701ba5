#!/usr/bin/env bash
# ===- build.sh - configure and build ost ---------------------------------=== #
#
#   scripts/build.sh [extra cmake args...]
#
# Installs missing packages (scripts/install-deps.sh), configures build/ with
# Ninja (clang-22 + lld + libMLIR.so by default; pass
# -DOST_LINK_MLIR_DYLIB=OFF for static MLIR) and builds everything.
# Environment: OST_BUILD_DIR (default build), OST_JOBS (default nproc).
# ===---------------------------------------------------------------------=== #
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
BUILD_DIR="${OST_BUILD_DIR:-build}"
JOBS="${OST_JOBS:-$(nproc)}"
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -G Ninja -S . -B "$BUILD_DIR" "$@"
elif (($# > 0)); then
  cmake -S . -B "$BUILD_DIR" "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
