#!/bin/sh
# Reads `--dump-pass-pipeline` output (ost-opt, on stderr) from stdin and
# prints the pipeline on one line, as `ost-compile --print-pipeline` does.
sed -n '/^builtin.module(/,/^)$/p' | sed 's/^ *//' | tr -d '\n'
echo
