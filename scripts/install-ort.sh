#!/usr/bin/env bash
# ===- install-ort.sh - install ONNX Runtime for node into tools/ort --------=== #
#
# Installs onnxruntime-node 1.30.0 (CPU build; its binaries ship inside the npm
# package) into tools/ort/node_modules from the npm registry. Install scripts
# are skipped (--ignore-scripts): onnxruntime-node's postinstall only fetches
# optional CUDA/TensorRT libraries, which the CPU runner does not use.
# Idempotent: does nothing when the pinned version is already installed.
#
#   scripts/install-ort.sh          # install if missing
#   node test/ort/run_ort.mjs MODEL.onnx --tokens 1,403,407
# ===--------------------------------------------------------------------=== #
set -euo pipefail

ORT_VERSION=1.30.0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/tools/ort"
pkg="$dir/node_modules/onnxruntime-node/package.json"

installed_version() {
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$1" 2>/dev/null || true
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-ort: node and npm are needed (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi

if [[ -f "$pkg" && "$(installed_version "$pkg")" == "$ORT_VERSION" ]]; then
  echo "install-ort: onnxruntime-node $ORT_VERSION already installed in tools/ort"
  exit 0
fi

cd "$dir"
npm install --ignore-scripts --no-audit --no-fund --save-exact "onnxruntime-node@$ORT_VERSION"

if [[ "$(installed_version "$pkg")" != "$ORT_VERSION" ]]; then
  echo "install-ort: onnxruntime-node $ORT_VERSION did not install" >&2
  exit 1
fi
# Check that the native binding loads on this machine.
node -e 'require("onnxruntime-node"); console.log("install-ort: onnxruntime-node '"$ORT_VERSION"' ok")'
