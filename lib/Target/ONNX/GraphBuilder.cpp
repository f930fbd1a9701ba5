//===- GraphBuilder.cpp - building an onnx::GraphProto --------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "GraphBuilder.h"

#include <cstring>

using namespace mlir;
using namespace mlir::ost::onnxexport;

std::string GraphBuilder::fresh(StringRef hint) {
  std::string base = hint.empty() ? std::string("v") : hint.str();
  if (used.insert(base).second)
    return base;
  unsigned &n = nextSuffix[base];
  while (true) {
    std::string name = base + "_" + std::to_string(++n);
    if (used.insert(name).second)
      return name;
  }
}

onnx::NodeProto &GraphBuilder::node(StringRef opType,
                                    ArrayRef<std::string> inputs,
                                    StringRef hint, unsigned numOutputs,
                                    StringRef domain) {
  onnx::NodeProto *n = graph.add_node();
  n->set_op_type(opType.str());
  if (!domain.empty())
    n->set_domain(domain.str());
  for (const std::string &in : inputs)
    n->add_input(in);
  for (unsigned i = 0; i < numOutputs; ++i)
    n->add_output(fresh(hint));
  n->set_name(n->output(0));
  return *n;
}

void GraphBuilder::setInt(onnx::NodeProto &node, StringRef name,
                          int64_t value) {
  onnx::AttributeProto *a = node.add_attribute();
  a->set_name(name.str());
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void GraphBuilder::setInts(onnx::NodeProto &node, StringRef name,
                           ArrayRef<int64_t> values) {
  onnx::AttributeProto *a = node.add_attribute();
  a->set_name(name.str());
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values)
    a->add_ints(v);
}

void GraphBuilder::setFloat(onnx::NodeProto &node, StringRef name,
                            float value) {
  onnx::AttributeProto *a = node.add_attribute();
  a->set_name(name.str());
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void GraphBuilder::setFloatTensor(onnx::NodeProto &node, StringRef name,
                                  float value) {
  onnx::AttributeProto *a = node.add_attribute();
  a->set_name(name.str());
  a->set_type(onnx::AttributeProto::TENSOR);
  onnx::TensorProto *t = a->mutable_t();
  t->set_data_type(kFloat);
  t->add_dims(1);
  t->add_float_data(value);
}

std::string GraphBuilder::initializer(StringRef hint, int32_t dataType,
                                      ArrayRef<int64_t> dims,
                                      ArrayRef<char> raw) {
  onnx::TensorProto *t = graph.add_initializer();
  std::string name = fresh(hint);
  t->set_name(name);
  t->set_data_type(dataType);
  for (int64_t d : dims)
    t->add_dims(d);
  t->set_raw_data(raw.data(), raw.size());
  initializerBytes += raw.size();
  return name;
}

namespace {
ArrayRef<char> bytesOf(ArrayRef<int64_t> values) {
  return ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                        values.size() * sizeof(int64_t));
}
} // namespace

std::string GraphBuilder::i64(ArrayRef<int64_t> values) {
  std::vector<int64_t> key(values.begin(), values.end());
  auto it = i64Cache.find(key);
  if (it != i64Cache.end())
    return it->second;
  std::string name = initializer("const_i64", kInt64,
                                 {static_cast<int64_t>(values.size())},
                                 bytesOf(values));
  i64Cache.emplace(std::move(key), name);
  return name;
}

std::string GraphBuilder::i64Scalar(int64_t value) {
  std::vector<int64_t> key{value};
  auto it = i64ScalarCache.find(key);
  if (it != i64ScalarCache.end())
    return it->second;
  std::string name = initializer("const_i64", kInt64, {}, bytesOf(key));
  i64ScalarCache.emplace(std::move(key), name);
  return name;
}

std::string GraphBuilder::f32(ArrayRef<float> values, ArrayRef<int64_t> dims) {
  ArrayRef<char> raw(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(float));
  if (values.size() > 16)
    return initializer("const_f32", kFloat, dims, raw);
  std::vector<uint32_t> bits(values.size());
  std::memcpy(bits.data(), values.data(), values.size() * sizeof(float));
  auto key = std::make_pair(std::vector<int64_t>(dims.begin(), dims.end()),
                            std::move(bits));
  auto it = f32Cache.find(key);
  if (it != f32Cache.end())
    return it->second;
  std::string name = initializer("const_f32", kFloat, dims, raw);
  f32Cache.emplace(std::move(key), name);
  return name;
}

std::string GraphBuilder::f64Scalar(double value) {
  return initializer("const_f64", kDouble, {},
                     ArrayRef<char>(reinterpret_cast<const char *>(&value),
                                    sizeof(double)));
}

std::string GraphBuilder::shapeOf(const std::string &x) {
  auto it = shapeCache.find(x);
  if (it != shapeCache.end())
    return it->second;
  std::string name = op("Shape", {x}, x + "_shape");
  shapeCache[x] = name;
  return name;
}

std::string GraphBuilder::dimOf(const std::string &x, int64_t i) {
  auto key = std::make_pair(x, i);
  auto it = dimCache.find(key);
  if (it != dimCache.end())
    return it->second;
  onnx::NodeProto &n = node("Shape", {x}, x + "_dim" + std::to_string(i));
  setInt(n, "start", i);
  setInt(n, "end", i + 1);
  dimCache.emplace(key, n.output(0));
  return n.output(0);
}

std::string GraphBuilder::reshapeLast(const std::string &x, int64_t rank,
                                      ArrayRef<int64_t> tail, StringRef hint) {
  std::vector<int64_t> dims(static_cast<size_t>(rank - 1), 0);
  dims.insert(dims.end(), tail.begin(), tail.end());
  onnx::NodeProto &n = node("Reshape", {x, i64(dims)}, hint);
  setInt(n, "allowzero", 0);
  return n.output(0);
}

std::string GraphBuilder::concatI64(ArrayRef<std::string> pieces,
                                    StringRef hint) {
  if (pieces.size() == 1)
    return pieces.front();
  onnx::NodeProto &n = node("Concat", pieces, hint);
  setInt(n, "axis", 0);
  return n.output(0);
}
