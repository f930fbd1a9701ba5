#!/usr/bin/env bash
# ===- sanitize.sh - the whole tree and test suite under ASan + UBSan -----=== #
#
#   scripts/sanitize.sh [CTEST ARGS...]
#
# Builds everything (libraries, tools, runtime, unit tests, the libFuzzer
# targets) with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ (OST_SANITIZE_BUILD_DIR), then runs the whole test suite
# there (`ctest`, lit and unit tests). Any sanitizer report fails its test:
# UBSan is built without recovery, ASan aborts. The executables and shared
# libraries ost-compile links in this build are instrumented too (the
# runtime archives are). MLIR, LLVM, protobuf, OpenBLAS and Python are
# Debian's and PyPI's uninstrumented builds. Leak checking is off: the MLIR
# tools free their contexts at exit but LLVM's option and pass registries
# are global by design (docs/Reliability.md).
#
# scripts/fuzz.sh uses the same build folder. Not part of the default test
# run: the build takes about 25 minutes and the tests 30 on 2 cores.
# ===---------------------------------------------------------------------=== #
set -euo pipefail
cd "$(dirname "$0")/.."

OST_DEPS_FUZZ=1 bash scripts/install-deps.sh
B="${OST_SANITIZE_BUILD_DIR:-build-asan}"
source scripts/sanitizer-flags.sh
configure_sanitizer_build "$B"
cmake --build "$B" -j "${OST_JOBS:-$(nproc)}"
cmake --build "$B" --target ost-fuzzers -j "${OST_JOBS:-$(nproc)}"
cd "$B"
ctest -j "${OST_JOBS:-$(nproc)}" --output-on-failure "$@"
