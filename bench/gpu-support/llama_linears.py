#!/usr/bin/env python3
# ===- llama_linears.py - LLaMA-2-7B linear shapes as ost.qlinear ops ----=== #
#
# Part of the ost project: OSTQuant as an MLIR compiler.
#
# Writes an MLIR function with one W4A4 ost.qlinear per benchmark shape of
# issue 7 (N x K = 4096x4096, 11008x4096, 4096x11008) and one W4A16 linear
# per decode shape, for convert-ost-qlinear-to-nvvm. Weights are splats:
# the benchmark uploads its own random data.
#
# ===------------------------------------------------------------------=== #
import sys

W4A4 = [(4096, 4096), (11008, 4096), (4096, 11008)]
W4A16 = [(4096, 4096), (11008, 4096), (4096, 11008)]


def main():
    out = sys.stdout if len(sys.argv) < 2 else open(sys.argv[1], "w")
    out.write("#act = #ost.qspec<4, asym, per_token>\n")
    out.write("#w = #ost.qspec<4, sym, per_channel>\n")
    for kind, shapes in (("w4a4", W4A4), ("w4a16", W4A16)):
        for n, k in shapes:
            spec = "act_spec = #act, " if kind == "w4a4" else ""
            out.write(
                f"func.func @{kind}_n{n}_k{k}(%x: tensor<1x?x{k}xf32>) -> tensor<1x?x{n}xf32> {{\n"
                f"  %w = arith.constant dense<17> : tensor<{n}x{k // 2}xi8>\n"
                f"  %s = arith.constant dense<0.01> : tensor<{n}x1xf32>\n"
                f"  %y = ost.qlinear %x, %w, %s {{{spec}weight_spec = #w}} : "
                f"tensor<1x?x{k}xf32>, tensor<{n}x{k // 2}xi8>, tensor<{n}x1xf32> -> tensor<1x?x{n}xf32>\n"
                f"  return %y : tensor<1x?x{n}xf32>\n}}\n")


if __name__ == "__main__":
    main()
