//===- Corpus.cpp - evaluation text and perplexity windows ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Corpus.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>

namespace ost::runtime {

namespace {
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back()))
    s.remove_suffix(1);
  return s;
}
} // namespace

std::vector<std::string> splitDocuments(std::string_view text, size_t skip,
                                        size_t count) {
  std::vector<std::string> docs;
  size_t seen = 0;
  while (true) {
    size_t end = text.find(kDocumentSeparator);
    std::string_view doc = trim(text.substr(0, end));
    if (!doc.empty()) {
      if (seen >= skip && (count == 0 || docs.size() < count))
        docs.emplace_back(doc);
      ++seen;
    }
    if (end == std::string_view::npos)
      break;
    text.remove_prefix(end + kDocumentSeparator.size());
  }
  return docs;
}

bool readTextFile(const std::string &path, std::string &text,
                  std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open text file";
    return false;
  }
  text.assign(std::istreambuf_iterator<char>(in),
              std::istreambuf_iterator<char>());
  return true;
}

std::vector<Window> makeWindows(const std::vector<int32_t> &tokens,
                                int64_t context) {
  std::vector<Window> windows;
  if (context <= 0)
    return windows;
  int64_t n = static_cast<int64_t>(tokens.size());
  for (int64_t start = 0; start + 1 < n; start += context) {
    int64_t len = std::min(context, n - 1 - start);
    Window w;
    w.inputs.assign(tokens.begin() + start, tokens.begin() + start + len);
    w.targets.assign(tokens.begin() + start + 1,
                     tokens.begin() + start + 1 + len);
    windows.push_back(std::move(w));
  }
  return windows;
}

bool NllAccumulator::add(const float *logits, int64_t vocab, int32_t target) {
  if (target < 0 || target >= vocab)
    return false;
  double maxLogit = -INFINITY;
  for (int64_t i = 0; i < vocab; ++i) {
    if (!std::isfinite(logits[i]))
      return false;
    maxLogit = std::max(maxLogit, static_cast<double>(logits[i]));
  }
  double sum = 0.0;
  for (int64_t i = 0; i < vocab; ++i)
    sum += std::exp(static_cast<double>(logits[i]) - maxLogit);
  total += maxLogit + std::log(sum) - static_cast<double>(logits[target]);
  ++tokens;
  return true;
}

double NllAccumulator::perplexity() const { return std::exp(meanNll()); }

std::string describeNonFinite(const float *logits, int64_t vocab) {
  for (int64_t i = 0; i < vocab; ++i)
    if (!std::isfinite(logits[i]))
      return std::string("the logits are not finite (") +
             (std::isnan(logits[i]) ? "NaN"
              : logits[i] > 0       ? "+inf"
                                    : "-inf") +
             " at class " + std::to_string(i) + " of " +
             std::to_string(vocab) + ")";
  return "";
}

std::string checkHasPredictions(int64_t predictions, size_t documents) {
  if (predictions > 0)
    return "";
  return "the " + std::to_string(documents) +
         " selected documents give no token to predict (each needs at least "
         "two tokens with its BOS): no perplexity";
}

std::string describeBadPrediction(const float *logits, int64_t vocab,
                                  int32_t target) {
  if (target < 0 || target >= vocab)
    return "the target " + std::to_string(target) +
           " is outside the vocabulary (" + std::to_string(vocab) + ")";
  return describeNonFinite(logits, vocab);
}

bool parseDocumentSelection(std::string_view spec, size_t &skip,
                            size_t &count) {
  skip = 0;
  count = 0;
  if (spec.empty())
    return true;
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos)
    return false;
  // Decimal digits only, without overflow.
  auto parse = [](std::string_view text, unsigned long long &out) {
    if (text.empty())
      return false;
    out = 0;
    for (char c : text) {
      if (c < '0' || c > '9' ||
          out > (std::numeric_limits<unsigned long long>::max() - 9) / 10)
        return false;
      out = out * 10 + static_cast<unsigned>(c - '0');
    }
    return true;
  };
  std::string_view a = spec.substr(0, colon), b = spec.substr(colon + 1);
  unsigned long long lo = 0, hi = 0;
  if (!a.empty() && !parse(a, lo))
    return false;
  if (!b.empty()) {
    if (!parse(b, hi) || hi <= lo)
      return false;
    count = static_cast<size_t>(hi - lo);
  }
  skip = static_cast<size_t>(lo);
  return true;
}

} // namespace ost::runtime
