// ost-smooth-scales sets s_j = max|X_j|^α / max|W_j|^(1−α) for a scale that
// is applied (inverted) to a linear layer's input. Every activation element
// is 0.25 (a constant embedding) and the weight's column maxima are
// 1, 4, 9, 16, so α = 0.5 gives 0.5/√[1, 4, 9, 16] and α = 1 gives 0.25.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %ost_src_root/test/Tools/Inputs/tiny_decoder.py %t > /dev/null
// RUN: %python %S/Inputs/make_text.py %t/text.txt
// RUN: ost-opt %s --ost-smooth-scales="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8 samples=4" | FileCheck %s
// CHECK: ost.param "S" {init = #ost.init<ones>, value = dense<[5.000000e-01, 2.500000e-01, 0.166666672, 1.250000e-01]> : tensor<4xf32>}
// RUN: ost-opt %s --ost-smooth-scales="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8 samples=4 alpha=1.0" | FileCheck %s --check-prefix=ALPHA1
// ALPHA1: value = dense<2.500000e-01> : tensor<4xf32>
// Scales that are not ones are refused (they would distort the statistics).
// RUN: ost-opt %s --ost-smooth-scales="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8 samples=4" -o %t/once.mlir
// RUN: not ost-opt %t/once.mlir --ost-smooth-scales="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8 samples=4" 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: error: smoothquant: scale 'S' must be initialized to ones before measuring
// RUN: not ost-opt %s --ost-smooth-scales="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8 alpha=2" 2>&1 | FileCheck %s --check-prefix=BADALPHA
// BADALPHA: error: smoothquant: alpha must be in [0, 1], got 2

func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x259xf32> {
  %table = arith.constant dense<0.25> : tensor<259x4xf32>
  %w = arith.constant dense<[[1.0, -4.0, 9.0, 2.0], [-0.5, 1.0, -3.0, -16.0]]> : tensor<2x4xf32>
  %head = arith.constant dense<0.5> : tensor<259x2xf32>
  %s = ost.param "S" {init = #ost.init<ones>, value = dense<1.0> : tensor<4xf32>} : !ost.scale<4>
  %e = ost.embedding %table[%ids] : tensor<259x4xf32>, tensor<?x?xi64> -> tensor<?x?x4xf32>
  %x = ost.apply %s to %e inverse : !ost.scale<4>, tensor<?x?x4xf32>
  %ws = ost.transform_weight %w by %s side input inverse : tensor<2x4xf32>, !ost.scale<4>
  %y = ost.linear %x, %ws : tensor<?x?x4xf32>, tensor<2x4xf32> -> tensor<?x?x2xf32>
  %logits = ost.lm_head %y, %head : tensor<?x?x2xf32>, tensor<259x2xf32> -> tensor<?x?x259xf32>
  return %logits : tensor<?x?x259xf32>
}
