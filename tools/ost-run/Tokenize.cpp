//===- Tokenize.cpp - `ost-run tokenize` ----------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Encodes a prompt or the documents of a text file with a tokenizer exactly as
// `perplexity` and `generate` do (one BOS per document when the tokenizer has
// one), or decodes ids; no model is needed. Used to check a tokenizer against
// its reference implementation (e.g. Hugging Face `tokenizers`).
//
//===----------------------------------------------------------------------===//

#include "Tokenize.h"

#include "ost/runtime/Corpus.h"
#include "ost/runtime/Tokenizer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
namespace rt = ::ost::runtime;

static cl::SubCommand tokenizeCmd(
    "tokenize", "Encode a prompt or the documents of a text file (or decode "
                "ids) with a tokenizer; no model needed");
static cl::opt<std::string> tokenizerPath(
    "tokenizer", cl::Required,
    cl::desc("llama2.c tokenizer.bin, SentencePiece .model or Hugging Face "
             "tokenizer.json"),
    cl::sub(tokenizeCmd));
static cl::opt<std::string> prompt("prompt", cl::desc("Text to encode"),
                                   cl::sub(tokenizeCmd));
static cl::opt<std::string>
    textPath("text",
             cl::desc("Text file; documents are separated by <|endoftext|>"),
             cl::sub(tokenizeCmd));
static cl::opt<std::string> docRange("docs",
                                     cl::desc("Documents A:B of --text"),
                                     cl::sub(tokenizeCmd));
static cl::opt<std::string> decodeIds("decode",
                                      cl::desc("Comma-separated ids to decode"),
                                      cl::sub(tokenizeCmd));
static cl::opt<bool> noBos("no-bos", cl::desc("Do not add the BOS token"),
                           cl::sub(tokenizeCmd));
static cl::opt<bool> printIds("ids",
                              cl::desc("--text: print each document's ids"),
                              cl::sub(tokenizeCmd));

namespace {

void printList(const std::vector<int32_t> &ids) {
  llvm::outs() << "ids: ";
  for (size_t i = 0; i < ids.size(); ++i)
    llvm::outs() << (i ? "," : "") << ids[i];
  llvm::outs() << "\n";
}

bool parseIds(llvm::StringRef list, std::vector<int32_t> &ids) {
  llvm::SmallVector<llvm::StringRef> parts;
  list.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef p : parts) {
    int32_t v;
    if (p.trim().getAsInteger(10, v) || v < 0)
      return false;
    ids.push_back(v);
  }
  return !ids.empty();
}

} // namespace

bool isTokenizeCommand() { return static_cast<bool>(tokenizeCmd); }

int runTokenize() {
  int inputs = !prompt.empty() + !textPath.empty() + !decodeIds.empty();
  if (inputs != 1) {
    llvm::errs() << "ost-run tokenize: give exactly one of --prompt, --text, "
                    "--decode\n";
    return 1;
  }
  std::string error;
  std::unique_ptr<rt::Tokenizer> tok = rt::loadTokenizer(tokenizerPath, error);
  if (!tok) {
    llvm::errs() << "ost-run: " << error << "\n";
    return 1;
  }
  llvm::outs() << "vocab: " << tok->vocabSize() << " bos: " << tok->bosId()
               << " eos: " << tok->eosId() << "\n";
  if (!decodeIds.empty()) {
    std::vector<int32_t> ids;
    if (!parseIds(decodeIds, ids)) {
      llvm::errs() << "ost-run tokenize: --decode: not a list of token ids: "
                   << decodeIds << "\n";
      return 1;
    }
    for (int32_t id : ids)
      if (id >= tok->vocabSize()) {
        llvm::errs() << "ost-run tokenize: --decode: token id " << id
                     << " is outside the vocabulary (" << tok->vocabSize()
                     << " tokens)\n";
        return 1;
      }
    llvm::outs() << "text: " << tok->decode(ids) << "\n";
    return 0;
  }
  if (!prompt.empty()) {
    std::vector<int32_t> ids = tok->encode(prompt, !noBos);
    printList(ids);
    llvm::outs() << "tokens: " << ids.size() << "\n";
    return 0;
  }
  std::string text;
  if (!rt::readTextFile(textPath, text, error)) {
    llvm::errs() << "ost-run: " << error << "\n";
    return 1;
  }
  size_t skip = 0, count = 0;
  if (!rt::parseDocumentSelection(docRange, skip, count)) {
    llvm::errs() << "ost-run: --docs: expected A:B, A: or :B, got '"
                 << docRange << "'\n";
    return 1;
  }
  std::vector<std::string> docs = rt::splitDocuments(text, skip, count);
  size_t total = 0;
  for (const std::string &doc : docs) {
    std::vector<int32_t> ids = tok->encode(doc, !noBos);
    total += ids.size();
    if (printIds)
      printList(ids);
  }
  llvm::outs() << "documents: " << docs.size() << " tokens: " << total << "\n";
  return 0;
}
