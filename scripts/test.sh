#!/usr/bin/env bash
# ===- test.sh - install, build and run every test -------------------------=== #
#
# Runs lit (one ctest test per lit file) and the GoogleTest unit tests
# through ctest, so the last lines are ctest's summary. Exits non-zero on any
# failure. Tests needing ../shared/data, a GPU or ptxas are skipped (reported
# as UNSUPPORTED by lit) where those are missing.
# ===---------------------------------------------------------------------=== #
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
BUILD_DIR="${OST_BUILD_DIR:-build}"
if [[ ! -d ../shared/data ]]; then
  echo "note: ../shared/data not found; tests that need real models or text are skipped"
fi
cd "$BUILD_DIR"
exec ctest --output-on-failure -j "${OST_JOBS:-$(nproc)}"
