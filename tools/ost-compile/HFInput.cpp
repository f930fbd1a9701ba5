//===- HFInput.cpp - Hugging Face directories and GGUF files as inputs ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "HFInput.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <vector>

extern char **environ;

using namespace ost::compile;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The interpreter of the project's virtualenv: $OST_PYTHON, else the one
/// CMake found (OST_PYTHON at configure time, else .venv/bin/python).
std::string getPython() {
  if (std::optional<std::string> env = llvm::sys::Process::GetEnv("OST_PYTHON"))
    if (!env->empty())
      return *env;
  return OST_DEFAULT_PYTHON;
}

/// One line per file that makes up the source: its name, size and
/// modification time (the GGUF file, or every file of the directory).
std::string getSourceStamp(llvm::StringRef source) {
  llvm::SmallString<256> absolute(source);
  fs::make_absolute(absolute);
  std::vector<std::string> lines;
  auto addFile = [&](llvm::StringRef file) {
    fs::file_status status;
    if (fs::status(file, status) || !fs::is_regular_file(status))
      return;
    lines.push_back((path::filename(file) + " " +
                     llvm::Twine(status.getSize()) + " " +
                     llvm::Twine(llvm::sys::toTimeT(
                         status.getLastModificationTime())))
                        .str());
  };
  if (fs::is_directory(absolute)) {
    std::error_code ec;
    for (fs::directory_iterator it(absolute, ec), end; it != end && !ec;
         it.increment(ec))
      addFile(it->path());
  } else {
    addFile(absolute);
  }
  llvm::sort(lines);
  return "source " + absolute.str().str() + "\n" + llvm::join(lines, "\n") +
         "\n";
}

/// The last `count` lines of `file` ("" if unreadable).
std::string getTail(llvm::StringRef file, size_t count) {
  auto buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer)
    return "";
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().rtrim().split(lines, '\n');
  size_t first = lines.size() > count ? lines.size() - count : 0;
  std::string out;
  for (size_t i = first; i < lines.size(); ++i)
    out += "  " + lines[i].str() + "\n";
  return out;
}

} // namespace

HFSourceKind ost::compile::getHFSourceKind(llvm::StringRef source) {
  if (fs::is_directory(source)) {
    llvm::SmallString<256> config(source);
    path::append(config, "config.json");
    return fs::exists(config) ? HFSourceKind::Directory : HFSourceKind::None;
  }
  auto buffer = llvm::MemoryBuffer::getFileSlice(source, 4, 0);
  if (buffer && (*buffer)->getBuffer() == "GGUF")
    return HFSourceKind::GGUF;
  return HFSourceKind::None;
}

std::string ost::compile::getHFCacheDir(llvm::StringRef outputPath) {
  return (outputPath + ".hf").str();
}

llvm::Expected<std::string>
ost::compile::exportHFSource(llvm::StringRef source, llvm::StringRef cacheDir,
                             bool quiet) {
  llvm::SmallString<256> model(cacheDir), stampPath(cacheDir),
      logPath(cacheDir);
  path::append(model, "model.onnx");
  path::append(stampPath, "source.stamp");
  path::append(logPath, "export.log");
  std::string stamp = getSourceStamp(source);
  if (auto cached = llvm::MemoryBuffer::getFile(stampPath)) {
    if ((*cached)->getBuffer() == stamp && fs::exists(model)) {
      if (!quiet)
        llvm::errs() << "ost-compile: " << source << ": using the cached "
                     << "export " << model << "\n";
      return model.str().str();
    }
  }
  if (std::error_code ec = fs::create_directories(cacheDir))
    return error("cannot create the export cache " + cacheDir + ": " +
                 ec.message());
  // A stale stamp must not survive a failed export.
  (void)fs::remove(stampPath);

  std::string python = getPython();
  if (!fs::can_execute(python))
    return error(source + " is a Hugging Face model; exporting it needs the "
                 "project's Python, and " + python +
                 " is not executable (run scripts/install-deps.sh, or set "
                 "OST_PYTHON)");
  std::vector<std::string> env;
  std::string pythonPath = OST_PYTHON_DIR;
  for (char **e = environ; e && *e; ++e) {
    llvm::StringRef entry(*e);
    if (entry.starts_with("PYTHONPATH="))
      pythonPath += ":" + entry.drop_front(11).str();
    else
      env.push_back(entry.str());
  }
  env.push_back("PYTHONPATH=" + pythonPath);
  llvm::SmallVector<llvm::StringRef> envRefs(env.begin(), env.end());
  llvm::SmallVector<llvm::StringRef> args = {python, "-m", "ost.export.hf",
                                             source, model};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt,
                                                llvm::StringRef(logPath),
                                                llvm::StringRef(logPath)};
  if (!quiet)
    llvm::errs() << "ost-compile: exporting " << source << " to " << model
                 << " (python -m ost.export.hf; log " << logPath << ")\n";
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(python, args, envRefs, redirects,
                                     /*SecondsToWait=*/0, /*MemoryLimit=*/0,
                                     &message);
  if (rc != 0 || !fs::exists(model))
    return error("exporting " + source + " failed (" +
                 (message.empty() ? "exit status " + llvm::Twine(rc).str()
                                  : message) +
                 "); the exporter's last lines (" + logPath + "):\n" +
                 getTail(logPath, 6));
  std::error_code ec;
  llvm::raw_fd_ostream out(stampPath, ec);
  if (!ec)
    out << stamp;
  return model.str().str();
}
