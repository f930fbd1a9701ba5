// Diagnostics of ost-calibrate and ost-smooth-scales (loss, optimizer and
// schedule are enum options: the option parser refuses unknown names). The
// tiny model (an embedding, a learnable scale, a head) needs no real data:
// the tokenizer and text come from the test inputs.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %ost_src_root/test/Tools/Inputs/tiny_decoder.py %t > /dev/null
// RUN: %python %S/Inputs/make_text.py %t/text.txt
// RUN: not ost-opt %s --ost-calibrate -o /dev/null 2>&1 | FileCheck %s --check-prefix=NODATA
// NODATA: error: ost-calibrate: the calib= and tokenizer= options are required
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin loss=hinge" -o /dev/null 2>&1 | FileCheck %s --check-prefix=LOSS
// LOSS: for the --loss option: Cannot find option named 'hinge'!
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin optimizer=sgd" -o /dev/null 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: for the --optimizer option: Cannot find option named 'sgd'!
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin schedule=step" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SCHED
// SCHED: for the --schedule option: Cannot find option named 'step'!
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin docs=5:2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DOCS
// DOCS: error: ost-calibrate: docs: document range must be A:B with A < B, got '5:2'
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin batch=0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH: error: ost-calibrate: steps must be >= 0, batch > 0
// RUN: not ost-opt %s --ost-calibrate="calib=%t/missing.txt tokenizer=%t/tok.bin" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: calibration: {{.*}}missing.txt
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=100000" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: error: calibration: {{.*}}text.txt: the 40 selected documents hold {{[0-9]+}} tokens, fewer than one block of 100000
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin checkpoint=%t/text.txt resume=true seq-len=8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADCK
// BADCK: error: calibration: checkpoint {{.*}}text.txt: not an ost calibration checkpoint (bad magic)
// RUN: not ost-opt %s --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8 function=nope" -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUNC
// FUNC: error: executor: no function named 'nope' in the module
// RUN: not ost-opt %s --ost-smooth-scales -o /dev/null 2>&1 | FileCheck %s --check-prefix=SMOOTH
// SMOOTH: error: ost-smooth-scales: the calib= and tokenizer= options are required
// RUN: not ost-opt %s --ost-smooth-scales="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOLINEAR
// NOLINEAR: error: smoothquant: no scale parameter is applied to the input of a linear layer
// RUN: not ost-opt %S/Inputs/no-params.mlir --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOPARAM
// NOPARAM: error: calibration: the module has no ost.param to learn; run ost-insert-transforms and ost-init-transforms first
// RUN: not ost-opt %S/Inputs/uninitialized-param.mlir --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOVALUE
// NOVALUE: error: parameter 'S' has no value; run ost-init-transforms first
// A NaN in the model makes the first loss non-finite: the run stops, keeps
// the initial parameters and says so.
// RUN: not ost-opt %S/Inputs/nan-model.mlir --ost-calibrate="calib=%t/text.txt tokenizer=%t/tok.bin seq-len=8 checkpoint=%t/nan.ck" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: error: calibration diverged at step 0: loss nan, gradient norm nan is not finite; kept the parameters of step 0 (also saved to {{.*}}nan.ck). Lower the learning rates or check the data.
// RUN: test -f %t/nan.ck

func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x259xf32> {
  %table = arith.constant dense<0.25> : tensor<259x8xf32>
  %head = arith.constant dense<0.5> : tensor<259x8xf32>
  %s = ost.param "S" {init = #ost.init<ones>, value = dense<1.0> : tensor<8xf32>} : !ost.scale<8>
  %e = ost.embedding %table[%ids] : tensor<259x8xf32>, tensor<?x?xi64> -> tensor<?x?x8xf32>
  %x = ost.apply %s to %e inverse : !ost.scale<8>, tensor<?x?x8xf32>
  %logits = ost.lm_head %x, %head : tensor<?x?x8xf32>, tensor<259x8xf32> -> tensor<?x?x259xf32>
  return %logits : tensor<?x?x259xf32>
}
