//===- GraphBuilder.h - building an onnx::GraphProto ------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Unique value names, nodes with their attributes, initializers (raw bytes,
// small constants deduplicated by value) and the shape helpers the exporter
// uses for dynamic sizes (`Shape` with start/end, cached per value).
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_TARGET_ONNX_GRAPHBUILDER_H
#define OST_LIB_TARGET_ONNX_GRAPHBUILDER_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include "onnx/onnx_pb.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mlir::ost::onnxexport {

/// TensorProto data types (onnx.proto's DataType; INT4 is newer than the
/// installed libonnx, whose data_type field is a plain int32).
enum DataType : int32_t {
  kFloat = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kDouble = 11,
  kInt4 = 22,
};

class GraphBuilder {
public:
  explicit GraphBuilder(onnx::GraphProto &graph) : graph(graph) {}

  /// Marks `name` as taken (graph inputs and outputs are reserved first).
  void reserve(StringRef name) { used.insert(name); }
  /// A name not used before: `hint`, else `hint_N`.
  std::string fresh(StringRef hint);

  /// Appends a node with `numOutputs` fresh outputs named after `hint`.
  onnx::NodeProto &node(StringRef opType, ArrayRef<std::string> inputs,
                        StringRef hint, unsigned numOutputs = 1,
                        StringRef domain = "");
  /// node(...) with one output; returns the output's name.
  std::string op(StringRef opType, ArrayRef<std::string> inputs,
                 StringRef hint) {
    return node(opType, inputs, hint).output(0);
  }

  static void setInt(onnx::NodeProto &node, StringRef name, int64_t value);
  static void setInts(onnx::NodeProto &node, StringRef name,
                      ArrayRef<int64_t> values);
  static void setFloat(onnx::NodeProto &node, StringRef name, float value);
  /// A tensor attribute holding one float (ConstantOfShape's value).
  static void setFloatTensor(onnx::NodeProto &node, StringRef name,
                             float value);

  /// An initializer of `dataType` with the given dims and raw little-endian
  /// bytes; returns its name.
  std::string initializer(StringRef hint, int32_t dataType,
                          ArrayRef<int64_t> dims, ArrayRef<char> raw);
  /// A 1-D int64 constant (deduplicated).
  std::string i64(ArrayRef<int64_t> values);
  /// A 0-D int64 constant (deduplicated).
  std::string i64Scalar(int64_t value);
  /// A float32 constant of the given dims (0-D for {}; deduplicated when
  /// small).
  std::string f32(ArrayRef<float> values, ArrayRef<int64_t> dims);
  std::string f32Scalar(float value) { return f32({value}, {}); }
  /// A 0-D float64 constant.
  std::string f64Scalar(double value);

  /// Shape(x) (cached).
  std::string shapeOf(const std::string &x);
  /// Shape(x)[i : i+1] as a 1-D int64 tensor of one element (cached).
  std::string dimOf(const std::string &x, int64_t i);
  /// Reshape(x, [0 × (rank − 1), tail...]) with allowzero 0: keeps the first
  /// rank − 1 sizes of x (leading sizes of a rank-`rank` activation) and
  /// replaces the rest by `tail`.
  std::string reshapeLast(const std::string &x, int64_t rank,
                          ArrayRef<int64_t> tail, StringRef hint);
  /// Concatenation of 1-D int64 pieces (one piece is returned as it is).
  std::string concatI64(ArrayRef<std::string> pieces, StringRef hint);

  /// Bytes of all initializers so far.
  uint64_t getInitializerBytes() const { return initializerBytes; }

private:
  onnx::GraphProto &graph;
  llvm::StringSet<> used;
  llvm::StringMap<unsigned> nextSuffix;
  std::map<std::vector<int64_t>, std::string> i64Cache, i64ScalarCache;
  std::map<std::pair<std::vector<int64_t>, std::vector<uint32_t>>,
           std::string>
      f32Cache;
  llvm::StringMap<std::string> shapeCache;
  std::map<std::pair<std::string, int64_t>, std::string> dimCache;
  uint64_t initializerBytes = 0;
};

} // namespace mlir::ost::onnxexport

#endif // OST_LIB_TARGET_ONNX_GRAPHBUILDER_H
