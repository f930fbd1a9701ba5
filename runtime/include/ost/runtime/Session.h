//===- Session.h - run a compiled model: KV cache, prefill, decode -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A session owns what one compiled model needs to run (ModelABI.h): the KV
// cache for up to `max_tokens` positions, a thread pool, the error state.
// ost-compile's executables and shared libraries are thin wrappers of these
// functions (the shared library's `<name>_create` etc. call them with the
// model's ostrt_model_info).
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_SESSION_H
#define OST_RUNTIME_SESSION_H

#include "ost/runtime/ModelABI.h"

#include <cstddef>
#include <cstdint>

extern "C" {

/// A new session for `info` with `num_threads` threads (0: one per core)
/// and a KV cache of `max_tokens` positions (0: info->max_positions; more
/// than that is an error). Returns null and writes a message to `error`
/// (if not null, at most error_size bytes with the terminator) on failure.
ostrt_context *ostrt_session_create(const ostrt_model_info *info,
                                    int32_t num_threads, int64_t max_tokens,
                                    char *error, size_t error_size);
void ostrt_session_destroy(ostrt_context *session);

/// Forgets the cached positions (the next call starts at position 0).
/// Sessions are not thread-safe: one thread at a time per session.
void ostrt_session_reset(ostrt_context *session);

/// Runs `count` (>= 1) tokens after the cached ones and caches them. Writes
/// the logits of all `count` tokens ([count, vocab]) when `all_rows` != 0,
/// otherwise of the last one only ([vocab]); `logits` may be null (nothing
/// is written; the step computes one row into a session buffer). Returns 0,
/// or -1 with ostrt_session_error() set; the position is then unchanged (a
/// failed step may have written cache entries beyond it, which the next call
/// overwrites) and the next call runs normally. Token ids are checked
/// against the vocabulary and the positions against the cache size before
/// the step runs.
int ostrt_session_forward(ostrt_context *session, const int32_t *tokens,
                          int64_t count, float *logits, int32_t all_rows);

/// Positions cached so far, and the cache size.
int64_t ostrt_session_position(const ostrt_context *session);
int64_t ostrt_session_capacity(const ostrt_context *session);

const ostrt_model_info *ostrt_session_info(const ostrt_context *session);

/// Threads the session's kernels run on (the caller included), >= 1.
int32_t ostrt_session_num_threads(const ostrt_context *session);

/// The message of the last call if it failed, "" otherwise (every forward
/// and reset clears it). Valid until the next call on the session.
const char *ostrt_session_error(const ostrt_context *session);

} // extern "C"

#endif // OST_RUNTIME_SESSION_H
