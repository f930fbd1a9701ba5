//===- Dispatch.cpp - the subcommands of the compiled executables --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// `ost-compile M.onnx ... --target=cpu -o NAME` links the compiled model
// (which defines `ost_main_model_info`) with this main (library ostmain):
//
//   NAME perplexity --tokenizer TOK --text FILE [--docs A:B] [--context N]
//       [--num-threads N] [--quiet]      ost-run's perplexity protocol
//   NAME generate --tokenizer TOK --prompt TEXT [--max-tokens N]
//       [--num-threads N]                greedy, with the KV cache
//   NAME logits (--tokens 1,2,3 | --tokenizer TOK --prompt TEXT)
//       [--out FILE] [--decode] [--num-threads N]
//                                        logits of every row (raw float32)
//   NAME bench [--prompt-tokens N] [--decode-tokens N] [--repeat N]
//       [--num-threads N] [--copy-mib N] prefill/decode tokens/s, bandwidth
//   NAME info                            the model's sizes
//
// Errors print `NAME: message` on stderr and exit with status 1.
// main() (ModelMain.cpp) calls runExecutable with the linked model; the
// fuzz target ost-fuzz-executable-args calls it with its own.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

using namespace ost::runtime;

namespace {

struct Command {
  const char *name;
  std::vector<std::string> values;
  std::vector<std::string> flags;
  int (*run)(const ostrt_model_info &, const Options &);
};

int runInfo(const ostrt_model_info &info, const Options &) {
  std::printf("description: %s\n"
              "abi_version: %" PRId64 "\n"
              "vocab: %" PRId64 "\n"
              "layers: %" PRId64 "\n"
              "kv_heads: %" PRId64 "\n"
              "head_dim: %" PRId64 "\n"
              "max_positions: %" PRId64 "\n"
              "k_bits: %" PRId64 "\n"
              "v_bits: %" PRId64 "\n"
              "k_clip: %g\n"
              "v_clip: %g\n"
              "weight_bytes: %" PRId64 "\n",
              info.description ? info.description : "", info.abi_version,
              info.vocab_size, info.num_layers, info.num_kv_heads,
              info.head_dim, info.max_positions, info.k_bits, info.v_bits,
              static_cast<double>(info.k_clip),
              static_cast<double>(info.v_clip), info.weight_bytes);
  return 0;
}

const std::vector<Command> &getCommands() {
  static const std::vector<Command> commands = {
      {"perplexity",
       {"tokenizer", "text", "docs", "context", "num-threads"},
       {"quiet"},
       runPerplexity},
      {"generate",
       {"tokenizer", "prompt", "max-tokens", "num-threads"},
       {},
       runGenerate},
      {"logits",
       {"tokens", "tokenizer", "prompt", "out", "num-threads"},
       {"decode"},
       runLogits},
      {"bench",
       {"prompt-tokens", "decode-tokens", "repeat", "num-threads", "copy-mib"},
       {},
       runBench},
      {"info", {}, {}, runInfo},
  };
  return commands;
}

void printUsage(FILE *out, const ostrt_model_info &info) {
  const char *name = programName.c_str();
  std::fprintf(
      out,
      "%s: a compiled model (%s)\n"
      "usage:\n"
      "  %s perplexity --tokenizer TOK --text FILE [--docs A:B] "
      "[--context N] [--num-threads N] [--quiet]\n"
      "  %s generate --tokenizer TOK --prompt TEXT [--max-tokens N] "
      "[--num-threads N]\n"
      "  %s logits (--tokens 1,2,3 | --tokenizer TOK --prompt TEXT) "
      "[--out FILE] [--decode] [--num-threads N]\n"
      "  %s bench [--prompt-tokens N] [--decode-tokens N] [--repeat N] "
      "[--num-threads N] [--copy-mib N]\n"
      "  %s info\n"
      "--num-threads 0 (the default) uses one thread per core.\n",
      name, info.description ? info.description : "", name, name, name, name,
      name);
}

} // namespace

int ost::runtime::runExecutable(const ostrt_model_info *info, int argc,
                                char **argv) {
  const char *slash = argc > 0 ? std::strrchr(argv[0], '/') : nullptr;
  programName = slash ? slash + 1 : (argc > 0 ? argv[0] : "model");
  if (!info)
    return reportError("the executable holds no model");
  if (argc < 2) {
    printUsage(stderr, *info);
    return 1;
  }
  std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    printUsage(stdout, *info);
    return 0;
  }
  for (const Command &command : getCommands()) {
    if (name != command.name)
      continue;
    Options options;
    std::string error;
    if (!options.parse(argc, argv, 2, command.values, command.flags, error)) {
      reportError(name + ": " + error);
      printUsage(stderr, *info);
      return 1;
    }
    // Out of memory (a model's buffers, a huge text) is an error like any
    // other, not std::terminate's abort.
    try {
      return command.run(*info, options);
    } catch (const std::bad_alloc &) {
      return reportError(name + ": out of memory");
    }
  }
  reportError("unknown command '" + name + "'");
  printUsage(stderr, *info);
  return 1;
}
