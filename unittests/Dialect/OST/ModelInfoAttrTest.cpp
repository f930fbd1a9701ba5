//===- ModelInfoAttrTest.cpp - #ost.model_info vs ModelABI.def ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The attribute's parameters are the runtime ABI's entries taken from it
// (ModelABI.def's fields with source ATTR and its attribute-only entries):
// every such entry is a parameter of the same name, lookup reads it, and the
// attribute has no other parameter. A .def edit that forgets the attribute
// (or the reverse) fails here, not in a compiled model.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/runtime/ModelInfoFields.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/StringSet.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::ost;
namespace rtabi = ::ost::runtime::abi;

namespace {

TEST(ModelInfoAttr, ParametersAreTheABIEntries) {
  MLIRContext context;
  context.loadDialect<OSTDialect>();
  Builder b(&context);
  // Distinct values, so that lookup returning the wrong parameter shows.
  auto info = ModelInfoAttr::get(&context, 101, 102, 103, 104, 105, 4, 8,
                                 b.getF32FloatAttr(0.5f),
                                 b.getF32FloatAttr(0.25f), 106);
  std::map<std::string, double> want = {
      {"vocab_size", 101}, {"num_layers", 102},    {"num_kv_heads", 103},
      {"head_dim", 104},   {"max_positions", 105}, {"k_bits", 4},
      {"v_bits", 8},       {"k_clip", 0.5},        {"v_clip", 0.25},
      {"embedding_bytes", 106}};

  llvm::StringSet<> abiNames;
  for (const rtabi::InfoEntry &entry : rtabi::kModelInfoEntries) {
    if (entry.source != rtabi::InfoSource::ATTR)
      continue;
    abiNames.insert(entry.name);
    std::optional<double> value = info.lookup(entry.name);
    ASSERT_TRUE(value) << "#ost.model_info has no parameter '" << entry.name
                       << "' of ModelABI.def";
    ASSERT_TRUE(want.count(entry.name)) << entry.name;
    EXPECT_EQ(*value, want[entry.name]) << entry.name;
    bool isFloat = entry.type == rtabi::InfoType::F32;
    EXPECT_EQ(isFloat, llvm::StringRef(entry.name).ends_with("_clip"))
        << entry.name << ": the .def's type differs from the parameter's";
  }

  // Every printed parameter is an ABI entry (none extra).
  std::string text;
  llvm::raw_string_ostream os(text);
  Attribute(info).print(os);
  llvm::StringRef rest = text;
  rest = rest.drop_front(rest.find('<') + 1);
  int64_t printed = 0;
  while (!rest.empty()) {
    size_t eq = rest.find(" = ");
    if (eq == llvm::StringRef::npos)
      break;
    llvm::StringRef name = rest.take_front(eq).trim(", ");
    EXPECT_TRUE(abiNames.contains(name))
        << "parameter '" << name.str() << "' is not in ModelABI.def";
    ++printed;
    size_t comma = rest.find(", ", eq);
    rest = comma == llvm::StringRef::npos ? "" : rest.drop_front(comma + 2);
  }
  EXPECT_EQ(printed, static_cast<int64_t>(abiNames.size())) << text;

  // It round-trips through the parser.
  EXPECT_EQ(parseAttribute(text, &context), info) << text;
}

} // namespace
