#!/usr/bin/env bash
# ===- demo.sh - install, build and run the main job on a built-in sample --=== #
#
# 1. The embedded default model: a deterministic synthetic LLaMA (GQA, MLP 172,
#    4 outlier channels) exported by torch.onnx, imported into the OST
#    dialect, run on the reference executor, then compiled with OSTQuant
#    W4A4KV4 by ost-compile (calibrated on a built-in byte-level text).
# 2. With ../shared/data: the real stories260K (llama2.c) the same way, with
#    its perplexity on TinyStories and a greedy continuation.
# 3. The built-in transform sample (examples/llama-layer.mlir: one decoder
#    layer with every OSTQuant pair and fake quantizers) through ost-opt:
#    verify the pairs, canonicalize, strip fake quantizers (float teacher).
# ===---------------------------------------------------------------------=== #
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh >/dev/null
BUILD_DIR="${OST_BUILD_DIR:-build}"
OPT="$BUILD_DIR/bin/ost-opt"
SAMPLE="${1:-examples/llama-layer.mlir}"
OUT_DIR="${OST_DEMO_OUT:-$BUILD_DIR/demo}"
mkdir -p "$OUT_DIR"

count() { grep -oE '= ost\.[a-z_]+' "$1" | sed 's/= //' | sort | uniq -c | sort -rn; }
PY=scripts/python.sh   # the project virtualenv, python/ on PYTHONPATH
RUN="$BUILD_DIR/bin/ost-run"
TRANSLATE="$BUILD_DIR/bin/ost-translate"

echo "== embedded default model: synthetic LLaMA (dim 64, 8/4 heads, MLP 172, 4 outlier channels)"
"$PY" -m ost.export.synthetic "$OUT_DIR/synthetic.onnx" --dim 64 --hidden 172 \
  --layers 2 --heads 8 --kv-heads 4 --vocab 512 --seq 256 --outliers 4 --seed 0 | grep -E "^(config|wrote)"
"$TRANSLATE" --import-onnx "$OUT_DIR/synthetic.onnx" -o "$OUT_DIR/synthetic.mlir"
echo "imported into the OST dialect ($OUT_DIR/synthetic.mlir):"
count "$OUT_DIR/synthetic.mlir"
"$RUN" logits --model "$OUT_DIR/synthetic.mlir" --tokens 1,403,407,261,378
echo
echo "== ost-compile: OSTQuant W4A4KV4 on the synthetic model (calibration text: built-in byte-level sample)"
"$PY" test/Tools/Inputs/tiny_decoder.py "$OUT_DIR/calib" > /dev/null
"$PY" test/Calibration/Inputs/make_text.py "$OUT_DIR/calib/text.txt"
COMPILE="$BUILD_DIR/bin/ost-compile"
"$COMPILE" "$OUT_DIR/synthetic.onnx" --method=ostquant --bits=W4A4KV4 \
  --calib="$OUT_DIR/calib/text.txt" --calib-docs=0:30 --tokenizer="$OUT_DIR/calib/tok.bin" \
  --seq-len=64 --steps=20 --samples=16 --compile-to=quantized -o "$OUT_DIR/synthetic.w4a4kv4.mlir" 2>&1 | tail -2
echo "quantized module ($OUT_DIR/synthetic.w4a4kv4.mlir):"
count "$OUT_DIR/synthetic.w4a4kv4.mlir"
echo "perplexity on held-out sample documents (the synthetic model is untrained: this shows the"
echo "quantized module runs; measured quality on a real model is in docs/results/):"
for m in synthetic.mlir synthetic.w4a4kv4.mlir; do
  printf "%-26s " "$m"
  "$RUN" perplexity --model "$OUT_DIR/$m" --tokenizer "$OUT_DIR/calib/tok.bin" \
    --text "$OUT_DIR/calib/text.txt" --docs 30:40 --quiet | grep perplexity
done
echo

DATA=../shared/data
if [[ -f "$DATA/models/stories260K.bin" ]]; then
  echo "== stories260K (llama2.c checkpoint from $DATA) -> ONNX -> OST -> reference executor"
  "$PY" -m ost.export.llama2c "$DATA/models/stories260K.bin" "$OUT_DIR/stories260K.onnx" | grep -E "^wrote"
  "$RUN" perplexity --model "$OUT_DIR/stories260K.onnx" --tokenizer "$DATA/models/stories260K.tok512.bin" \
    --text "$DATA/text/tinystories.valid.0-499.txt" --docs 0:200
  "$RUN" generate --model "$OUT_DIR/stories260K.onnx" --tokenizer "$DATA/models/stories260K.tok512.bin" \
    --prompt "Once upon a time" --max-tokens 48
  echo
else
  echo "== $DATA not found: skipping the stories260K part of the demo"
fi

echo "== sample: $SAMPLE"
count "$SAMPLE"
echo
echo "== ost-opt --ost-verify-transform-pairs --canonicalize"
"$OPT" "$SAMPLE" --ost-verify-transform-pairs --canonicalize -o "$OUT_DIR/canonical.mlir"
count "$OUT_DIR/canonical.mlir"
echo
echo "== ost-opt --ost-strip-fake-quant --canonicalize (float teacher)"
"$OPT" "$OUT_DIR/canonical.mlir" --ost-strip-fake-quant --canonicalize -o "$OUT_DIR/teacher.mlir"
count "$OUT_DIR/teacher.mlir"
echo
echo "== result ($OUT_DIR/canonical.mlir)"
cat "$OUT_DIR/canonical.mlir"
