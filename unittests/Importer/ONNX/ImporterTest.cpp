//===- ImporterTest.cpp - the ONNX importer's C++ API ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// What lit tests cannot reach: models built with the protobuf API and
// written with their external data into a temporary folder, the options
// struct, and the failure paths of the file API. Every failure must be a
// diagnostic and a failed result, never a crash.
//
//===----------------------------------------------------------------------===//

#include "ost/Importer/ONNX/ONNXImporter.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/onnx_pb.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace mlir;
using namespace mlir::ost;

namespace {

constexpr int64_t K = 4, N = 3;

/// W[k, n] = 10 k + n (the [K, N] layout torch.onnx stores).
std::vector<float> weightValues() {
  std::vector<float> w;
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n)
      w.push_back(10.0f * k + n);
  return w;
}

/// y = MatMul(x, W) with W external at `location`, offset 8.
onnx::ModelProto externalModel(const std::string &location,
                               int64_t length = K * N * 4) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto *opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("g");
  onnx::TensorProto *w = graph->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(K);
  w->add_dims(N);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto addEntry = [&](const std::string &key, const std::string &value) {
    auto *e = w->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  addEntry("location", location);
  addEntry("offset", "8");
  addEntry("length", std::to_string(length));
  onnx::NodeProto *node = graph->add_node();
  node->set_name("/model/layers.2/mlp/down_proj/MatMul");
  node->set_op_type("MatMul");
  node->add_input("x");
  node->add_input("w");
  node->add_output("y");
  auto addValue = [](onnx::ValueInfoProto *vi, const char *name, int64_t last) {
    vi->set_name(name);
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("batch");
    tt->mutable_shape()->add_dim()->set_dim_value(last);
  };
  addValue(graph->add_input(), "x", K);
  addValue(graph->add_output(), "y", N);
  return model;
}

class ImporterTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("ost-importer", dir));
  }
  void TearDown() override {
    // The folder only holds the files written below.
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec))
      llvm::sys::fs::remove(it->path());
    llvm::sys::fs::remove(dir);
  }

  std::string path(StringRef name) {
    SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }

  void writeFile(StringRef name, const std::string &bytes) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path(name), ec);
    ASSERT_FALSE(ec);
    os << bytes;
  }

  /// Side file: 8 junk bytes, then the weight.
  std::string sideFile() {
    std::vector<float> w = weightValues();
    std::string bytes(8, '\x7f');
    bytes.append(reinterpret_cast<const char *>(w.data()), w.size() * 4);
    return bytes;
  }

  /// Imports `file`; collects the diagnostics.
  FailureOr<OwningOpRef<ModuleOp>> import(StringRef file,
                                          const ImportOptions &options = {}) {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      errors += diag.str() + "\n";
      return success();
    });
    return importONNXFile(file, context, options);
  }

  SmallString<128> dir;
  MLIRContext context;
  std::string errors;
};

#define EXPECT_CONTAINS(text, needle)                                          \
  EXPECT_NE((text).find(needle), std::string::npos) << (text)

/// The raw bytes of the linear layer's weight constant.
ArrayRef<char> linearWeightBytes(ModuleOp module, LinearOp &linear) {
  module.walk([&](LinearOp op) { linear = op; });
  if (!linear)
    return {};
  auto cst = linear.getWeight().getDefiningOp<arith::ConstantOp>();
  auto attr =
      cst ? dyn_cast<DenseResourceElementsAttr>(cst.getValue()) : nullptr;
  if (!attr || !attr.getRawHandle().getBlob())
    return {};
  return attr.getRawHandle().getBlob()->getData();
}

TEST_F(ImporterTest, ExternalDataIsReadAndTransposed) {
  writeFile("model.onnx", externalModel("weights.bin").SerializeAsString());
  writeFile("weights.bin", sideFile());
  ImportOptions options;
  options.resourceThreshold = 1;
  FailureOr<OwningOpRef<ModuleOp>> module = import(path("model.onnx"), options);
  ASSERT_TRUE(succeeded(module)) << errors;
  LinearOp linear;
  ArrayRef<char> bytes = linearWeightBytes(**module, linear);
  ASSERT_EQ(bytes.size(), static_cast<size_t>(K * N * 4));
  EXPECT_EQ(linear.getRole(), LinearRole::DownProj);
  EXPECT_EQ(linear.getLayer(), 2);
  // Stored as PyTorch's [N, K]: element (n, k) is W[k, n] = 10 k + n.
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      float v;
      std::memcpy(&v, bytes.data() + (n * K + k) * 4, 4);
      EXPECT_EQ(v, 10.0f * k + n) << "n=" << n << " k=" << k;
    }
}

