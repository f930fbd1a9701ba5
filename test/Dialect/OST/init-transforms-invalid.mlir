// RUN: ost-opt %s --ost-init-transforms --split-input-file -verify-diagnostics
// RUN: not ost-opt %s --ost-init-transforms=method=spin --split-input-file 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not ost-opt %s --ost-init-transforms=scales=zero --split-input-file 2>&1 | FileCheck %s --check-prefix=SCALES

// Enum options: a value outside the list is refused when the pipeline is
// parsed, before anything runs.
// METHOD: for the --method option: Cannot find option named 'spin'!
// SCALES: for the --scales option: Cannot find option named 'zero'!

// No Hadamard matrix of order 6.
func.func @negative_hadamard_size() {
  // expected-error @+1 {{cannot initialize 'R' with a Hadamard: randomSignHadamard: no Hadamard matrix of order 6 is known: the order must be K*2^m with K one of 1, 12, 20}}
  %r = ost.param "R" {init = #ost.init<hadamard>} : !ost.rotation<6>
  return
}

// -----

// WOMI analyses constant weights only.
func.func @negative_womi_argument(%x: tensor<1x2x4xf32>, %w: tensor<8x4xf32>) -> tensor<1x2x8xf32> {
  // expected-error @+1 {{WOMI for 'R_res' needs constant f32 weights}}
  %r = ost.param "R_res" {init = #ost.init<womi>} : !ost.rotation<4>
  %xr = ost.apply %r to %x : !ost.rotation<4>, tensor<1x2x4xf32>
  // expected-note @+1 {{this weight is not a constant}}
  %wr = ost.transform_weight %w by %r side input : tensor<8x4xf32>, !ost.rotation<4>
  %y = ost.linear %xr, %wr : tensor<1x2x4xf32>, tensor<8x4xf32> -> tensor<1x2x8xf32>
  return %y : tensor<1x2x8xf32>
}

// -----

// WOMI needs weights reading the parameter on their input side.
func.func @negative_womi_unused(%x: tensor<1x2x4xf32>) -> tensor<1x2x4xf32> {
  // expected-error @+1 {{WOMI for 'R_res' found no weights consuming it on their input side}}
  %r = ost.param "R_res" {init = #ost.init<womi>} : !ost.rotation<4>
  %xr = ost.apply %r to %x : !ost.rotation<4>, tensor<1x2x4xf32>
  return %xr : tensor<1x2x4xf32>
}
