#!/usr/bin/env bash
# ===- demo.sh - install, build and run the main job on a built-in sample --=== #
#
# Compiles the built-in sample (examples/llama-layer.mlir: one LLaMA decoder
# layer with OSTQuant transform pairs and fake quantizers) through ost-opt:
# verify that every transform is paired with its inverse, canonicalize (a
# fixed Hadamard applied online becomes ost.online_hadamard, transform/inverse
# pairs cancel, unit norm weights drop), then strip the fake quantizers to get
# the float teacher. Prints the resulting IR and op counts.
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
