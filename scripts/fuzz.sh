#!/usr/bin/env bash
# ===- fuzz.sh - build and run the libFuzzer targets ---------------------=== #
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds fuzz/ with ASan + UBSan in build-fuzz/ (compiler-rt from Debian,
# installed by install-deps.sh with OST_DEPS_FUZZ=1), makes seed corpora from
# the project's own inputs (test models and tokenizers, exporter output, the
# real tokenizer and text in ../shared/data when present) and runs each
# target for SECONDS (default 60), keeping the grown corpus in
# build-fuzz/corpus/<target>. Prints one line per target:
#
#   fuzz ost-fuzz-onnx-import: execs 123456 in 60 s, crashes 0
#
# and exits 1 if any target crashed (the reproducer is under
# build-fuzz/artifacts/; `build-fuzz/fuzz/<target> <file>` replays it).
# Not part of the default test run; docs/Reliability.md has the figures.
# ===---------------------------------------------------------------------=== #
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
SECS="${1:-60}"
shift || true
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
  TARGETS=(ost-fuzz-onnx-import ost-fuzz-tokenizer-json
           ost-fuzz-llama2c-tokenizer ost-fuzz-tokenize-text)
fi
B="${OST_FUZZ_BUILD_DIR:-build-fuzz}"

OST_DEPS_FUZZ=1 bash scripts/install-deps.sh
SAN="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if [[ ! -f "$B/build.ninja" ]]; then
  cmake -G Ninja -S . -B "$B" -DOST_ENABLE_FUZZERS=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" >/dev/null
fi
cmake --build "$B" --target ost-fuzzers -j "${OST_JOBS:-$(nproc)}"

# --- seed corpora ------------------------------------------------------------
data="$root/../shared/data"
seeds="$B/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{onnx,json,llama2c,text}
cp test/Importer/ONNX/*.onnxtext "$seeds/onnx/"
# Inputs of crashes found before (each also has a lit test).
cp fuzz/regressions/onnx/* "$seeds/onnx/"
PY=scripts/python.sh
if [[ ! -f "$B/tiny-synthetic.onnx" ]]; then
  # A binary model from the project's exporter (inline weights, small).
  $PY -m ost.export.synthetic "$B/tiny-synthetic.onnx" --dim 16 --hidden 32 \
    --layers 1 --heads 2 --kv-heads 1 --vocab 32 --seq 16 --seed 0 >/dev/null
fi
cp "$B"/tiny-synthetic.onnx* "$seeds/onnx/" 2>/dev/null || true
cp test/Tools/Inputs/tokenizers/*.json "$seeds/json/"
tokenizers="$root/test/Tools/Inputs/tokenizers/tiny-bytelevel.json"
if [[ -d "$data" ]]; then
  cp "$data/models/stories260K.tok512.bin" "$seeds/llama2c/"
  tokenizers="$tokenizers:$data/models/stories260K.tok512.bin"
  head -c 4096 "$data/text/tinystories.valid.0-499.txt" > "$seeds/text/tinystories"
  head -c 4096 "$data/text/wikitext2.test.raw" > "$seeds/text/wikitext"
else
  echo "note: ../shared/data not found: fewer seeds"
fi
printf 'Once upon a time\n' > "$seeds/text/ascii"
printf '3.14 \xc2\xbd \xd9\xa3 h\xc3\xa9llo \xff\xfe\n' > "$seeds/text/unicode"
printf '\x00\x00\x00\x10\x00\x00\x00\x00' > "$seeds/llama2c/header"

seed_dir() {
  case "$1" in
    ost-fuzz-onnx-import) echo "$seeds/onnx" ;;
    ost-fuzz-tokenizer-json) echo "$seeds/json" ;;
    ost-fuzz-llama2c-tokenizer) echo "$seeds/llama2c" ;;
    ost-fuzz-tokenize-text) echo "$seeds/text" ;;
  esac
}

# --- run ---------------------------------------------------------------------
export OST_FUZZ_TOKENIZERS="$tokenizers"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
mkdir -p "$B/artifacts" "$B/logs"
status=0
for t in "${TARGETS[@]}"; do
  corpus="$B/corpus/$t"
  mkdir -p "$corpus"
  log="$B/logs/$t.log"
  set +e
  "$B/fuzz/$t" "$corpus" "$(seed_dir "$t")" -max_total_time="$SECS" \
    -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 -max_len=1048576 \
    -artifact_prefix="$B/artifacts/$t-" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$log" | grep -oE "[0-9]+$" || true)
  crashes=$(find "$B/artifacts" -name "$t-*" | wc -l)
  echo "fuzz $t: execs ${execs:-0} in $SECS s, crashes $crashes (exit $rc, log $log)"
  if ((rc != 0 || crashes > 0)); then
    status=1
  fi
done
exit $status
