//===- RuntimeABI.cpp - kernel types from ModelABI.def --------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The function types of the runtime kernels, read from the one ABI table
// (runtime/include/ost/runtime/ModelABI.def) whose C prototypes ModelABI.h
// checks against the same signatures at compile time.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;
using namespace mlir::ost;

namespace {

struct KernelEntry {
  llvm::StringLiteral name;
  llvm::StringLiteral signature;
};

constexpr KernelEntry kKernels[] = {
#define OSTRT_KERNEL(NAME, SIGNATURE) {"ostrt_" #NAME, SIGNATURE},
#include "ost/runtime/ModelABI.def"
};

Type getElementType(MLIRContext *context, StringRef name) {
  return llvm::StringSwitch<Type>(name)
      .Case("f32", Float32Type::get(context))
      .Case("i64", IntegerType::get(context, 64))
      .Case("i32", IntegerType::get(context, 32))
      .Cases({"i8", "u8"}, IntegerType::get(context, 8))
      .Default(Type());
}

/// One signature token as an MLIR type (ModelABI.def's spelling).
Type getArgumentType(MLIRContext *context, StringRef token) {
  if (token == "ctx")
    return LLVM::LLVMPointerType::get(context);
  if (token.size() > 2 && token[0] == 'm' && token[1] >= '1' &&
      token[1] <= '9') {
    Type element = getElementType(context, token.drop_front(2));
    if (!element)
      return Type();
    SmallVector<int64_t> shape(token[1] - '0', ShapedType::kDynamic);
    return cpu::getABIType(MemRefType::get(shape, element));
  }
  if (token == "i64" || token == "f32")
    return getElementType(context, token);
  return Type();
}

} // namespace

FunctionType cpu::getRuntimeKernelType(MLIRContext *context, StringRef name) {
  for (const KernelEntry &kernel : kKernels) {
    if (kernel.name != name)
      continue;
    SmallVector<StringRef> tokens;
    kernel.signature.split(tokens, ' ', -1, /*KeepEmpty=*/false);
    SmallVector<Type> inputs;
    for (StringRef token : tokens) {
      Type type = getArgumentType(context, token);
      if (!type)
        llvm::report_fatal_error("ModelABI.def: bad token '" + token +
                                 "' in the signature of " + name);
      inputs.push_back(type);
    }
    return FunctionType::get(context, inputs, {});
  }
  return nullptr;
}
