//===- Losses.h - calibration losses on logits and gradients ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The training objectives of calibration, evaluated on rows of logits with
// their gradient with respect to the student (quantized model) logits:
//
// * KL-Top (METHOD §4, OSTQuant's `--loss_type=kl_top --post_attn=True`):
//   forward KL(teacher ‖ student) restricted to the teacher's top-k classes,
//   with the un-renormalized full-vocabulary softmaxes;
// * KL: the same over the whole vocabulary;
// * MSE between the logits;
// * cross-entropy against integer labels (SpinQuant's objective, §8.3).
//
// Everything is computed in float64 with a max-shifted log-softmax. Rows are
// independent; with several threads each thread owns whole rows and the row
// losses are summed in row order, so the result is bit-identical for any
// thread count. The library is MLIR-free.
//
//===----------------------------------------------------------------------===//

#ifndef OST_OPTIM_LOSSES_H
#define OST_OPTIM_LOSSES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace ost::optim {

/// The supported objectives.
enum class LossKind { KLTop, KL, MSE, CrossEntropy };

/// Parses "kl-top" | "kl" | "mse" | "ce"; std::nullopt otherwise.
std::optional<LossKind> parseLossKind(llvm::StringRef name);

/// The spelling parseLossKind accepts for `kind`.
llvm::StringRef getLossKindName(LossKind kind);

/// How computeLoss evaluates its rows.
struct LossOptions {
  LossKind kind = LossKind::KLTop;
  /// Teacher classes kept per row by KL-Top (min(topK, vocab) of them).
  int64_t topK = 1000;
  /// Threads over rows (>= 1; 0 counts as 1). The result does not depend on
  /// it.
  unsigned numThreads = 1;
};

/// The reasons computeLoss would not give a meaningful result, as an error:
/// negative sizes, a vocabulary of 0 classes with rows to evaluate, a missing
/// student, a missing teacher (KL-Top, KL, MSE) or labels (cross-entropy),
/// topK < 1 for KL-Top, or a label >= vocab.
llvm::Error checkLossInputs(const float *student, const float *teacher,
                            const int32_t *labels, int64_t rows, int64_t vocab,
                            const LossOptions &options);

/// Loss over `rows` logit rows of width `vocab` (float32 row-major
/// [rows, vocab]) and its gradient w.r.t. the student logits (written to
/// gradStudent, same layout; may be null). teacher: required for
/// KLTop/KL/MSE; labels: required for CrossEntropy (label < 0 = ignored row).
/// Computed in double, stable log-softmax.
///
/// With p = softmax(teacher row), q = softmax(student row), N = rows:
/// * KLTop: L = (1/N)·Σ_t Σ_{i∈K_t} p_i (log p_i − log q_i), K_t the indices
///   of the k = min(topK, vocab) largest teacher logits (ties: lower index
///   first); ∂L/∂z_j = (1/N)(q_j·Σ_{i∈K_t} p_i − p_j·1[j∈K_t]).
/// * KL: the same with K_t the whole vocabulary.
/// * MSE: L = mean over all N·vocab elements of (z_s − z_t)².
/// * CrossEntropy: L = mean over the M rows with a label >= 0 of
///   −log q_label; ∂L/∂z_j = (q_j − 1[j = label])/M; ignored rows get a zero
///   gradient; L = 0 when every row is ignored.
/// Terms with p_i = 0 contribute 0 (as torch's kl_div). Non-finite logits
/// make the loss non-finite. Returns NaN (and leaves gradStudent untouched)
/// when checkLossInputs fails; call it first for the message.
double computeLoss(const float *student, const float *teacher,
                   const int32_t *labels, int64_t rows, int64_t vocab,
                   const LossOptions &options, float *gradStudent);

/// The indices of the min(k, n) largest of `values[0..n)`, largest first;
/// equal values are ordered by lower index first, so the selection is
/// unique. NaN ranks below every number.
std::vector<int64_t> selectTopK(const float *values, int64_t n, int64_t k);

} // namespace ost::optim

#endif // OST_OPTIM_LOSSES_H
