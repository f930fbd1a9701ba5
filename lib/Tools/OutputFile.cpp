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

/// Flushes `os` and turns a write error into an Error naming `path`.
Error finish(raw_fd_ostream &os, StringRef path) {
  os.flush();
  if (std::error_code ec = os.error()) {
    os.clear_error();
    return writeError(path, ec);
  }
  return Error::success();
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
    if (Error err = write(os)) {
      os.flush();
      os.clear_error();
      return err;
    }
    return finish(os, path);
  }
  Expected<sys::fs::TempFile> temp =
      sys::fs::TempFile::create(path + "-%%%%%%.tmp");
  if (!temp)
    return writeError(path, errorToErrorCode(temp.takeError()));
  Error result = [&]() -> Error {
    raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    if (Error err = write(os)) {
      os.flush();
      os.clear_error();
      return err;
    }
    return finish(os, path);
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
