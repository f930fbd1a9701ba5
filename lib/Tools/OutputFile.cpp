//===- OutputFile.cpp - all-or-nothing output files for the tools ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Tools/OutputFile.h"

#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace {

Error writeError(StringRef path, std::error_code ec) {
  return createStringError(ec, "cannot write '%s': %s", path.str().c_str(),
                           ec.message().c_str());
}

/// Runs `write` on `os` and flushes it; the writer's own error first, else
/// a write error of the stream, named after `path`.
Error writeAndFlush(raw_fd_ostream &os, StringRef path,
                    function_ref<Error(raw_ostream &)> write) {
  Error err = write(os);
  os.flush();
  std::error_code ec = os.error();
  os.clear_error();
  if (err)
    return err;
  return ec ? writeError(path, ec) : Error::success();
}

/// True if `path` exists and is not a regular file (a device, a pipe).
bool isSpecialFile(StringRef path) {
  sys::fs::file_status status;
  return !sys::fs::status(path, status) && sys::fs::exists(status) &&
         !sys::fs::is_regular_file(status);
}

} // namespace

Error mlir::ost::writeOutputFile(StringRef path,
                                 function_ref<Error(raw_ostream &)> write) {
  if (path == "-" || isSpecialFile(path)) {
    std::error_code ec;
    raw_fd_ostream os(path, ec, sys::fs::OF_None);
    if (ec)
      return writeError(path, ec);
    return writeAndFlush(os, path, write);
  }
  Expected<sys::fs::TempFile> temp =
      sys::fs::TempFile::create(path + "-%%%%%%.tmp");
  if (!temp)
    return writeError(path, errorToErrorCode(temp.takeError()));
  Error result = [&] {
    raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    return writeAndFlush(os, path, write);
  }();
  if (result) {
    consumeError(temp->discard());
    return result;
  }
  if (Error err = temp->keep(path))
    return writeError(path, errorToErrorCode(std::move(err)));
  return Error::success();
}

Error mlir::ost::checkOutputWritable(StringRef path) {
  if (path == "-" || isSpecialFile(path))
    return Error::success();
  Expected<sys::fs::TempFile> temp =
      sys::fs::TempFile::create(path + "-%%%%%%.tmp");
  if (!temp)
    return writeError(path, errorToErrorCode(temp.takeError()));
  return temp->discard();
}
