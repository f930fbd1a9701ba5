#!/usr/bin/env bash
# ===- fuzz.sh - build and run the libFuzzer targets ---------------------=== #
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds fuzz/ with ASan + UBSan in build-asan/ (the folder sanitize.sh
# builds the whole tree in; compiler-rt from Debian,
# installed by install-deps.sh with OST_DEPS_FUZZ=1), makes seed corpora from
# the project's own inputs (test models and tokenizers, exporter output, the
# real tokenizer and text in ../shared/data when present) and runs each
# target for SECONDS (default 60), keeping the grown corpus in
# build-asan/corpus/<target>. Prints one line per target:
#
#   fuzz ost-fuzz-onnx-import: execs 123456 in 60 s, crashes 0
#
# OST_FUZZ_RUNS=N stops each target after N executions (or SECONDS,
# whichever comes first); OST_FUZZ_MAX_LEN caps the input size (1 MiB by
# default; the importer runs several times faster on inputs of a few KB).
# Exits 1 if any target crashed (the reproducer is under
# build-asan/artifacts/; `build-asan/fuzz/<target> <file>` replays it).
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
           ost-fuzz-llama2c-tokenizer ost-fuzz-tokenize-text
           ost-fuzz-checkpoint ost-fuzz-session-api ost-fuzz-executable-args)
fi
B="${OST_SANITIZE_BUILD_DIR:-build-asan}"
mkdir -p "$B"
B="$(cd "$B" && pwd)" # absolute: ost-fuzz-executable-args changes folder

OST_DEPS_FUZZ=1 bash scripts/install-deps.sh
source scripts/sanitizer-flags.sh
configure_sanitizer_build "$B"
cmake --build "$B" --target ost-fuzzers -j "${OST_JOBS:-$(nproc)}"

# --- seed corpora ------------------------------------------------------------
data="$root/../shared/data"
seeds="$B/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{onnx,json,llama2c,text,checkpoint,session,args}
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

# Valid checkpoints of the fuzzer's own module (it writes them itself).
OST_FUZZ_CHECKPOINT_SEEDS="$seeds/checkpoint" "$B/fuzz/ost-fuzz-checkpoint" -runs=0 >/dev/null 2>&1
# Session API: create (threads, cache), then forwards and resets.
printf '\x01\x20\x00\x05\x01\x02\x03\x04\x05\x02\x04\x00\x01\x09\x01' > "$seeds/session/forwards"
printf '\x00\x00\x00\x30\x11\x22\x05' > "$seeds/session/fill"
# Executable command lines (FILE bytes after the NUL).
args() { printf '%s\0%s' "$1" "$2" > "$seeds/args/$3"; }
args "perplexity --tokenizer @TOK --text @FILE --context 16 --quiet" "Once upon a time<|endoftext|>there was a cat" ppl
args "perplexity --tokenizer @TOK --text @FILE --docs 0:1 --context 8" "One<|endoftext|>Two" docs
args "generate --tokenizer @TOK --prompt Once --max-tokens 8" "" generate
args "logits --tokens 1,2,3,511 --out @OUT" "" logits
args "logits --tokenizer @TOK --prompt hello --decode --out @OUT" "" decode
args "info" "" info

seed_dir() {
  case "$1" in
    ost-fuzz-onnx-import) echo "$seeds/onnx" ;;
    ost-fuzz-tokenizer-json) echo "$seeds/json" ;;
    ost-fuzz-llama2c-tokenizer) echo "$seeds/llama2c" ;;
    ost-fuzz-tokenize-text) echo "$seeds/text" ;;
    ost-fuzz-checkpoint) echo "$seeds/checkpoint" ;;
    ost-fuzz-session-api) echo "$seeds/session" ;;
    ost-fuzz-executable-args) echo "$seeds/args" ;;
  esac
}

# --- run ---------------------------------------------------------------------
export OST_FUZZ_TOKENIZERS="$tokenizers"
mkdir -p "$B/artifacts" "$B/logs"
status=0
for t in "${TARGETS[@]}"; do
  corpus="$B/corpus/$t"
  mkdir -p "$corpus"
  log="$B/logs/$t.log"
  set +e
  # The executables print their results: keep the log to the fuzzer's own.
  quiet=0
  [[ "$t" == ost-fuzz-executable-args ]] && quiet=3
  "$B/fuzz/$t" "$corpus" "$(seed_dir "$t")" -max_total_time="$SECS" \
    -close_fd_mask=$quiet \
    -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 \
    -max_len="${OST_FUZZ_MAX_LEN:-1048576}" -runs="${OST_FUZZ_RUNS:--1}" \
    -artifact_prefix="$B/artifacts/$t-" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -oE "stat::number_of_executed_units: [0-9]+" "$log" | grep -oE "[0-9]+$" || true)
  crashes=$(find "$B/artifacts" -name "$t-*" | wc -l)
  # libFuzzer's "Done N runs in S second(s)" when it stopped on -runs.
  secs=$(grep -oE "Done [0-9]+ runs in [0-9]+ second" "$log" | grep -oE "[0-9]+ second" | grep -oE "[0-9]+" || true)
  echo "fuzz $t: execs ${execs:-0} in ${secs:-$SECS} s, crashes $crashes (exit $rc, log $log)"
  if ((rc != 0 || crashes > 0)); then
    status=1
  fi
done
exit $status
