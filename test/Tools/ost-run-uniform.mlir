// A model whose logits are all equal has perplexity = vocabulary size (512)
// on any text: checks ost-run's tokenization, windowing and NLL end to end.
// REQUIRES: real-data
// RUN: ost-run perplexity --model %s --tokenizer %shared_data/models/stories260K.tok512.bin --text %shared_data/text/tinystories.valid.0-499.txt --docs 0:20 --quiet | FileCheck %s
// CHECK: documents: 20
// CHECK: mean_nll: 6.238325
// CHECK: perplexity: 512.000000 tokens: 6607
// A window shorter than the documents: same token count, same perplexity.
// RUN: ost-run perplexity --model %s --tokenizer %shared_data/models/stories260K.tok512.bin --text %shared_data/text/tinystories.valid.0-499.txt --docs 3:5 --context 16 --quiet | FileCheck %s --check-prefix=SHORT
// SHORT: documents: 2
// SHORT: perplexity: 512.000000 tokens:
// RUN: ost-run generate --model %s --tokenizer %shared_data/models/stories260K.tok512.bin --prompt "Once upon a time" --max-tokens 3 | FileCheck %s --check-prefix=GEN
// All-equal logits: greedy picks id 0 (<unk>) every step.
// GEN: Once upon a time<unk><unk><unk>
// RUN: ost-run logits --model %s --tokens 1,403,407 --out %t.bin | FileCheck %s --check-prefix=LOGITS
// RUN: test $(stat -c %%s %t.bin) -eq 6144
// LOGITS: shape: 3x512
// LOGITS: sum: 0.000000
func.func @forward(%ids: tensor<1x?xi64>) -> tensor<1x?x512xf32> {
  %table = arith.constant dense<0.0> : tensor<512x4xf32>
  %h = ost.embedding %table[%ids] : tensor<512x4xf32>, tensor<1x?xi64> -> tensor<1x?x4xf32>
  %logits = ost.lm_head %h, %table : tensor<1x?x4xf32>, tensor<512x4xf32> -> tensor<1x?x512xf32>
  return %logits : tensor<1x?x512xf32>
}
