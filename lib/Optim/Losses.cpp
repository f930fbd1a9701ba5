//===- Losses.cpp - calibration losses on logits and their gradients ------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Each row is evaluated on its own in float64: the log-softmaxes of the
// teacher and student rows (max-shifted), the row's loss, and the row's
// gradient scaled by the batch normalization. Row losses land in a vector
// and are summed in row order at the end, so threads only change who
// computes a row, never the arithmetic.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Losses.h"

#include "ost/Optim/DenseKernels.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace ost::optim;

namespace {

/// Rows per parallel chunk.
constexpr int64_t kRowsPerChunk = 4;

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// logSoftmax[i] = x[i] − max(x) − log Σ_j exp(x[j] − max(x)), in float64,
/// and the probabilities exp(logSoftmax[i]).
void logSoftmax(const float *x, int64_t n, std::vector<double> &out,
                std::vector<double> &prob) {
  out.resize(n);
  prob.resize(n);
  double maxValue = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i)
    maxValue = std::max(maxValue, static_cast<double>(x[i]));
  // A NaN must reach the result; std::max drops it.
  for (int64_t i = 0; i < n; ++i)
    if (std::isnan(x[i]))
      maxValue = x[i];
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::exp(static_cast<double>(x[i]) - maxValue);
  double logNorm = maxValue + std::log(sum);
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<double>(x[i]) - logNorm;
    prob[i] = std::exp(out[i]);
  }
}

/// p·(log p − log q), with 0 for p = 0 (torch's kl_div convention).
double klTerm(double p, double logP, double logQ) {
  return p == 0.0 ? 0.0 : p * (logP - logQ);
}

/// Scratch buffers of one worker.
struct RowScratch {
  std::vector<double> logP, logQ, p, q;
  std::vector<int64_t> topK;
  std::vector<char> inTopK;
};

/// The loss of row `r` (unnormalized) and, if `grad` is set, its gradient
/// times `gradScale`.
double rowLoss(const float *student, const float *teacher,
               const int32_t *labels, int64_t r, int64_t vocab,
               const LossOptions &options, double gradScale, float *grad,
               RowScratch &scratch) {
  const float *s = student + r * vocab;
  const float *t = teacher ? teacher + r * vocab : nullptr;
  float *g = grad ? grad + r * vocab : nullptr;
  switch (options.kind) {
  case LossKind::MSE: {
    double loss = 0.0;
    for (int64_t j = 0; j < vocab; ++j) {
      double d = static_cast<double>(s[j]) - static_cast<double>(t[j]);
      loss += d * d;
      if (g)
        g[j] = static_cast<float>(2.0 * d * gradScale);
    }
    return loss;
  }
  case LossKind::CrossEntropy: {
    int32_t label = labels[r];
    if (label < 0) {
      if (g)
        std::fill(g, g + vocab, 0.0f);
      return 0.0;
    }
    logSoftmax(s, vocab, scratch.logQ, scratch.q);
    if (g)
      for (int64_t j = 0; j < vocab; ++j)
        g[j] = static_cast<float>((scratch.q[j] - (j == label ? 1.0 : 0.0)) *
                                  gradScale);
    return -scratch.logQ[label];
  }
  case LossKind::KL: {
    logSoftmax(t, vocab, scratch.logP, scratch.p);
    logSoftmax(s, vocab, scratch.logQ, scratch.q);
    double loss = 0.0, mass = 0.0;
    for (int64_t j = 0; j < vocab; ++j) {
      loss += klTerm(scratch.p[j], scratch.logP[j], scratch.logQ[j]);
      mass += scratch.p[j];
    }
    if (g)
      for (int64_t j = 0; j < vocab; ++j)
        g[j] = static_cast<float>((scratch.q[j] * mass - scratch.p[j]) *
                                  gradScale);
    return loss;
  }
  case LossKind::KLTop: {
    logSoftmax(t, vocab, scratch.logP, scratch.p);
    logSoftmax(s, vocab, scratch.logQ, scratch.q);
    scratch.topK = selectTopK(t, vocab, options.topK);
    // Sum in index order: the result does not depend on how the selection
    // ordered equal-valued entries internally.
    std::sort(scratch.topK.begin(), scratch.topK.end());
    double loss = 0.0, mass = 0.0;
    for (int64_t i : scratch.topK) {
      loss += klTerm(scratch.p[i], scratch.logP[i], scratch.logQ[i]);
      mass += scratch.p[i];
    }
    if (g) {
      scratch.inTopK.assign(vocab, 0);
      for (int64_t i : scratch.topK)
        scratch.inTopK[i] = 1;
      for (int64_t j = 0; j < vocab; ++j) {
        double d = scratch.q[j] * mass;
        if (scratch.inTopK[j])
          d -= scratch.p[j];
        g[j] = static_cast<float>(d * gradScale);
      }
    }
    return loss;
  }
  }
  return 0.0;
}

} // namespace

