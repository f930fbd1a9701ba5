//===- Context.h - the session state kernels see -----------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Internal to the runtime: the definition of ostrt_context (ModelABI.h),
// shared by the kernels (KV cache, threads, errors) and the session.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_CONTEXT_H
#define OST_RUNTIME_MODEL_CONTEXT_H

#include "KVCache.h"
#include "ThreadPool.h"

#include "ost/runtime/ModelABI.h"
#include "ost/runtime/kernels/Int4Kernels.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct ostrt_context {
  const ostrt_model_info *info = nullptr;
  std::unique_ptr<ost::runtime::ThreadPool> pool;
  ost::runtime::KVCache cache;
  /// The instruction set the kernels use (Auto: the best this CPU has;
  /// tests force the others).
  ost::runtime::kernels::Isa isa = ost::runtime::kernels::Isa::Auto;
  /// Set by ostrt_fail; kernels return at once while it is set.
  std::atomic<bool> failed{false};
  std::mutex errorMutex;
  std::string error;

  // Session state (runtime/session/Session.cpp; kernels do not use it).
  /// Positions cached so far, and the cache size.
  int64_t position = 0;
  int64_t capacity = 0;
  /// The message of the last failed ostrt_session_* call ("" if none).
  std::string sessionError;
  /// The step's ids (int64) and the logits when the caller passes none.
  std::vector<int64_t> idsBuffer;
  std::vector<float> logitsBuffer;
};

#endif // OST_RUNTIME_MODEL_CONTEXT_H
