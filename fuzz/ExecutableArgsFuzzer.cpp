//===- ExecutableArgsFuzzer.cpp - libFuzzer target of executables' argv ---===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The command line of an executable ost-compile emits (Dispatch.cpp), run
// on the fuzzing model (FakeModel.h). The input is the arguments, split at
// white space, then a NUL byte, then the bytes of a file. In the arguments
// `@FILE` becomes that file's path (a text, a token list, a prompt file:
// whatever an option reads), `@TOK` a real tokenizer (the last of
// OST_FUZZ_TOKENIZERS, stories260K's when ../shared/data is there) and `@OUT` a path for outputs. Every status must be
// 0 or 1; a crash, a hang or a sanitizer report is a bug.
//
// `bench` is left out: it allocates and copies the --copy-mib buffer (1 GiB
// by default) to measure the memory bandwidth, which is its job, not an
// input to fuzz. Thread counts are left out too (a fuzzed 4096 would make
// every execution start 4096 threads); sessions use one per core.
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"

#include "../runtime/session/Commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::string tempPath(const char *what) {
  return "/tmp/ost-fuzz-args-" + std::to_string(::getpid()) + "-" + what;
}

std::string lastTokenizer() {
  const char *list = std::getenv("OST_FUZZ_TOKENIZERS");
  if (!list || !*list)
    return "/nonexistent-ost-fuzz-tokenizer.json";
  std::string s = list;
  return s.substr(s.rfind(':') + 1);
}

} // namespace

/// A fuzzed `--out` names any path: run in a folder of our own, so what the
/// commands write lands there (scripts/fuzz.sh gives absolute paths).
extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  std::string dir = tempPath("cwd");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    std::abort();
  if (::chdir(dir.c_str()) != 0)
    std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string file = tempPath("file"), out = tempPath("out"),
                           tokenizer = lastTokenizer();
  const char *bytes = reinterpret_cast<const char *>(data);
  const char *nul = static_cast<const char *>(std::memchr(bytes, 0, size));
  size_t argsSize = nul ? static_cast<size_t>(nul - bytes) : size;
  std::string argsText(bytes, argsSize);

  std::vector<std::string> args = {"model"};
  size_t i = 0;
  while (i < argsText.size() && args.size() < 24) {
    while (i < argsText.size() && std::isspace(static_cast<unsigned char>(argsText[i])))
      ++i;
    size_t start = i;
    while (i < argsText.size() && !std::isspace(static_cast<unsigned char>(argsText[i])))
      ++i;
    if (i > start)
      args.push_back(argsText.substr(start, i - start));
  }
  for (std::string &a : args) {
    for (auto [key, path] : {std::pair<const char *, const std::string *>{
                                 "@FILE", &file},
                             {"@TOK", &tokenizer},
                             {"@OUT", &out}}) {
      size_t at = a.find(key);
      if (at != std::string::npos)
        a.replace(at, std::strlen(key), *path);
    }
    if (a.find("threads") != std::string::npos)
      return 0;
  }
  if (args.size() > 1 && args[1] == "bench")
    return 0;

  if (nul) {
    FILE *f = std::fopen(file.c_str(), "wb");
    if (!f)
      std::abort();
    size_t n = size - argsSize - 1;
    if (std::fwrite(nul + 1, 1, n, f) != n)
      std::abort();
    std::fclose(f);
  } else {
    std::remove(file.c_str());
  }

  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int status = ost::runtime::runExecutable(&ost::fuzz::getFakeModel(),
                                           static_cast<int>(args.size()),
                                           argv.data());
  if (status != 0 && status != 1)
    std::abort();
  return 0;
}