std::optional<LossKind> ost::optim::parseLossKind(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<LossKind>>(name)
      .Case("kl-top", LossKind::KLTop)
      .Case("kl", LossKind::KL)
      .Case("mse", LossKind::MSE)
      .Case("ce", LossKind::CrossEntropy)
      .Default(std::nullopt);
}

llvm::StringRef ost::optim::getLossKindName(LossKind kind) {
  switch (kind) {
  case LossKind::KLTop:
    return "kl-top";
  case LossKind::KL:
    return "kl";
  case LossKind::MSE:
    return "mse";
  case LossKind::CrossEntropy:
    return "ce";
  }
  return "";
}

std::vector<int64_t> ost::optim::selectTopK(const float *values, int64_t n,
                                            int64_t k) {
  k = std::clamp<int64_t>(k, 0, std::max<int64_t>(n, 0));
  std::vector<int64_t> indices(std::max<int64_t>(n, 0));
  for (int64_t i = 0; i < n; ++i)
    indices[i] = i;
  // A strict total order: larger value first, NaN last, then lower index.
  auto before = [values](int64_t a, int64_t b) {
    float va = values[a], vb = values[b];
    bool nanA = std::isnan(va), nanB = std::isnan(vb);
    if (nanA != nanB)
      return nanB;
    if (!nanA && va != vb)
      return va > vb;
    return a < b;
  };
  if (k < n)
    std::nth_element(indices.begin(), indices.begin() + k, indices.end(),
                     before);
  indices.resize(k);
  std::sort(indices.begin(), indices.end(), before);
  return indices;
}

llvm::Error ost::optim::checkLossInputs(const float *student,
                                        const float *teacher,
                                        const int32_t *labels, int64_t rows,
                                        int64_t vocab,
                                        const LossOptions &options) {
  llvm::StringRef name = getLossKindName(options.kind);
  if (rows < 0 || vocab < 0)
    return makeError("loss '" + name + "': negative logit shape [" +
                     llvm::Twine(rows) + ", " + llvm::Twine(vocab) + "]");
  if (rows == 0)
    return llvm::Error::success();
  if (vocab == 0)
    return makeError("loss '" + name + "': the vocabulary is empty");
  if (!student)
    return makeError("loss '" + name + "': missing student logits");
  if (options.kind == LossKind::CrossEntropy) {
    if (!labels)
      return makeError("loss 'ce': missing labels");
    for (int64_t r = 0; r < rows; ++r)
      if (labels[r] >= vocab)
        return makeError("loss 'ce': label " + llvm::Twine(labels[r]) +
                         " of row " + llvm::Twine(r) +
                         " is out of range for a vocabulary of " +
                         llvm::Twine(vocab));
    return llvm::Error::success();
  }
  if (!teacher)
    return makeError("loss '" + name + "': missing teacher logits");
  if (options.kind == LossKind::KLTop && options.topK < 1)
    return makeError("loss 'kl-top': top-k must be at least 1, got " +
                     llvm::Twine(options.topK));
  return llvm::Error::success();
}

double ost::optim::computeLoss(const float *student, const float *teacher,
                               const int32_t *labels, int64_t rows,
                               int64_t vocab, const LossOptions &options,
                               float *gradStudent) {
  if (llvm::Error err =
          checkLossInputs(student, teacher, labels, rows, vocab, options)) {
    llvm::consumeError(std::move(err));
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (rows == 0)
    return 0.0;
  // The normalization: rows, elements, or rows with a label.
  double count = static_cast<double>(rows);
  if (options.kind == LossKind::MSE)
    count *= static_cast<double>(vocab);
  if (options.kind == LossKind::CrossEntropy)
    count = static_cast<double>(
        std::count_if(labels, labels + rows, [](int32_t l) { return l >= 0; }));
  double gradScale = count > 0.0 ? 1.0 / count : 0.0;
  std::vector<double> losses(rows);
  parallelFor(rows, kRowsPerChunk, options.numThreads,
              [&](int64_t begin, int64_t end) {
                RowScratch scratch;
                for (int64_t r = begin; r < end; ++r)
                  losses[r] = rowLoss(student, teacher, labels, r, vocab,
                                      options, gradScale, gradStudent, scratch);
              });
  double total = 0.0;
  for (double loss : losses)
    total += loss;
  return count > 0.0 ? total / count : 0.0;
}