TEST_F(ImporterTest, ExternalDataDirOption) {
  // The model is imported from a buffer; the folder comes from the options.
  writeFile("weights.bin", sideFile());
  std::string bytes = externalModel("weights.bin").SerializeAsString();
  ImportOptions options;
  options.externalDataDir = std::string(dir);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    errors += diag.str() + "\n";
    return success();
  });
  FailureOr<OwningOpRef<ModuleOp>> module =
      importONNXBuffer(bytes, "in-memory.onnx", context, options);
  ASSERT_TRUE(succeeded(module)) << errors;
}

TEST_F(ImporterTest, RefusesLocationsOutsideTheFolder) {
  writeFile("weights.bin", sideFile());
  for (std::string location :
       {std::string("../weights.bin"), std::string("sub/../../weights.bin"),
        path("weights.bin"), std::string("..\\weights.bin")}) {
    errors.clear();
    writeFile("model.onnx", externalModel(location).SerializeAsString());
    EXPECT_TRUE(failed(import(path("model.onnx"))));
    EXPECT_CONTAINS(errors,
                    "initializer 'w': refusing external-data location '" +
                        location + "'");
  }
}

TEST_F(ImporterTest, TruncatedAndMissingSideFiles) {
  writeFile("model.onnx", externalModel("weights.bin").SerializeAsString());
  EXPECT_TRUE(failed(import(path("model.onnx"))));
  EXPECT_CONTAINS(errors, "initializer 'w': external-data file 'weights.bin' "
                          "not found");

  errors.clear();
  writeFile("weights.bin", sideFile().substr(0, 20));
  EXPECT_TRUE(failed(import(path("model.onnx"))));
  EXPECT_CONTAINS(errors, "is truncated: the tensor needs bytes [8, 56) but "
                          "the file has 20 bytes");

  errors.clear();
  writeFile("weights.bin", sideFile());
  writeFile("model.onnx", externalModel("weights.bin", 12).SerializeAsString());
  EXPECT_TRUE(failed(import(path("model.onnx"))));
  EXPECT_CONTAINS(errors, "external data holds 12 bytes, expected 48");
}

TEST_F(ImporterTest, MissingAndMalformedModels) {
  EXPECT_TRUE(failed(import(path("nothing-here.onnx"))));
  EXPECT_CONTAINS(errors, "cannot open ONNX model");

  errors.clear();
  writeFile("bad.onnx", std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  EXPECT_TRUE(failed(import(path("bad.onnx"))));
  EXPECT_CONTAINS(errors, "is not a valid ONNX model");

  errors.clear();
  onnx::ModelProto model = externalModel("weights.bin");
  model.clear_opset_import();
  writeFile("noopset.onnx", model.SerializeAsString());
  EXPECT_TRUE(failed(import(path("noopset.onnx"))));
  EXPECT_CONTAINS(errors, "imports no opset");
}

TEST_F(ImporterTest, TextOptionsAndNoRaise) {
  const char *text = R"(<ir_version: 8, opset_import: ["" : 17]>
g (float[B,T,2] x) => (float[B,T,2] y) {
  ["/model/layers.0/mlp/act_fn/Sigmoid"] s = Sigmoid (x)
  y = Mul (x, s)
})";
  ImportOptions options;
  options.functionName = "main";
  options.dimOverrides["B"] = 1;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    errors += diag.str() + "\n";
    return success();
  });
  FailureOr<OwningOpRef<ModuleOp>> module =
      importONNXBuffer(text, "mlp.onnxtext", context, options);
  ASSERT_TRUE(succeeded(module)) << errors;
  auto func = (*module)->lookupSymbol<func::FuncOp>("main");
  ASSERT_TRUE(func);
  auto argType = cast<RankedTensorType>(func.getArgumentTypes()[0]);
  EXPECT_EQ(argType.getDimSize(0), 1);
  EXPECT_TRUE(argType.isDynamicDim(1));
  int silus = 0;
  (*module)->walk([&](SiLUOp) { ++silus; });
  EXPECT_EQ(silus, 1);

  options.raise = false;
  FailureOr<OwningOpRef<ModuleOp>> raw =
      importONNXBuffer(text, "mlp.onnxtext", context, options);
  ASSERT_TRUE(succeeded(raw)) << errors;
  std::vector<std::string> names;
  (*raw)->walk([&](Operation *op) {
    if (op->getName().getStringRef().starts_with("onnx."))
      names.push_back(op->getName().getStringRef().str());
  });
  EXPECT_EQ(names, (std::vector<std::string>{"onnx.Sigmoid", "onnx.Mul"}));
}

} // namespace
