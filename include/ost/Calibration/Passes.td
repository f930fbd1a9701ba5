//===- Passes.td - data-driven passes of ost ---------------*- tablegen -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Passes that run the model on calibration text through the reference
// executor: transform calibration (OSTQuant, SpinQuant), SmoothQuant scales
// and GPTQ. Each reads the text and tokenizer named by its options.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CALIBRATION_PASSES_TD
#define OST_CALIBRATION_PASSES_TD

include "mlir/Pass/PassBase.td"

// The calibration data every data-driven pass reads: documents `docs` of
// `calib`, tokenized with `tokenizer`, in blocks of `seq-len` tokens drawn
// with `seed`, run through `function` on `threads` executor threads.
// Declared once; each pass adds its own options with !listconcat.
defvar OSTCalibrationDataOptions = [
  Option<"calib", "calib", "std::string", "", "Calibration text file (<|endoftext|>-separated documents)">,
  Option<"tokenizer", "tokenizer", "std::string", "", "Tokenizer (llama2.c tokenizer.bin or SentencePiece .model)">,
  Option<"docs", "docs", "std::string", "", "Documents A:B of the text (default: all)">,
  Option<"function", "function", "std::string", "\"forward\"", "The model function">,
  Option<"seqLen", "seq-len", "int64_t", "256", "Tokens per sequence (block)">,
  Option<"seed", "seed", "uint64_t", "42", "Seed of the block sample (batch order)">,
  Option<"threads", "threads", "unsigned", "0", "Executor threads (0: all cores)">,
];

def OSTCalibratePass : Pass<"ost-calibrate", "ModuleOp"> {
  let summary = "learn the transform parameters on calibration text";
  let description = [{
    Optimizes every `ost.param` of the module (METHOD §4–§5): the student is
    the module as given (transforms unfolded, `ost.fake_quant` in place),
    the teacher the same module without fake quantizers and with the
    transforms folded (the float model). Each step draws `batch` blocks of
    `seq-len` tokens from documents `docs` of `calib` (tokenized with
    `tokenizer`, BOS per document, concatenated), computes the `loss`
    (`kl-top` with `top-k`, `kl`, `mse`, or `ce` on the next token),
    backpropagates it through the reference executor and updates rotations
    with Riemannian Adam on the Stiefel manifold (`optimizer=radam`) or
    SpinQuant's Cayley SGD (`cayley-sgd`), and scales with Adam; learning
    rates decay by `schedule`; the global gradient norm is clipped to
    `max-grad-norm`. The learned values replace the params' `value`.

    `checkpoint=FILE` saves parameters and optimizer states every
    `checkpoint-every` steps; with `resume` a run continues from it and ends
    bit-identical to an uninterrupted one. A non-finite loss, or one above
    `divergence` × the first loss, stops the pass with an error and keeps
    the last good parameters (in the module and the checkpoint).

    ```
    ost-opt m.mlir --ost-calibrate="calib=text.txt tokenizer=tok.bin docs=0:250 steps=100"
    ```
  }];
  let options = !listconcat(OSTCalibrationDataOptions, [
    Option<"steps", "steps", "int64_t", "100", "Optimization steps">,
    Option<"batch", "batch", "int64_t", "4", "Sequences per step">,
    Option<"loss", "loss", "::ost::optim::LossKind", "::ost::optim::LossKind::KLTop", "The loss",
           [{::llvm::cl::values(
             clEnumValN(::ost::optim::LossKind::KLTop, "kl-top", "KL divergence on the teacher's top-k classes"),
             clEnumValN(::ost::optim::LossKind::KL, "kl", "KL divergence on every class"),
             clEnumValN(::ost::optim::LossKind::MSE, "mse", "Mean squared error of the logits"),
             clEnumValN(::ost::optim::LossKind::CrossEntropy, "ce", "Cross-entropy on the next token"))}]>,
    Option<"topK", "top-k", "int64_t", "1000", "Teacher classes kept by kl-top">,
    Option<"optimizer", "optimizer", "::mlir::ost::RotationOptimizer", "::mlir::ost::RotationOptimizer::RiemannianAdam", "Rotation optimizer",
           [{::llvm::cl::values(
             clEnumValN(::mlir::ost::RotationOptimizer::RiemannianAdam, "radam", "Riemannian Adam on the Stiefel manifold (OSTQuant)"),
             clEnumValN(::mlir::ost::RotationOptimizer::CayleySGD, "cayley-sgd", "SGD with the Cayley transform (SpinQuant)"))}]>,
    Option<"rotationLr", "rotation-lr", "::mlir::ost::ExactDouble", "0.01689753172873217", "Learning rate of rotations">,
    Option<"scaleLr", "scale-lr", "::mlir::ost::ExactDouble", "0.0017898822675917248", "Learning rate of scales">,
    Option<"schedule", "schedule", "::mlir::ost::LearningRateSchedule", "::mlir::ost::LearningRateSchedule::Linear", "Learning-rate schedule",
           [{::llvm::cl::values(
             clEnumValN(::mlir::ost::LearningRateSchedule::Linear, "linear", "Linear decay to 0"),
             clEnumValN(::mlir::ost::LearningRateSchedule::Cosine, "cosine", "Cosine decay to 0"),
             clEnumValN(::mlir::ost::LearningRateSchedule::Constant, "constant", "Constant"))}]>,
    Option<"maxGradNorm", "max-grad-norm", "::mlir::ost::ExactDouble", "1.0", "Global gradient-norm clip (0: none)">,
    Option<"stabilize", "stabilize", "int64_t", "10", "Steps between re-orthonormalizations (radam)">,
    Option<"tieBlocks", "tie-blocks", "bool", "false", "One rotation for all blocks of a block rotation (SpinQuant R2)">,
    Option<"checkpoint", "checkpoint", "std::string", "", "Checkpoint file">,
    Option<"checkpointEvery", "checkpoint-every", "int64_t", "10", "Steps between checkpoints">,
    Option<"resume", "resume", "bool", "false", "Continue from the checkpoint if it exists">,
    Option<"divergence", "divergence", "::mlir::ost::ExactDouble", "100.0", "Stop when the loss exceeds this multiple of the first loss">,
    Option<"progress", "progress", "bool", "true", "Print progress to stderr">,
  ]);
}

