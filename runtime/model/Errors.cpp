//===- Errors.cpp - the step's error state (ostrt_fail) -------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The first error of a step wins: later messages (other kernels, other
// threads of the same kernel) are dropped. Kernels test ostrt_failed on
// entry and return at once. The session reads and clears `error` and
// `failed` under errorMutex between steps.
//
//===----------------------------------------------------------------------===//

#include "Context.h"

#include <cstdarg>
#include <cstdio>
#include <vector>

extern "C" {

void ostrt_fail(ostrt_context *ctx, const char *format, ...) {
  if (!ctx || !format)
    return;
  std::lock_guard<std::mutex> lock(ctx->errorMutex);
  if (ctx->failed.load())
    return;
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  int length = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (length < 0) {
    ctx->error = format;
  } else {
    std::vector<char> buffer(static_cast<size_t>(length) + 1);
    std::vsnprintf(buffer.data(), buffer.size(), format, args);
    ctx->error.assign(buffer.data(), static_cast<size_t>(length));
  }
  va_end(args);
  ctx->failed.store(true);
}

bool ostrt_failed(const ostrt_context *ctx) {
  // Without a context nothing can run (nor report): treat as failed.
  return !ctx || ctx->failed.load();
}

} // extern "C"
