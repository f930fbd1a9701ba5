#!/usr/bin/env bash
# ===- install-deps.sh - install every package ost needs ----------------=== #
#
# Idempotent: installs only the Debian packages that are missing, so a second
# run costs one `dpkg-query`. Works on a fresh Debian 12 machine as root (or
# with sudo). Packages come from Debian's apt only; nothing is downloaded from
# anywhere else.
#
#   scripts/install-deps.sh            # everything (build, tests, tools,
#                                      # onnxruntime-node via scripts/install-ort.sh)
#   OST_DEPS_MINIMAL=1 scripts/...     # only what the C++ build and lit need
#
# ===--------------------------------------------------------------------=== #
set -euo pipefail

# Build toolchain: LLVM/MLIR 22 (headers, libMLIR.so, mlir-tblgen, lit,
# FileCheck), clang-22 + lld-22 (fastest build, see docs/Building.md),
# CMake + Ninja, GoogleTest.
BUILD_PKGS=(
  clang-22 lld-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  cmake ninja-build make libgtest-dev
  python3
)
# Model import and reference execution: ONNX + protobuf, OpenBLAS.
MODEL_PKGS=(
  libonnx-dev libprotobuf-dev protobuf-compiler libopenblas-dev libsentencepiece-dev
)
# Python tools (exporting test models, references, plots).
PY_PKGS=(
  python3-onnx python3-numpy python3-torch python3-matplotlib
)

pkgs=("${BUILD_PKGS[@]}" "${MODEL_PKGS[@]}")
if [[ "${OST_DEPS_MINIMAL:-0}" != 1 ]]; then
  pkgs+=("${PY_PKGS[@]}")
  # ONNX Runtime (the independent reference) comes from the npm registry and
  # needs node; the machine image usually has it, Debian's nodejs otherwise.
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    pkgs+=(nodejs npm)
  fi
fi

install_ort() {
  if [[ "${OST_DEPS_MINIMAL:-0}" != 1 ]]; then
    bash "$(dirname "$0")/install-ort.sh"
  fi
}

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#pkgs[@]} packages already installed"
  install_ort
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_ort
echo "install-deps: done"
