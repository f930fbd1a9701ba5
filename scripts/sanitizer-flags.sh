# ===- sanitizer-flags.sh - flags and options of the sanitizer build -----=== #
#
# Sourced by sanitize.sh and fuzz.sh, which share build-asan/: compiler flags
# (ASan, UBSan without recovery, libFuzzer coverage without its main) and
# the run-time options of both sanitizers, and the configuration of the
# shared build folder.
# ===---------------------------------------------------------------------=== #
OST_SANITIZER_FLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:allocator_may_return_null=1}"
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
