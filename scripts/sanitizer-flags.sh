# ===- sanitizer-flags.sh - flags and options of the sanitizer build -----=== #
#
# Sourced by sanitize.sh and fuzz.sh, which share build-asan/: compiler flags
# (ASan, UBSan without recovery, libFuzzer coverage without its main) and
# the run-time options of both sanitizers.
# ===---------------------------------------------------------------------=== #
OST_SANITIZER_FLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
