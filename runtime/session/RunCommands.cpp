//===- RunCommands.cpp - perplexity, generate and logits of a model -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The subcommands that mirror ost-run (tools/ost-run/ost-run.cpp): the same
// protocol, options and output lines, with the compiled step and its KV
// cache instead of the reference executor.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "ost/runtime/Corpus.h"
#include "ost/runtime/Tokenizer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cerrno>
#include <fstream>

namespace ost::runtime {

namespace {

/// Writes `size` bytes to `path` all or nothing: a temporary file beside
/// it, renamed over it once complete (a full disk or a missing folder leave
/// no partial file and any previous file as it was). "" or the message.
std::string writeFileAtomically(const std::string &path, const void *data,
                                size_t size) {
  // A device or pipe (/dev/null, /dev/stdout) is written in place.
  struct stat st;
  bool special = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
  std::string temp =
      special ? path : path + ".tmp-" + std::to_string(::getpid());
  FILE *f = std::fopen(temp.c_str(), "wb");
  if (!f)
    return "cannot write '" + path + "': " + std::strerror(errno);
  bool ok = std::fwrite(data, 1, size, f) == size;
  int err = ok ? 0 : errno;
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && !special && std::rename(temp.c_str(), path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    if (!special)
      std::remove(temp.c_str());
    return "cannot write '" + path + "': " + std::strerror(err);
  }
  return "";
}

} // namespace

namespace {

/// Loads --tokenizer and checks that it fits the model (a tokenizer with
/// more tokens than the model's vocabulary belongs to another model); null
/// after an error message.
std::unique_ptr<Tokenizer> loadTokenizerOption(const ostrt_model_info &info,
                                               const Options &options) {
  if (!options.has("tokenizer")) {
    reportError("--tokenizer is required");
    return nullptr;
  }
  std::string error;
  std::unique_ptr<Tokenizer> tok =
      loadTokenizer(options.get("tokenizer"), error);
  if (!tok) {
    reportError(error);
    return nullptr;
  }
  std::string misfit =
      checkTokenizerFitsModel(*tok, options.get("tokenizer"), info.vocab_size);
  if (!misfit.empty()) {
    reportError(misfit);
    return nullptr;
  }
  return tok;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

/// The ids of --tokens, or --prompt encoded (BOS first); empty after an
/// error message.
std::vector<int32_t> getInputIds(const ostrt_model_info &info,
                                  const Options &options) {
  std::vector<int32_t> ids;
  if (options.has("tokens")) {
    std::string list = options.get("tokens");
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = std::min(list.find(',', start), list.size());
      std::string part = list.substr(start, end - start);
      part.erase(0, part.find_first_not_of(" \t"));
      part.erase(part.find_last_not_of(" \t") + 1);
      if (!part.empty()) {
        char *stop = nullptr;
        long long id = std::strtoll(part.c_str(), &stop, 10);
        if (*stop != '\0' || id < 0 || id > INT32_MAX) {
          reportError("--tokens: '" + part + "' is not a token id");
          return {};
        }
        ids.push_back(static_cast<int32_t>(id));
      }
      start = end + 1;
    }
  } else if (options.has("prompt")) {
    std::unique_ptr<Tokenizer> tok = loadTokenizerOption(info, options);
    if (!tok)
      return {};
    ids = tok->encode(options.get("prompt"), true);
  }
  if (ids.empty())
    reportError("give --tokens, or --prompt with --tokenizer");
  return ids;
}

} // namespace

int runPerplexity(const ostrt_model_info &info, const Options &options) {
  int64_t threads = 0, context = 0;
  if (!options.getInt("num-threads", 0, 0, 4096, threads) ||
      !options.getInt("context", 512, 1, INT64_MAX, context))
    return 1;
  if (!options.has("text"))
    return reportError("--text is required");
  std::unique_ptr<Tokenizer> tok = loadTokenizerOption(info, options);
  if (!tok)
    return 1;
  size_t skipDocs = 0, count = 0;
  std::string docRange = options.get("docs");
  if (!parseDocumentSelection(docRange, skipDocs, count))
    return reportError("--docs must be A:B with A < B, got '" + docRange +
                       "'");
  std::string textPath = options.get("text"), text, error;
  if (!readTextFile(textPath, text, error))
    return reportError(error);
  std::vector<std::string> docs = splitDocuments(text, skipDocs, count);
  if (docs.empty())
    return reportError(textPath + ": no documents selected");
  // A window feeds at most `context` tokens: they must fit in the cache.
  context = std::min(context, info.max_positions);
  SessionPtr session = openSession(info, threads, context);
  if (!session)
    return 1;
  int64_t vocab = info.vocab_size;
  std::vector<float> logits;
  bool quiet = options.has("quiet");
  bool tty = isatty(STDERR_FILENO);
  NllAccumulator acc;
  auto start = std::chrono::steady_clock::now();
  for (size_t d = 0; d < docs.size(); ++d) {
    for (const Window &w : makeWindows(tok->encode(docs[d], true), context)) {
      int64_t n = static_cast<int64_t>(w.inputs.size());
      logits.resize(static_cast<size_t>(n * vocab));
      ostrt_session_reset(session.get());
      if (!forward(session.get(), w.inputs.data(), n, logits.data(), true))
        return 1;
      for (size_t t = 0; t < w.targets.size(); ++t)
        if (!acc.add(logits.data() + t * vocab, vocab, w.targets[t]))
          return reportError(
              "document " + std::to_string(skipDocs + d) + ", position " +
              std::to_string(t) + ": " +
              describeBadPrediction(logits.data() + t * vocab, vocab,
                                    w.targets[t]));
    }
    // Live on a terminal; otherwise (logs, pipes) a line every 10%.
    size_t step = std::max<size_t>(1, docs.size() / 10);
    if (!quiet && (tty || (d + 1) % step == 0 || d + 1 == docs.size())) {
      double secs = secondsSince(start);
      double rate = acc.count() / std::max(secs, 1e-9);
      double eta = secs / (d + 1) * (docs.size() - d - 1);
      std::fprintf(stderr, "%s[%zu/%zu] ppl %.4f  %.0f tok/s  ETA %.0f s%s",
                   tty ? "\r" : "", d + 1, docs.size(), acc.perplexity(), rate,
                   eta, tty ? "" : "\n");
    }
  }
  if (!quiet && tty)
    std::fprintf(stderr, "\n");
  if (std::string none = checkHasPredictions(acc.count(), docs.size());
      !none.empty())
    return reportError(none);
  std::printf("documents: %zu\nmean_nll: %.6f\nseconds: %.2f\n"
              "perplexity: %.6f tokens: %lld\n",
              docs.size(), acc.meanNll(), secondsSince(start),
              acc.perplexity(), static_cast<long long>(acc.count()));
  return 0;
}

int runGenerate(const ostrt_model_info &info, const Options &options) {
  int64_t threads = 0, maxTokens = 0;
  if (!options.getInt("num-threads", 0, 0, 4096, threads) ||
      !options.getInt("max-tokens", 64, 0, INT64_MAX, maxTokens))
    return 1;
  if (!options.has("prompt"))
    return reportError("--prompt is required");
  std::unique_ptr<Tokenizer> tok = loadTokenizerOption(info, options);
  if (!tok)
    return 1;
  SessionPtr session = openSession(info, threads);
  if (!session)
    return 1;
  int64_t capacity = ostrt_session_capacity(session.get());
  std::vector<int32_t> ids = tok->encode(options.get("prompt"), true);
  if (std::string empty = checkPromptEncodes(ids, options.get("prompt"));
      !empty.empty())
    return reportError(empty);
  if (static_cast<int64_t>(ids.size()) > capacity)
    return reportError("the prompt has " + std::to_string(ids.size()) +
                       " tokens, the KV cache holds " +
                       std::to_string(capacity));
  int64_t vocab = info.vocab_size;
  std::vector<float> row(static_cast<size_t>(vocab));
  // Prefill the prompt, then feed back one token per step.
  if (!forward(session.get(), ids.data(), static_cast<int64_t>(ids.size()),
               row.data(), false))
    return 1;
  for (int64_t s = 0;
       s < maxTokens && static_cast<int64_t>(ids.size()) < capacity; ++s) {
    std::string bad = describeNonFinite(row.data(), vocab);
    if (!bad.empty())
      return reportError("generation step " + std::to_string(s) + ": " + bad);
    int32_t best = static_cast<int32_t>(argmax(row.data(), vocab));
    if (best == tok->bosId() || best == tok->eosId())
      break;
    ids.push_back(best);
    if (s + 1 < maxTokens && static_cast<int64_t>(ids.size()) < capacity &&
        !forward(session.get(), &best, 1, row.data(), false))
      return 1;
  }
  std::printf("%s\n", tok->decode(ids).c_str());
  return 0;
}

int runLogits(const ostrt_model_info &info, const Options &options) {
  int64_t threads = 0;
  if (!options.getInt("num-threads", 0, 0, 4096, threads))
    return 1;
  if (options.has("tokens") && options.has("prompt"))
    return reportError("give --tokens or --prompt, not both");
  std::vector<int32_t> ids = getInputIds(info, options);
  if (ids.empty())
    return 1;
  SessionPtr session = openSession(info, threads);
  if (!session)
    return 1;
  int64_t count = static_cast<int64_t>(ids.size()), vocab = info.vocab_size;
  std::vector<float> logits(static_cast<size_t>(count * vocab));
  if (!options.has("decode")) {
    if (!forward(session.get(), ids.data(), count, logits.data(), true))
      return 1;
  } else {
    // The cache path: a prefill of the first token, then one token a step.
    for (int64_t t = 0; t < count; ++t)
      if (!forward(session.get(), ids.data() + t, 1,
                   logits.data() + t * vocab, false))
        return 1;
  }
  double sum = 0;
  for (float v : logits)
    sum += v;
  const float *last = logits.data() + (count - 1) * vocab;
  std::printf("shape: %lldx%lld\nsum: %.6f\nargmax_last: %lld\n",
              static_cast<long long>(count), static_cast<long long>(vocab),
              sum, static_cast<long long>(argmax(last, vocab)));
  if (options.has("out")) {
    std::string path = options.get("out");
    std::string error = writeFileAtomically(
        path, logits.data(), logits.size() * sizeof(float));
    if (!error.empty())
      return reportError(error);
  }
  return 0;
}

} // namespace ost::runtime
