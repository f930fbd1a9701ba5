//===- Session.cpp - run a compiled model: KV cache, prefill, decode ------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The session functions of Session.h. A session is one ostrt_context
// (runtime/model/Context.h): the kernels' state (KV cache, thread pool,
// error) plus the cached position. Every check that can fail is made before
// the step runs, so a failed call leaves the session as it was.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Session.h"

#include "../model/Context.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using ost::runtime::MemRef;

namespace {

/// Keeps glibc from handing every large activation buffer back to the
/// kernel: by default blocks >= 128 KiB are mmapped and unmapped on free (and
/// the heap top is trimmed), so each step's per-op malloc/free pays fresh
/// page faults. 32 MiB is the largest mmap threshold glibc accepts.
void tuneMalloc() {
#if defined(__GLIBC__)
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
#endif
}

/// Copies `message` to the caller's buffer (truncated, terminated).
void writeError(const std::string &message, char *error, size_t errorSize) {
  if (!error || errorSize == 0)
    return;
  size_t n = std::min(message.size(), errorSize - 1);
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}

bool isCacheBits(int64_t bits) { return (bits >= 2 && bits <= 8) || bits == 16; }

/// Checks the model constants a session relies on; "" if they are usable.
std::string checkInfo(const ostrt_model_info *info) {
  if (!info)
    return "no model info";
  if (info->abi_version != kOstrtAbiVersion)
    return "model ABI version " + std::to_string(info->abi_version) +
           ", this runtime implements version " +
           std::to_string(kOstrtAbiVersion);
  struct Size {
    const char *name;
    int64_t value;
  } sizes[] = {{"vocab_size", info->vocab_size},
               {"num_layers", info->num_layers},
               {"num_kv_heads", info->num_kv_heads},
               {"head_dim", info->head_dim},
               {"max_positions", info->max_positions}};
  for (const Size &s : sizes)
    if (s.value <= 0)
      return std::string("model info: ") + s.name + " must be positive, got " +
             std::to_string(s.value);
  if (!isCacheBits(info->k_bits) || !isCacheBits(info->v_bits))
    return "model info: KV cache bits must be 2..8 or 16, got k_bits " +
           std::to_string(info->k_bits) + ", v_bits " +
           std::to_string(info->v_bits);
  if (!info->step)
    return "model info: no step function";
  return "";
}

/// Takes the step's error out of the context so the next call can run.
std::string takeStepError(ostrt_context *ctx) {
  std::lock_guard<std::mutex> lock(ctx->errorMutex);
  std::string message =
      ctx->error.empty() ? std::string("the model step failed") : ctx->error;
  ctx->error.clear();
  ctx->failed.store(false);
  return message;
}

int fail(ostrt_context *ctx, std::string message) {
  ctx->sessionError = std::move(message);
  return -1;
}

} // namespace

extern "C" {

ostrt_context *ostrt_session_create(const ostrt_model_info *info,
                                    int32_t num_threads, int64_t max_tokens,
                                    char *error, size_t error_size) {
  std::string message = checkInfo(info);
  if (message.empty() && num_threads < 0)
    message = "the thread count must be >= 0 (0: one per core), got " +
              std::to_string(num_threads);
  if (message.empty() && (max_tokens < 0 || max_tokens > info->max_positions))
    message = "the KV cache size must be in [0, " +
              std::to_string(info->max_positions) +
              "] (0: the model's max_positions), got " +
              std::to_string(max_tokens);
  if (!message.empty()) {
    writeError(message, error, error_size);
    return nullptr;
  }
  tuneMalloc();
  auto *ctx = new (std::nothrow) ostrt_context();
  if (!ctx) {
    writeError("out of memory", error, error_size);
    return nullptr;
  }
  ctx->info = info;
  ctx->capacity = max_tokens ? max_tokens : info->max_positions;
  if (!ctx->cache.init(*info, ctx->capacity, message)) {
    delete ctx;
    writeError(message.empty() ? "cannot allocate the KV cache" : message,
               error, error_size);
    return nullptr;
  }
  ctx->pool = std::make_unique<ost::runtime::ThreadPool>(
      static_cast<unsigned>(num_threads));
  writeError("", error, error_size);
  return ctx;
}

void ostrt_session_destroy(ostrt_context *session) { delete session; }

void ostrt_session_reset(ostrt_context *session) {
  if (!session)
    return;
  session->position = 0;
  session->sessionError.clear();
}

int ostrt_session_forward(ostrt_context *session, const int32_t *tokens,
                          int64_t count, float *logits, int32_t all_rows) {
  if (!session)
    return -1;
  ostrt_context *ctx = session;
  ctx->sessionError.clear();
  const ostrt_model_info &info = *ctx->info;
  if (count <= 0 || !tokens)
    return fail(ctx, "forward needs at least one token, got " +
                         std::to_string(count) +
                         (tokens ? "" : " (null token array)"));
  if (count > ctx->capacity - ctx->position)
    return fail(ctx, "positions " + std::to_string(ctx->position) + ".." +
                         std::to_string(ctx->position + count - 1) +
                         " do not fit in the KV cache of " +
                         std::to_string(ctx->capacity) + " positions");
  ctx->idsBuffer.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    if (tokens[i] < 0 || tokens[i] >= info.vocab_size)
      return fail(ctx, "token " + std::to_string(tokens[i]) + " (index " +
                           std::to_string(i) + ") is outside the vocabulary [0, " +
                           std::to_string(info.vocab_size) + ")");
    ctx->idsBuffer[i] = tokens[i];
  }
  // Without a caller buffer nobody reads the logits: compute the last row.
  int64_t rows = logits && all_rows ? count : 1;
  float *out = logits;
  if (!out) {
    ctx->logitsBuffer.resize(static_cast<size_t>(info.vocab_size));
    out = ctx->logitsBuffer.data();
  }
  int64_t *ids = ctx->idsBuffer.data();
  MemRef<int64_t, 1> idsRef{ids, ids, 0, {count}, {1}};
  MemRef<float, 2> logitsRef{
      out, out, 0, {rows, info.vocab_size}, {info.vocab_size, 1}};
  if (ctx->failed.load())
    takeStepError(ctx); // a stale error must not fail this call
  info.step(ctx, &idsRef, ctx->position, &logitsRef);
  if (ctx->failed.load())
    return fail(ctx, takeStepError(ctx));
  ctx->position += count;
  return 0;
}

int64_t ostrt_session_position(const ostrt_context *session) {
  return session ? session->position : 0;
}

int64_t ostrt_session_capacity(const ostrt_context *session) {
  return session ? session->capacity : 0;
}

const ostrt_model_info *ostrt_session_info(const ostrt_context *session) {
  return session ? session->info : nullptr;
}

int32_t ostrt_session_num_threads(const ostrt_context *session) {
  return session && session->pool
             ? static_cast<int32_t>(session->pool->getNumThreads())
             : 0;
}

const char *ostrt_session_error(const ostrt_context *session) {
  return session ? session->sessionError.c_str() : "no session";
}

} // extern "C"
