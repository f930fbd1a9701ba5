// calibrate-invalid.mlir: a model whose embedding is NaN.
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x259xf32> {
  %table = arith.constant dense<0x7FC00000> : tensor<259x8xf32>
  %head = arith.constant dense<0.5> : tensor<259x8xf32>
  %s = ost.param "S" {init = #ost.init<ones>, value = dense<1.0> : tensor<8xf32>} : !ost.scale<8>
  %e = ost.embedding %table[%ids] : tensor<259x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %x = ost.apply %s to %e inverse : !ost.scale<8>, tensor<?x?x8xf32>
  %logits = ost.lm_head %x, %head : tensor<?x?x8xf32>, tensor<259x8xf32> -> tensor<?x?x259xf32>
  return %logits : tensor<?x?x259xf32>
}
