// A model whose logits are all equal has perplexity = vocabulary size (512)
// on any text: checks ost-run's tokenization, windowing and NLL end to end.
// REQUIRES: real-data
// RUN: ost-run %s --tokenizer %shared_data/models/stories260K.tok512.bin --text %shared_data/text/tinystories.valid.0-499.txt --first 20 --quiet | FileCheck %s
// CHECK: documents: 20
// CHECK: tokens: {{[1-9][0-9]+}}
// CHECK: mean_nll: 6.238325
// CHECK: perplexity: 512.000000
// RUN: ost-run %s --tokenizer %shared_data/models/stories260K.tok512.bin --generate "Once upon a time" --steps 3 | FileCheck %s --check-prefix=GEN
// All-equal logits: greedy picks id 0 (<unk>) every step.
// GEN: Once upon a time<unk><unk><unk>
func.func @forward(%ids: tensor<1x?xi64>) -> tensor<1x?x512xf32> {
  %table = arith.constant dense<0.0> : tensor<512x4xf32>
  %c1 = arith.constant 1 : index
  %h = ost.embedding %table[%ids] : tensor<512x4xf32>, tensor<1x?xi64> -> tensor<1x?x4xf32>
  %logits = ost.lm_head %h, %table : tensor<1x?x4xf32>, tensor<512x4xf32> -> tensor<1x?x512xf32>
  return %logits : tensor<1x?x512xf32>
}