def OSTSmoothScalesPass : Pass<"ost-smooth-scales", "ModuleOp"> {
  let summary = "set SmoothQuant scales from activation statistics";
  let description = [{
    For every scale parameter applied (inverted) to the input of linear
    layers, runs the model on `samples` blocks of calibration text and sets
    `s_j = max|X_j|^alpha / max|W_j|^(1-alpha)` (SmoothQuant). The scales
    must be ones when the pass runs (insert `attn`/`ffn` pairs and
    initialize them first).
  }];
  let options = !listconcat(OSTCalibrationDataOptions, [
    Option<"samples", "samples", "int64_t", "32", "Blocks measured">,
    Option<"alpha", "alpha", "::mlir::ost::ExactDouble", "0.5", "Migration strength">,
  ]);
}

def OSTGPTQPass : Pass<"ost-gptq", "ModuleOp"> {
  let summary = "GPTQ weight quantization into packed ost.qlinear";
  let description = [{
    Quantizes every q/k/v/o/gate/up/down `ost.linear` with GPTQ (METHOD.md
    §5.7) and rewrites it to `ost.qlinear`, like `ost-quantize-weights` but
    with the error feedback of the layer-input Hessian `H = (2/n)·Σ xᵀx`:

    * linears are grouped by the activation they read (q/k/v share one
      Hessian, gate/up one, o and down one each) and processed group by
      group in IR order, i.e. layer by layer and `[k,v,q] → [o] →
      [up,gate] → [down]` within a layer;
    * each group's Hessian is measured by running the model function on
      `samples` blocks of `seq-len` tokens (documents `docs` of `calib`,
      tokenized with `tokenizer`, blocks drawn with `seed`), `batch`
      sequences per executor run, on a copy of the module in which every
      `ost.fake_quant` is removed (activation quantizers off, online
      Hadamards on) and every earlier group already holds its GPTQ result,
      so later layers see the quantized outputs of earlier ones;
    * each weight gets the per-channel (or `group`-column) grid of the clip
      search (`clip-search`, as in `ost-quantize-weights`), `damp`·mean(diag
      H) damping and lazy updates in blocks of `block-size` columns.

    The results are written to the module with the same rewrite as
    `ost-quantize-weights`, so a per-token activation quantizer in front of
    a linear becomes its `act_spec`. The embedding and `ost.lm_head` stay in
    floating point. Preconditions: transforms are folded (a non-constant
    weight is an error naming its linear); `calib` and `tokenizer` are
    given. With `progress`, one line per group and a summary with the wall
    time go to stderr. The result does not depend on `threads`.

    ```
    ost-opt m.mlir --ost-insert-quantizers=bits=W4A4KV4 \
        --ost-gptq="calib=text.txt tokenizer=tok.bin docs=0:250 samples=128"
    ```
  }];
  let options = !listconcat(OSTCalibrationDataOptions, [
    Option<"bits", "bits", "unsigned", "4", "Weight bits: 2, 4 or 8">,
    Option<"group", "group", "int64_t", "0", "Input columns per scale group (0: per output channel)">,
    Option<"sym", "sym", "bool", "true", "Symmetric grid (false: asymmetric with zero points)">,
    Option<"clipSearch", "clip-search", "::mlir::ost::ExactDouble", "2.4", "Error exponent of the clip search (0: plain min/max)">,
    Option<"samples", "samples", "int64_t", "128", "Calibration blocks (0: all)">,
    Option<"damp", "damp", "::mlir::ost::ExactDouble", "0.01", "Damping, as a fraction of mean(diag H)">,
    Option<"blockSize", "block-size", "int64_t", "128", "Columns per lazy-update block">,
    Option<"batch", "batch", "int64_t", "8", "Sequences per executor run">,
    Option<"progress", "progress", "bool", "true", "Print progress and the wall time to stderr">,
  ]);
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // OST_CALIBRATION_PASSES_TD
