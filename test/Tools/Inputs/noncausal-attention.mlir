// A model with non-causal attention: the cpu target cannot run it.
// Attention without `causal` has no KV-cache meaning.
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x16xf32> {
  %c1 = arith.constant 1 : index
  %table = arith.constant dense<0.5> : tensor<16x8xf32>
  %cos = arith.constant dense<1.0> : tensor<32x2xf32>
  %head = arith.constant dense<0.25> : tensor<16x8xf32>
  %x = ost.embedding %table[%ids] : tensor<16x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %b = tensor.dim %x, %c1 : tensor<?x?x8xf32>
  %c0 = arith.constant 0 : index
  %bt = tensor.dim %x, %c0 : tensor<?x?x8xf32>
  %xe = tensor.expand_shape %x [[0], [1], [2, 3]] output_shape [%bt, %b, 2, 4] : tensor<?x?x8xf32> into tensor<?x?x2x4xf32>
  %r = ost.rope %xe, %cos, %cos : tensor<?x?x2x4xf32>, tensor<32x2xf32>, tensor<32x2xf32>
  %a = ost.attention %r, %r, %r : tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>, tensor<?x?x2x4xf32>
  %ac = tensor.collapse_shape %a [[0], [1], [2, 3]] : tensor<?x?x2x4xf32> into tensor<?x?x8xf32>
  %y = ost.lm_head %ac, %head : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}
