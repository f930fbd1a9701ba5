# ===- sanitizer-flags.sh - flags and options of the sanitizer build -----=== #
#
# Sourced by sanitize.sh and fuzz.sh, which share build-asan/: compiler flags
# (ASan, UBSan without recovery, libFuzzer coverage without its main) and
# the run-time options of both sanitizers, and the configuration of the
# shared build folder.
# ===---------------------------------------------------------------------=== #
OST_SANITIZER_FLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
# allow_user_poisoning=0: LLVM's BumpPtrAllocator poisons its slabs from
# inline header code when the including file is built with ASan, and
# unpoisons each allocation the same way. Allocations made by Debian's
# uninstrumented libMLIR are never unpoisoned, so reading an attribute or a
# location it allocated is reported as use-after-poison in our code (a
# false report; ost-opt on any .mlir file shows it).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:allocator_may_return_null=1:allow_user_poisoning=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Configures DIR (once) as the sanitizer build: -O1 with line tables, the
# fuzz targets enabled.
configure_sanitizer_build() {
  [[ -f "$1/build.ninja" ]] && return 0
  cmake -G Ninja -S . -B "$1" -DOST_ENABLE_FUZZERS=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    -DCMAKE_C_FLAGS="$OST_SANITIZER_FLAGS" \
    -DCMAKE_CXX_FLAGS="$OST_SANITIZER_FLAGS" >/dev/null
}
