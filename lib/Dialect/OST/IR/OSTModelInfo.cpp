//===- OSTModelInfo.cpp - #ost.model_info ---------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The typed model-info attribute's verifier and its by-name access, which
// the CPU backend uses to fill `ostrt_model_info` entry by entry of
// ModelABI.def (OSTDialectTests checks that lookup knows every entry the
// .def takes from the attribute, with its type).
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectImplementation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ErrorHandling.h"

#include <iterator>

using namespace mlir;
using namespace mlir::ost;

namespace {

/// The parameters in declaration (= printing) order: the one list of their
/// names, which parse, print and lookup index.
constexpr const char *kEntries[] = {
    "vocab_size", "num_layers", "num_kv_heads", "head_dim",
    "max_positions", "k_bits", "v_bits", "k_clip",
    "v_clip", "embedding_bytes"};
constexpr size_t kNumEntries = std::size(kEntries);
constexpr size_t kKClip = 7, kVClip = 8;
bool isClip(size_t index) { return index == kKClip || index == kVClip; }

/// The integer parameter at `index` of kEntries (not a clip).
int64_t intAt(ModelInfoAttr info, size_t index) {
  switch (index) {
  case 0: return info.getVocabSize();
  case 1: return info.getNumLayers();
  case 2: return info.getNumKvHeads();
  case 3: return info.getHeadDim();
  case 4: return info.getMaxPositions();
  case 5: return info.getKBits();
  case 6: return info.getVBits();
  case 9: return info.getEmbeddingBytes();
  }
  llvm_unreachable("not an integer entry of #ost.model_info");
}

} // namespace

Attribute ModelInfoAttr::parse(AsmParser &parser, Type) {
  int64_t ints[kNumEntries] = {};
  FloatAttr clips[kNumEntries];
  bool seen[kNumEntries] = {};
  if (parser.parseLess())
    return {};
  do {
    SMLoc loc = parser.getCurrentLocation();
    std::string name;
    if (parser.parseKeywordOrString(&name) || parser.parseEqual())
      return {};
    const auto *it = llvm::find(kEntries, name);
    if (it == std::end(kEntries)) {
      parser.emitError(loc, "#ost.model_info has no entry '")
          << name << "' (its entries are ModelABI.def's: "
          << llvm::join(llvm::ArrayRef<const char *>(kEntries), ", ") << ")";
      return {};
    }
    size_t index = it - std::begin(kEntries);
    if (seen[index]) {
      parser.emitError(loc, "#ost.model_info entry '") << name << "' repeated";
      return {};
    }
    seen[index] = true;
    if (isClip(index) ? parser.parseAttribute(clips[index])
                      : parser.parseInteger(ints[index]))
      return {};
  } while (succeeded(parser.parseOptionalComma()));
  if (parser.parseGreater())
    return {};
  for (size_t i = 0; i < kNumEntries; ++i)
    if (!seen[i]) {
      parser.emitError(parser.getNameLoc(), "#ost.model_info lacks '")
          << kEntries[i] << "'";
      return {};
    }
  return parser.getChecked<ModelInfoAttr>(
      parser.getContext(), ints[0], ints[1], ints[2], ints[3], ints[4],
      ints[5], ints[6], clips[kKClip], clips[kVClip], ints[9]);
}

void ModelInfoAttr::print(AsmPrinter &printer) const {
  printer << "<";
  for (auto [i, name] : llvm::enumerate(kEntries)) {
    if (i)
      printer << ", ";
    printer << name << " = ";
    if (isClip(i))
      printer.printAttribute(i == kKClip ? getKClip() : getVClip());
    else
      printer << intAt(*this, i);
  }
  printer << ">";
}

LogicalResult
ModelInfoAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      int64_t vocabSize, int64_t numLayers, int64_t numKvHeads,
                      int64_t headDim, int64_t maxPositions, int64_t kBits,
                      int64_t vBits, FloatAttr kClip, FloatAttr vClip,
                      int64_t embeddingBytes) {
  for (auto [name, value] :
       {std::pair<StringRef, int64_t>{"vocab_size", vocabSize},
        {"num_layers", numLayers},
        {"num_kv_heads", numKvHeads},
        {"head_dim", headDim},
        {"max_positions", maxPositions}})
    if (value <= 0)
      return emitError() << "model_info " << name << " must be positive, got "
                         << value;
  for (auto [name, bits] :
       {std::pair<StringRef, int64_t>{"k_bits", kBits}, {"v_bits", vBits}})
    if (bits != 16 && (bits < 2 || bits > 8))
      return emitError() << "model_info " << name
                         << " must be 2..8 or 16 (no quantization), got "
                         << bits;
  for (auto [name, clip] : {std::pair<StringRef, FloatAttr>{"k_clip", kClip},
                            {"v_clip", vClip}}) {
    if (!clip || !clip.getType().isF32())
      return emitError() << "model_info " << name << " must be an f32, got "
                         << clip;
    double c = clip.getValueAsDouble();
    if (!(c > 0.0 && c <= 1.0))
      return emitError() << "model_info " << name << " must be in (0, 1], got "
                         << c;
  }
  if (embeddingBytes < 0)
    return emitError() << "model_info embedding_bytes must be non-negative, "
                          "got "
                       << embeddingBytes;
  return success();
}

std::optional<double> ModelInfoAttr::lookup(StringRef name) const {
  const auto *it = llvm::find(kEntries, name);
  if (it == std::end(kEntries))
    return std::nullopt;
  size_t index = it - std::begin(kEntries);
  if (isClip(index))
    return (index == kKClip ? getKClip() : getVClip()).getValueAsDouble();
  return static_cast<double>(intAt(*this, index));
}
