#!/usr/bin/env bash
# ===- python.sh - the project's Python interpreter ------------------------=== #
#
#   scripts/python.sh -m ost.export.llama2c IN.bin OUT.onnx
#
# Runs the virtualenv that scripts/install-deps.sh made ($OST_PYTHON, else
# $OST_VENV/bin/python, else .venv/bin/python) with python/ on PYTHONPATH, so
# every entry point (exporters, references, plots, benchmarks) runs on the
# pinned packages. Fails with a clear message when the virtualenv is missing.
# ===---------------------------------------------------------------------=== #
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${OST_PYTHON:-${OST_VENV:-$root/.venv}/bin/python}"
if [[ ! -x "$py" ]]; then
  echo "python.sh: $py not found: run scripts/install-deps.sh first" >&2
  exit 127
fi
export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
exec "$py" "$@"
