//===- ModelReader.cpp - read ONNX models and their external data ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Parses binary ModelProtos and the ONNX textual syntax (onnx/defs/parser.h,
// with node names in brackets as an ost extension and the real line of every
// node recorded for locations), applies dimension overrides, runs ONNX shape
// inference, and reads tensor bytes: raw_data, typed fields, or external
// data in files next to the model. External-data locations must stay inside
// the model's folder.
//
// This is the only file compiled with exceptions: libonnx's parser and shape
// inference report some errors by throwing, and those must become
// diagnostics, never a crash.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"

#include <cstring>
#include <exception>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

LoadedModel::LoadedModel() : proto(std::make_unique<::onnx::ModelProto>()) {}
LoadedModel::~LoadedModel() = default;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

Type mlir::ost::importer::convertElementType(MLIRContext *ctx,
                                             int32_t onnxType) {
  Builder b(ctx);
  using TP = ::onnx::TensorProto;
  switch (onnxType) {
  case TP::FLOAT:
    return b.getF32Type();
  case TP::DOUBLE:
    return b.getF64Type();
  case TP::FLOAT16:
    return b.getF16Type();
  case TP::BFLOAT16:
    return b.getBF16Type();
  case TP::INT8:
    return b.getIntegerType(8);
  case TP::INT16:
    return b.getIntegerType(16);
  case TP::INT32:
    return b.getIntegerType(32);
  case TP::INT64:
    return b.getIntegerType(64);
  case TP::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case TP::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case TP::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case TP::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  case TP::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

unsigned mlir::ost::importer::elementByteWidth(int32_t onnxType) {
  using TP = ::onnx::TensorProto;
  switch (onnxType) {
  case TP::INT8:
  case TP::UINT8:
  case TP::BOOL:
    return 1;
  case TP::INT16:
  case TP::UINT16:
  case TP::FLOAT16:
  case TP::BFLOAT16:
    return 2;
  case TP::FLOAT:
  case TP::INT32:
  case TP::UINT32:
    return 4;
  case TP::DOUBLE:
  case TP::INT64:
  case TP::UINT64:
    return 8;
  default:
    return 0;
  }
}

//===----------------------------------------------------------------------===//
// Text models
//===----------------------------------------------------------------------===//

namespace {

/// OnnxParser with access to its position, to record where nodes start.
class PositionParser : public ::onnx::OnnxParser {
public:
  explicit PositionParser(const char *text) : OnnxParser(text), begin(text) {}
  size_t offset() const { return static_cast<size_t>(next_ - begin); }
  void seek(size_t offset) { next_ = begin + offset; }

private:
  const char *begin;
};

/// 1-based line and column of byte `offset` in `text`.
std::pair<unsigned, unsigned> lineColOf(StringRef text, size_t offset) {
  StringRef before = text.take_front(std::min(offset, text.size()));
  size_t lineStart = before.rfind('\n');
  unsigned col = lineStart == StringRef::npos ? before.size() + 1
                                              : before.size() - lineStart;
  return {1 + static_cast<unsigned>(llvm::count(before, '\n')), col};
}

/// Skips blanks and `#` comments from `pos`.
size_t skipBlanks(StringRef text, size_t pos) {
  while (pos < text.size()) {
    if (isspace(static_cast<unsigned char>(text[pos]))) {
      ++pos;
    } else if (text[pos] == '#') {
      while (pos < text.size() && text[pos] != '\n')
        ++pos;
    } else {
      break;
    }
  }
  return pos;
}

/// Offset just after the `{` that opens the main graph's node list, found
/// lexically: after the first `=>`, the output list `( ... )` and optional
/// value infos `< ... >`. std::nullopt if the text does not look like that
/// (the real parser then reports the error).
std::optional<size_t> findGraphBody(StringRef text) {
  size_t pos = 0;
  bool inString = false;
  for (; pos + 1 < text.size(); ++pos) {
    char c = text[pos];
    if (inString) {
      inString = c != '"';
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '#')
      while (pos + 1 < text.size() && text[pos + 1] != '\n')
        ++pos;
    else if (c == '=' && text[pos + 1] == '>')
      break;
  }
  if (pos + 1 >= text.size())
    return std::nullopt;
  pos = skipBlanks(text, pos + 2);
  // Skips a balanced group opened by text[pos] == open.
  auto skipGroup = [&](char open, char close) -> bool {
    int depth = 0;
    bool str = false;
    for (; pos < text.size(); ++pos) {
      char c = text[pos];
      if (str) {
        str = c != '"';
        continue;
      }
      if (c == '"')
        str = true;
      else if (c == open)
        ++depth;
      else if (c == close && --depth == 0) {
        ++pos;
        return true;
      }
    }
    return false;
  };
  if (pos >= text.size() || text[pos] != '(' || !skipGroup('(', ')'))
    return std::nullopt;
  pos = skipBlanks(text, pos);
  if (pos < text.size() && text[pos] == '<' && !skipGroup('<', '>'))
    return std::nullopt;
  pos = skipBlanks(text, pos);
  if (pos >= text.size() || text[pos] != '{')
    return std::nullopt;
  return pos + 1;
}

/// Finds the node statements of the main graph: records their lines and
/// names (`["name"]` or `[name]` before a node, blanked out of `text` so the
/// ONNX parser accepts it). Stops quietly at anything it cannot parse.
void scanNodes(std::string &text,
               std::vector<std::pair<unsigned, unsigned>> &lines,
               std::vector<std::string> &names) {
  std::optional<size_t> body = findGraphBody(text);
  if (!body)
    return;
  PositionParser parser(text.c_str());
  parser.seek(*body);
  while (true) {
    parser.SkipWhiteSpace();
    size_t start = parser.offset(), statement = start;
    if (start >= text.size() || text[start] == '}')
      return;
    std::string name;
    if (text[start] == '[') {
      size_t close = start + 1;
      if (close < text.size() && text[close] == '"') {
        ++close;
        while (close < text.size() && text[close] != '"')
          name.push_back(text[close++]);
        ++close;
      } else {
        while (close < text.size() && text[close] != ']')
          name.push_back(text[close++]);
        name = StringRef(name).trim().str();
      }
      close = skipBlanks(text, close);
      if (close >= text.size() || text[close] != ']')
        return;
      for (size_t i = start; i <= close; ++i)
        if (text[i] != '\n')
          text[i] = ' ';
      parser.seek(close + 1);
      parser.SkipWhiteSpace();
      start = parser.offset();
    }
    ::onnx::NodeProto node;
    if (!parser.Parse(node).IsOK())
      return;
    lines.push_back(lineColOf(text, statement));
    names.push_back(std::move(name));
  }
}

/// Location of a parse error message "(line: L column: C)", or the file.
Location parseErrorLoc(MLIRContext *ctx, StringRef file, StringRef message) {
  llvm::Regex re("line: ([0-9]+) column: ([0-9]+)");
  SmallVector<StringRef, 3> m;
  unsigned line = 0, col = 0;
  if (re.match(message, &m)) {
    (void)m[1].getAsInteger(10, line);
    (void)m[2].getAsInteger(10, col);
  }
  return FileLineColLoc::get(ctx, file, line, col);
}

LogicalResult parseText(StringRef buffer, LoadedModel &model,
                        Location errorLoc) {
  MLIRContext *ctx = errorLoc.getContext();
  std::string text = buffer.str();
  std::vector<std::pair<unsigned, unsigned>> lines;
  std::vector<std::string> names;
  try {
    scanNodes(text, lines, names);
    ::onnx::OnnxParser parser(text.c_str());
    ::onnx::Common::Status status = parser.Parse(*model.proto);
    if (!status.IsOK()) {
      std::string msg = status.ErrorMessage();
      return emitError(parseErrorLoc(ctx, model.fileName, msg))
             << "cannot parse ONNX text: " << StringRef(msg).trim();
    }
  } catch (const std::exception &e) {
    return emitError(errorLoc) << "cannot parse ONNX text: " << e.what();
  }
  model.isText = true;
  if (model.proto->has_graph() &&
      lines.size() == static_cast<size_t>(model.proto->graph().node_size())) {
    model.nodeLines = std::move(lines);
    for (auto [i, name] : llvm::enumerate(names))
      if (!name.empty())
        model.proto->mutable_graph()->mutable_node(i)->set_name(name);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Overrides and inference
//===----------------------------------------------------------------------===//

void applyDimOverrides(LoadedModel &model, const ImportOptions &options,
                       Location loc) {
  if (options.dimOverrides.empty())
    return;
  std::map<std::string, bool> used;
  auto apply = [&](::onnx::ValueInfoProto &vi) {
    if (!vi.has_type() || !vi.type().has_tensor_type() ||
        !vi.type().tensor_type().has_shape())
      return;
    auto *shape = vi.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (auto &dim : *shape->mutable_dim()) {
      if (!dim.has_dim_param())
        continue;
      auto it = options.dimOverrides.find(dim.dim_param());
      if (it == options.dimOverrides.end())
        continue;
      used[it->first] = true;
      dim.set_dim_value(it->second);
    }
  };
  ::onnx::GraphProto *graph = model.proto->mutable_graph();
  for (auto &vi : *graph->mutable_input())
    apply(vi);
  for (auto &vi : *graph->mutable_output())
    apply(vi);
  for (auto &vi : *graph->mutable_value_info())
    apply(vi);
  for (const auto &[name, size] : options.dimOverrides)
    if (!used.count(name))
      emitWarning(loc) << "dimension override '" << name << "=" << size
                       << "' matches no symbolic dimension of the model";
}

/// True if ONNX shape inference can run on the graph without tripping over
/// it: libonnx 1.12 dereferences missing input types (undefined values,
/// untyped graph inputs) and walks subgraphs with their own rules. Models
/// that fail this are imported without it (the importer then reports the
/// actual problem on the node).
bool safeForShapeInference(const ::onnx::GraphProto &graph) {
  llvm::StringSet<> defined;
  for (const auto &vi : graph.input()) {
    if (!vi.has_type() || !vi.type().has_tensor_type() ||
        !vi.type().tensor_type().has_elem_type())
      return false;
    defined.insert(vi.name());
  }
  for (const auto &init : graph.initializer())
    defined.insert(init.name());
  for (const auto &node : graph.node()) {
    for (const std::string &in : node.input())
      if (!in.empty() && !defined.contains(in))
        return false;
    for (const auto &attr : node.attribute())
      if (attr.has_g() || attr.graphs_size() != 0)
        return false;
    for (const std::string &out : node.output())
      if (!out.empty() && !defined.insert(out).second)
        return false;
  }
  return true;
}

void inferShapes(LoadedModel &model, Location loc) {
  if (!safeForShapeInference(model.proto->graph()))
    return;
  try {
    // Data propagation (symbolic evaluation of Shape computations) is left
    // to the importer's own handlers, which do it with symbols.
    ::onnx::ShapeInferenceOptions options(/*check_type_val=*/false,
                                          /*strict_mode_val=*/0,
                                          /*data_prop_val=*/false);
    ::onnx::shape_inference::InferShapes(
        *model.proto, ::onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception &e) {
    emitWarning(loc) << "ONNX shape inference failed, continuing with the "
                        "declared types: "
                     << StringRef(e.what()).trim();
  }
}

} // namespace

FailureOr<std::unique_ptr<LoadedModel>>
mlir::ost::importer::readModel(StringRef buffer, StringRef name,
                               const ImportOptions &options,
                               Location errorLoc) {
  if (llvm::sys::IsBigEndianHost)
    return emitError(errorLoc)
               << "the ONNX importer needs a little-endian host",
           failure();

  auto model = std::make_unique<LoadedModel>();
  model->fileName = name.str();
  if (!options.externalDataDir.empty()) {
    model->dataDir = options.externalDataDir;
  } else {
    StringRef parent = llvm::sys::path::parent_path(name);
    model->dataDir = (name == "-" || name.empty() || parent.empty())
                         ? std::string(".")
                         : parent.str();
  }

  bool text = false;
  switch (options.format) {
  case ONNXModelFormat::Text:
    text = true;
    break;
  case ONNXModelFormat::Binary:
    break;
  case ONNXModelFormat::Auto:
    text = name.ends_with(".onnxtext") || name.ends_with(".txt") ||
           buffer.ltrim().starts_with("<");
    break;
  }

  if (text) {
    if (failed(parseText(buffer, *model, errorLoc)))
      return failure();
  } else {
    if (buffer.size() > static_cast<size_t>(INT32_MAX))
      return emitError(errorLoc)
                 << "'" << name
                 << "' is larger than 2 GiB: protobuf cannot parse it; "
                    "store the weights as external data",
             failure();
    if (!model->proto->ParseFromArray(buffer.data(),
                                      static_cast<int>(buffer.size())))
      return emitError(errorLoc)
                 << "'" << name
                 << "' is not a valid ONNX model (malformed or truncated "
                    "protobuf)",
             failure();
  }

  const ::onnx::ModelProto &proto = *model->proto;
  if (!proto.has_graph())
    return emitError(errorLoc) << "'" << name << "' has no graph", failure();
  if (proto.opset_import_size() == 0)
    return emitError(errorLoc)
               << "'" << name << "' imports no opset (opset_import is empty)",
           failure();
  for (const auto &opset : proto.opset_import())
    if (opset.version() <= 0)
      return emitError(errorLoc) << "opset_import of domain '" << opset.domain()
                                 << "' has invalid version " << opset.version(),
             failure();

  applyDimOverrides(*model, options, errorLoc);
  inferShapes(*model, errorLoc);
  return model;
}

//===----------------------------------------------------------------------===//
// Tensor bytes
//===----------------------------------------------------------------------===//

namespace {

/// Owned bytes wrapped as TensorBytes.
TensorBytes ownBytes(std::vector<char> bytes) {
  auto holder = std::make_shared<std::vector<char>>(std::move(bytes));
  TensorBytes result;
  result.data = ArrayRef<char>(holder->data(), holder->size());
  result.keepAlive = holder;
  return result;
}

template <typename T> void appendLE(std::vector<char> &out, T value) {
  char buf[sizeof(T)];
  llvm::support::endian::write<T, llvm::endianness::little>(buf, value);
  out.insert(out.end(), buf, buf + sizeof(T));
}

/// True if `location` is a plain relative path without `..`.
bool isSafeRelativePath(StringRef location) {
  if (location.empty() || location.contains('\0'))
    return false;
  if (location.starts_with("/") || location.starts_with("\\") ||
      llvm::sys::path::is_absolute(location) ||
      llvm::sys::path::is_absolute(location, llvm::sys::path::Style::windows))
    return false;
  if (location.size() >= 2 && location[1] == ':')
    return false; // A Windows drive ("C:foo").
  for (size_t start = 0; start <= location.size();) {
    size_t end = location.find_first_of("/\\", start);
    if (end == StringRef::npos)
      end = location.size();
    if (location.slice(start, end) == "..")
      return false;
    start = end + 1;
  }
  return true;
}

FailureOr<TensorBytes> loadExternal(LoadedModel &model,
                                    const ::onnx::TensorProto &tensor,
                                    uint64_t expected, Location loc,
                                    StringRef what) {
  std::string location;
  bool hasLocation = false;
  std::optional<uint64_t> offset, length;
  for (const auto &entry : tensor.external_data()) {
    StringRef key = entry.key(), value = entry.value();
    if (key == "location") {
      location = value.str();
      hasLocation = true;
    } else if (key == "offset" || key == "length") {
      uint64_t parsed;
      if (value.trim().getAsInteger(10, parsed))
        return emitError(loc) << what << ": external-data " << key << " '"
                              << value << "' is not a non-negative integer",
               failure();
      (key == "offset" ? offset : length) = parsed;
    }
  }
  if (!hasLocation)
    return emitError(loc) << what
                          << ": external data without a 'location' entry",
           failure();
  if (!isSafeRelativePath(location))
    return emitError(loc) << what << ": refusing external-data location '"
                          << location
                          << "': it must be a relative path inside the "
                             "model's folder (no absolute path, no '..')",
           failure();

  SmallString<256> path(model.dataDir);
  llvm::sys::path::append(path, location);
  SmallString<256> realDir, realPath;
  if (llvm::sys::fs::real_path(model.dataDir, realDir))
    return emitError(loc) << what << ": external-data folder '" << model.dataDir
                          << "' does not exist",
           failure();
  if (llvm::sys::fs::real_path(path, realPath) ||
      !llvm::sys::fs::is_regular_file(realPath))
    return emitError(loc) << what << ": external-data file '" << location
                          << "' not found in '" << model.dataDir << "'",
           failure();
  // A symbolic link may still lead elsewhere.
  StringRef dirRef = realDir.str();
  if (!StringRef(realPath).starts_with(dirRef) ||
      (realPath.size() > dirRef.size() &&
       !llvm::sys::path::is_separator(realPath[dirRef.size()]) &&
       !dirRef.ends_with("/")))
    return emitError(loc) << what << ": refusing external-data location '"
                          << location << "': it resolves to '" << realPath
                          << "', outside the model's folder",
           failure();

  std::shared_ptr<llvm::MemoryBuffer> &file = model.dataFiles[realPath];
  if (!file) {
    auto buffer = llvm::MemoryBuffer::getFile(realPath, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer)
      return emitError(loc) << what << ": cannot read external-data file '"
                            << location << "': " << buffer.getError().message(),
             failure();
    file = std::shared_ptr<llvm::MemoryBuffer>(std::move(*buffer));
  }
  uint64_t size = file->getBufferSize();
  uint64_t start = offset.value_or(0);
  if (start > size)
    return emitError(loc) << what << ": external-data offset " << start
                          << " is past the end of '" << location << "' ("
                          << size << " bytes)",
           failure();
  uint64_t count = length.value_or(size - start);
  if (count > size - start)
    return emitError(loc) << what << ": external-data file '" << location
                          << "' is truncated: the tensor needs bytes [" << start
                          << ", " << start + count << ") but the file has "
                          << size << " bytes",
           failure();
  if (count != expected)
    return emitError(loc) << what << ": external data holds " << count
                          << " bytes, expected " << expected,
           failure();
  TensorBytes result;
  result.data = ArrayRef<char>(file->getBufferStart() + start, count);
  result.keepAlive = file;
  return result;
}

} // namespace

FailureOr<TensorBytes>
mlir::ost::importer::loadTensorBytes(LoadedModel &model,
                                     const ::onnx::TensorProto &tensor,
                                     Location loc, StringRef what) {
  using TP = ::onnx::TensorProto;
  int32_t dtype = tensor.data_type();
  unsigned width = elementByteWidth(dtype);
  if (width == 0)
    return emitError(loc) << what << ": unsupported element type "
                          << (TP::DataType_IsValid(dtype)
                                  ? TP::DataType_Name(
                                        static_cast<TP::DataType>(dtype))
                                  : std::to_string(dtype)),
           failure();
  if (tensor.has_segment())
    return emitError(loc) << what << ": segmented tensors are not supported",
           failure();
  uint64_t numel = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return emitError(loc) << what << ": negative dimension " << d, failure();
    bool overflow = false;
    numel = llvm::SaturatingMultiply<uint64_t>(numel, d, &overflow);
    if (overflow || numel > (uint64_t(1) << 48))
      return emitError(loc) << what << ": too many elements", failure();
  }
  uint64_t expected = numel * width;

  if (tensor.data_location() == TP::EXTERNAL)
    return loadExternal(model, tensor, expected, loc, what);

  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if (raw.size() != expected)
      return emitError(loc) << what << ": raw_data holds " << raw.size()
                            << " bytes, expected " << expected,
             failure();
    return ownBytes(std::vector<char>(raw.begin(), raw.end()));
  }

  std::vector<char> out;
  out.reserve(expected);
  auto countMismatch = [&](int64_t have) -> FailureOr<TensorBytes> {
    return emitError(loc) << what << ": holds " << have << " values, expected "
                          << numel,
           failure();
  };
  switch (dtype) {
  case TP::FLOAT:
    if (static_cast<uint64_t>(tensor.float_data_size()) != numel)
      return countMismatch(tensor.float_data_size());
    for (float f : tensor.float_data()) {
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      appendLE<uint32_t>(out, bits);
    }
    break;
  case TP::DOUBLE:
    if (static_cast<uint64_t>(tensor.double_data_size()) != numel)
      return countMismatch(tensor.double_data_size());
    for (double f : tensor.double_data()) {
      uint64_t bits;
      std::memcpy(&bits, &f, 8);
      appendLE<uint64_t>(out, bits);
    }
    break;
  case TP::INT64:
    if (static_cast<uint64_t>(tensor.int64_data_size()) != numel)
      return countMismatch(tensor.int64_data_size());
    for (int64_t v : tensor.int64_data())
      appendLE<uint64_t>(out, static_cast<uint64_t>(v));
    break;
  case TP::UINT32:
  case TP::UINT64:
    if (static_cast<uint64_t>(tensor.uint64_data_size()) != numel)
      return countMismatch(tensor.uint64_data_size());
    for (uint64_t v : tensor.uint64_data()) {
      if (dtype == TP::UINT32)
        appendLE<uint32_t>(out, static_cast<uint32_t>(v));
      else
        appendLE<uint64_t>(out, v);
    }
    break;
  default:
    // int32_data holds INT32, and the bit patterns of the narrower types.
    if (static_cast<uint64_t>(tensor.int32_data_size()) != numel)
      return countMismatch(tensor.int32_data_size());
    for (int32_t v : tensor.int32_data()) {
      if (width == 4)
        appendLE<uint32_t>(out, static_cast<uint32_t>(v));
      else if (width == 2)
        appendLE<uint16_t>(out, static_cast<uint16_t>(v));
      else
        out.push_back(static_cast<char>(dtype == TP::BOOL ? (v != 0) : v));
    }
    break;
  }
  return ownBytes(std::move(out));
}
