//===- LossesTest.cpp - calibration losses and their gradients ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Losses.h"

#include "ost/Support/Linalg.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

using namespace ost::optim;

namespace {

/// Logits that are exact multiples of 2^-12 in [-4, 4), so that a finite
/// difference step of 2^-10 is exact in float32.
std::vector<float> randomLogits(int64_t count, uint64_t seed) {
  mlir::ost::RandomStream stream(seed);
  std::vector<float> logits(count);
  for (float &z : logits)
    z = static_cast<float>(std::floor((stream.uniform() * 8.0 - 4.0) * 4096.0) /
                           4096.0);
  return logits;
}

/// log-softmax of one row, in long double, independent of the library.
std::vector<long double> referenceLogSoftmax(const float *z, int64_t n) {
  long double maxValue = z[0];
  for (int64_t i = 1; i < n; ++i)
    maxValue = std::max<long double>(maxValue, z[i]);
  long double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::exp(static_cast<long double>(z[i]) - maxValue);
  std::vector<long double> out(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = z[i] - maxValue - std::log(sum);
  return out;
}

/// KL(p ‖ q) over the classes `selected` of every row, averaged over rows.
double referenceKL(const std::vector<float> &student,
                   const std::vector<float> &teacher, int64_t rows,
                   int64_t vocab,
                   const std::vector<std::vector<int64_t>> &selected) {
  long double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    auto logP = referenceLogSoftmax(&teacher[r * vocab], vocab);
    auto logQ = referenceLogSoftmax(&student[r * vocab], vocab);
    for (int64_t i : selected[r])
      total += std::exp(logP[i]) * (logP[i] - logQ[i]);
  }
  return static_cast<double>(total / rows);
}

/// Checks gradStudent against central differences of computeLoss.
void expectGradientMatchesFiniteDifferences(LossOptions options, int64_t rows,
                                            int64_t vocab, uint64_t seed) {
  std::vector<float> student = randomLogits(rows * vocab, seed);
  std::vector<float> teacher = randomLogits(rows * vocab, seed + 1);
  std::vector<int32_t> labels(rows);
  for (int64_t r = 0; r < rows; ++r)
    labels[r] = r == 1 ? -1 : static_cast<int32_t>((r * 5 + 2) % vocab);
  std::vector<float> grad(rows * vocab, 0.0f);
  double loss = computeLoss(student.data(), teacher.data(), labels.data(), rows,
                            vocab, options, grad.data());
  ASSERT_TRUE(std::isfinite(loss));
  const float h = 1.0f / 1024.0f;
  for (int64_t i = 0; i < rows * vocab; ++i) {
    float saved = student[i];
    student[i] = saved + h;
    double plus = computeLoss(student.data(), teacher.data(), labels.data(),
                              rows, vocab, options, nullptr);
    student[i] = saved - h;
    double minus = computeLoss(student.data(), teacher.data(), labels.data(),
                               rows, vocab, options, nullptr);
    student[i] = saved;
    double numeric = (plus - minus) / (2.0 * h);
    EXPECT_NEAR(grad[i], numeric, 2e-6)
        << getLossKindName(options.kind).str() << " element " << i;
  }
}

TEST(LossesTest, ParsesLossKinds) {
  EXPECT_EQ(parseLossKind("kl-top"), LossKind::KLTop);
  EXPECT_EQ(parseLossKind("kl"), LossKind::KL);
  EXPECT_EQ(parseLossKind("mse"), LossKind::MSE);
  EXPECT_EQ(parseLossKind("ce"), LossKind::CrossEntropy);
  EXPECT_EQ(parseLossKind("kl_top"), std::nullopt);
  EXPECT_EQ(parseLossKind(""), std::nullopt);
  for (LossKind kind :
       {LossKind::KLTop, LossKind::KL, LossKind::MSE, LossKind::CrossEntropy})
    EXPECT_EQ(parseLossKind(getLossKindName(kind)), kind);
}

TEST(LossesTest, GradientsMatchFiniteDifferences) {
  LossOptions options;
  options.topK = 3;
  for (LossKind kind :
       {LossKind::KLTop, LossKind::KL, LossKind::MSE, LossKind::CrossEntropy}) {
    options.kind = kind;
    expectGradientMatchesFiniteDifferences(options, /*rows=*/3, /*vocab=*/9,
                                           /*seed=*/11);
  }
}

TEST(LossesTest, TopKSelectionBreaksTiesByLowerIndex) {
  const float values[] = {1.0f, 3.0f, 2.0f, 3.0f, 2.0f, -1.0f, 2.0f};
  EXPECT_EQ(selectTopK(values, 7, 1), (std::vector<int64_t>{1}));
  EXPECT_EQ(selectTopK(values, 7, 2), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(selectTopK(values, 7, 4), (std::vector<int64_t>{1, 3, 2, 4}));
  EXPECT_EQ(selectTopK(values, 7, 5), (std::vector<int64_t>{1, 3, 2, 4, 6}));
  EXPECT_EQ(selectTopK(values, 7, 0), (std::vector<int64_t>{}));
  EXPECT_EQ(selectTopK(values, 7, 100),
            (std::vector<int64_t>{1, 3, 2, 4, 6, 0, 5}));
  const float withNaN[] = {NAN, 0.5f, -INFINITY, 2.0f};
  EXPECT_EQ(selectTopK(withNaN, 4, 3), (std::vector<int64_t>{3, 1, 2}));
}

TEST(LossesTest, KLTopUsesTheTeacherTopKWithTies) {
  // Row 0 ties at the cut: k = 2 must keep classes 1 and 3 (value 3), not 2.
  const int64_t rows = 2, vocab = 6;
  std::vector<float> teacher = {0.5f, 3.0f, 1.0f, 3.0f, 1.0f, -2.0f,
                                2.0f, 2.0f, 2.0f, 2.0f, 2.0f, 2.0f};
  std::vector<float> student = randomLogits(rows * vocab, 5);
  LossOptions options;
  options.topK = 2;
  double loss = computeLoss(student.data(), teacher.data(), nullptr, rows,
                            vocab, options, nullptr);
  EXPECT_NEAR(loss,
              referenceKL(student, teacher, rows, vocab, {{1, 3}, {0, 1}}),
              1e-14);
  options.topK = 3;
  loss = computeLoss(student.data(), teacher.data(), nullptr, rows, vocab,
                     options, nullptr);
  EXPECT_NEAR(
      loss, referenceKL(student, teacher, rows, vocab, {{1, 3, 2}, {0, 1, 2}}),
      1e-14);
}

TEST(LossesTest, KLTopWithTheWholeVocabularyIsKL) {
  const int64_t rows = 5, vocab = 40;
  std::vector<float> student = randomLogits(rows * vocab, 21);
  std::vector<float> teacher = randomLogits(rows * vocab, 22);
  LossOptions top, full;
  top.topK = vocab;
  full.kind = LossKind::KL;
  std::vector<float> gradTop(rows * vocab), gradFull(rows * vocab);
  double lossTop = computeLoss(student.data(), teacher.data(), nullptr, rows,
                               vocab, top, gradTop.data());
  double lossFull = computeLoss(student.data(), teacher.data(), nullptr, rows,
                                vocab, full, gradFull.data());
  EXPECT_NEAR(lossTop, lossFull, 1e-14);
  for (int64_t i = 0; i < rows * vocab; ++i)
    EXPECT_NEAR(gradTop[i], gradFull[i], 1e-9);
  // topK larger than the vocabulary is clamped to it.
  top.topK = 10 * vocab;
  EXPECT_NEAR(computeLoss(student.data(), teacher.data(), nullptr, rows, vocab,
                          top, nullptr),
              lossFull, 1e-14);
  // And the full KL matches the independent reference.
  std::vector<std::vector<int64_t>> all(rows, std::vector<int64_t>(vocab));
  for (auto &row : all)
    std::iota(row.begin(), row.end(), 0);
  EXPECT_NEAR(lossFull, referenceKL(student, teacher, rows, vocab, all), 1e-13);
}

TEST(LossesTest, KLTopOfIdenticalLogitsIsZero) {
  std::vector<float> logits = randomLogits(4 * 50, 3);
  LossOptions options;
  options.topK = 10;
  std::vector<float> grad(logits.size(), 1.0f);
  EXPECT_EQ(computeLoss(logits.data(), logits.data(), nullptr, 4, 50, options,
                        grad.data()),
            0.0);
  // The gradient is (1/N)·(q_j·P_K − p_j·1[j∈K]): nonzero off the top-k.
  double sum = 0.0;
  for (float g : grad)
    sum += g;
  EXPECT_NEAR(sum, 0.0, 1e-7);
}

TEST(LossesTest, MSEAndCrossEntropyValues) {
  const float student[] = {1.0f, 2.0f, 0.0f, -1.0f};
  const float teacher[] = {0.0f, 0.0f, 0.0f, 1.0f};
  LossOptions options;
  options.kind = LossKind::MSE;
  std::vector<float> grad(4);
  EXPECT_DOUBLE_EQ(
      computeLoss(student, teacher, nullptr, 2, 2, options, grad.data()),
      (1.0 + 4.0 + 0.0 + 4.0) / 4.0);
  EXPECT_FLOAT_EQ(grad[1], 2.0f * 2.0f / 4.0f);
  EXPECT_FLOAT_EQ(grad[3], 2.0f * -2.0f / 4.0f);

  options.kind = LossKind::CrossEntropy;
  const int32_t labels[] = {1, -1};
  double expected = -(2.0 - std::log(std::exp(1.0) + std::exp(2.0)));
  EXPECT_NEAR(computeLoss(student, nullptr, labels, 2, 2, options, grad.data()),
              expected, 1e-15);
  EXPECT_EQ(grad[2], 0.0f);
  EXPECT_EQ(grad[3], 0.0f);
  EXPECT_NEAR(grad[0] + grad[1], 0.0f, 1e-7);
  const int32_t ignored[] = {-1, -100};
  EXPECT_EQ(computeLoss(student, nullptr, ignored, 2, 2, options, grad.data()),
            0.0);
  EXPECT_EQ(grad[0], 0.0f);
}

TEST(LossesTest, ThreadCountDoesNotChangeTheResult) {
  const int64_t rows = 37, vocab = 1000;
  std::vector<float> student = randomLogits(rows * vocab, 31);
  std::vector<float> teacher = randomLogits(rows * vocab, 32);
  for (LossKind kind : {LossKind::KLTop, LossKind::KL}) {
    LossOptions options;
    options.kind = kind;
    options.topK = 100;
    std::vector<float> grad1(rows * vocab), grad3(rows * vocab);
    double loss1 = computeLoss(student.data(), teacher.data(), nullptr, rows,
                               vocab, options, grad1.data());
    options.numThreads = 3;
    double loss3 = computeLoss(student.data(), teacher.data(), nullptr, rows,
                               vocab, options, grad3.data());
    EXPECT_EQ(std::memcmp(&loss1, &loss3, sizeof(double)), 0);
    EXPECT_EQ(
        std::memcmp(grad1.data(), grad3.data(), grad1.size() * sizeof(float)),
        0);
  }
}

TEST(LossesTest, InvalidInputsAreReported) {
  const float logits[] = {0.0f, 1.0f};
  const int32_t badLabel[] = {2};
  LossOptions options;
  auto message = [](llvm::Error err) {
    return err ? llvm::toString(std::move(err)) : std::string();
  };
  EXPECT_EQ(message(checkLossInputs(logits, nullptr, nullptr, 1, 2, options)),
            "loss 'kl-top': missing teacher logits");
  options.topK = 0;
  EXPECT_EQ(message(checkLossInputs(logits, logits, nullptr, 1, 2, options)),
            "loss 'kl-top': top-k must be at least 1, got 0");
  options.kind = LossKind::CrossEntropy;
  EXPECT_EQ(message(checkLossInputs(logits, nullptr, nullptr, 1, 2, options)),
            "loss 'ce': missing labels");
  EXPECT_EQ(message(checkLossInputs(logits, nullptr, badLabel, 1, 2, options)),
            "loss 'ce': label 2 of row 0 is out of range for a vocabulary of "
            "2");
  EXPECT_EQ(message(checkLossInputs(logits, nullptr, badLabel, -1, 2, options)),
            "loss 'ce': negative logit shape [-1, 2]");
  EXPECT_TRUE(std::isnan(
      computeLoss(logits, nullptr, badLabel, 1, 2, options, nullptr)));
  // Nothing to evaluate is not an error.
  EXPECT_EQ(message(checkLossInputs(nullptr, nullptr, nullptr, 0, 0, options)),
            "");
  EXPECT_EQ(computeLoss(nullptr, nullptr, nullptr, 0, 0, options, nullptr),
            0.0);
}

} // namespace
