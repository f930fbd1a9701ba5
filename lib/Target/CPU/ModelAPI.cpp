//===- ModelAPI.cpp - LLVM IR of a compiled model and its C API -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Translates the lowered step to LLVM IR and adds, with IRBuilder:
//  - `ost_model_info_data`: the model's ostrt_model_info (ModelABI.h), whose
//    `step` is the step's C interface `_mlir_ciface_ost_step`;
//  - the C API over the session (Session.h): `<prefix>_create`, `_destroy`,
//    `_reset`, `_forward`, `_prefill`, `_decode`, `_position`, `_capacity`,
//    `_vocab_size`, `_error` (declared by getCAPIHeader);
//  - for executables, `ost_main_model_info()` that ostmain's main() reads;
//  - hidden visibility for everything else, so that models loaded together
//    each run their own step.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Target/CPU/CPUBackend.h"
#include "ost/runtime/ModelABI.h"
#include "ost/runtime/ModelInfoFields.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace {

using ::ost::runtime::abi::InfoEntry;
using ::ost::runtime::abi::kModelInfoEntries;
using FieldType = ::ost::runtime::abi::InfoType;
using FieldSource = ::ost::runtime::abi::InfoSource;

/// The numeric value of an ost.model_info entry (integers exactly, floats
/// as float).
union InfoValue {
  int64_t i;
  float f;
};

/// Reads `ost.model_info` (convert-ost-to-cpu) by ModelABI.def's names;
/// emits an error naming the missing or mistyped entries otherwise.
std::optional<llvm::StringMap<InfoValue>> readModelInfo(ModuleOp module) {
  auto info = module->getAttrOfType<mlir::ost::ModelInfoAttr>("ost.model_info");
  if (!info) {
    module.emitError("the module has no ost.model_info: run "
                     "convert-ost-to-cpu first");
    return std::nullopt;
  }
  llvm::StringMap<InfoValue> values;
  SmallVector<StringRef> missing;
  for (const InfoEntry &entry : kModelInfoEntries) {
    if (entry.source != FieldSource::ATTR)
      continue;
    std::optional<double> value = info.lookup(entry.name);
    if (!value) {
      missing.push_back(entry.name);
      continue;
    }
    InfoValue v;
    if (entry.type == FieldType::I64)
      v.i = static_cast<int64_t>(*value);
    else
      v.f = static_cast<float>(*value);
    values[entry.name] = v;
  }
  if (!missing.empty()) {
    // A .def entry the attribute does not have: the two were changed apart.
    module.emitError("#ost.model_info has no entry ")
        << llvm::join(missing, ", ") << " of ModelABI.def: " << info;
    return std::nullopt;
  }
  return values;
}

/// Bytes of the module's constant globals (weights and tables).
int64_t getConstantBytes(llvm::Module &module) {
  const llvm::DataLayout &layout = module.getDataLayout();
  int64_t bytes = 0;
  for (llvm::GlobalVariable &global : module.globals())
    if (global.isConstant() && global.hasInitializer())
      bytes += layout.getTypeAllocSize(global.getValueType());
  return bytes;
}

/// Adds the info global and the C API functions.
void addModelAPI(llvm::Module &module,
                 const llvm::StringMap<InfoValue> &values,
                 const mlir::ost::CPUBackendOptions &options,
                 llvm::Function *stepInterface) {
  llvm::LLVMContext &ctx = module.getContext();
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *f32 = llvm::Type::getFloatTy(ctx);
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *voidTy = llvm::Type::getVoidTy(ctx);

  // struct ostrt_model_info, field by field from ModelABI.def.
  auto llvmType = [&](FieldType type) -> llvm::Type * {
    switch (type) {
    case FieldType::I64:
      return i64;
    case FieldType::F32:
      return f32;
    case FieldType::STEP:
    case FieldType::STRING:
      return ptr;
    }
    llvm_unreachable("covered switch");
  };
  SmallVector<llvm::Type *> fieldTypes;
  for (const InfoEntry &entry : kModelInfoEntries)
    if (entry.isField)
      fieldTypes.push_back(llvmType(entry.type));
  auto *infoType =
      llvm::StructType::create(ctx, fieldTypes, "ostrt_model_info");
  llvm::Constant *description = llvm::ConstantDataArray::getString(
      ctx, options.description, /*AddNull=*/true);
  auto *descriptionGlobal = new llvm::GlobalVariable(
      module, description->getType(), /*isConstant=*/true,
      llvm::GlobalValue::PrivateLinkage, description, "ost_model_description");
  auto c64 = [&](int64_t v) { return llvm::ConstantInt::get(i64, v); };
  auto *info = new llvm::GlobalVariable(
      module, infoType, /*isConstant=*/true, llvm::GlobalValue::InternalLinkage,
      nullptr, "ost_model_info_data");
  // weight_bytes: what a decode step reads, i.e. the constants (counted
  // before the info global exists) without the description and the
  // embedding tables, of which a step reads one row per token.
  int64_t weightBytes = getConstantBytes(module) -
                        module.getDataLayout().getTypeAllocSize(
                            description->getType()) -
                        values.lookup("embedding_bytes").i;
  SmallVector<llvm::Constant *> fields;
  for (const InfoEntry &entry : kModelInfoEntries) {
    if (!entry.isField)
      continue;
    switch (entry.source) {
    case FieldSource::ATTR:
      if (entry.type == FieldType::F32)
        fields.push_back(
            llvm::ConstantFP::get(f32, values.lookup(entry.name).f));
      else
        fields.push_back(c64(values.lookup(entry.name).i));
      break;
    case FieldSource::VERSION:
      fields.push_back(c64(kOstrtAbiVersion));
      break;
    case FieldSource::STEP:
      fields.push_back(stepInterface);
      break;
    case FieldSource::DESCRIPTION:
      fields.push_back(descriptionGlobal);
      break;
    case FieldSource::WEIGHT_BYTES:
      fields.push_back(c64(weightBytes));
      break;
    }
  }
  info->setInitializer(llvm::ConstantStruct::get(infoType, fields));

  auto declare = [&](StringRef name, llvm::Type *result,
                     ArrayRef<llvm::Type *> params) {
    return module.getOrInsertFunction(
        name, llvm::FunctionType::get(result, params, false));
  };
  auto sessionCreate =
      declare("ostrt_session_create", ptr, {ptr, i32, i64, ptr, i64});
  auto sessionDestroy = declare("ostrt_session_destroy", voidTy, {ptr});
  auto sessionReset = declare("ostrt_session_reset", voidTy, {ptr});
  auto sessionForward =
      declare("ostrt_session_forward", i32, {ptr, ptr, i64, ptr, i32});
  auto sessionPosition = declare("ostrt_session_position", i64, {ptr});
  auto sessionCapacity = declare("ostrt_session_capacity", i64, {ptr});
  auto sessionError = declare("ostrt_session_error", ptr, {ptr});

  llvm::IRBuilder<> b(ctx);
  auto define = [&](StringRef suffix, llvm::Type *result,
                    ArrayRef<llvm::Type *> params) {
    auto *fn = llvm::Function::Create(
        llvm::FunctionType::get(result, params, false),
        llvm::GlobalValue::ExternalLinkage, options.symbolPrefix + suffix.str(),
        module);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", fn));
    return fn;
  };
  auto arg = [](llvm::Function *fn, unsigned i) { return fn->getArg(i); };

  llvm::Function *fn = define("_create", ptr, {i32, i64, ptr, i64});
  b.CreateRet(b.CreateCall(sessionCreate, {info, arg(fn, 0), arg(fn, 1),
                                           arg(fn, 2), arg(fn, 3)}));
  fn = define("_destroy", voidTy, {ptr});
  b.CreateCall(sessionDestroy, {arg(fn, 0)});
  b.CreateRetVoid();
  fn = define("_reset", voidTy, {ptr});
  b.CreateCall(sessionReset, {arg(fn, 0)});
  b.CreateRetVoid();
  fn = define("_forward", i32, {ptr, ptr, i64, ptr, i32});
  b.CreateRet(b.CreateCall(sessionForward, {arg(fn, 0), arg(fn, 1), arg(fn, 2),
                                            arg(fn, 3), arg(fn, 4)}));
  fn = define("_prefill", i32, {ptr, ptr, i64, ptr});
  b.CreateRet(b.CreateCall(sessionForward, {arg(fn, 0), arg(fn, 1), arg(fn, 2),
                                            arg(fn, 3),
                                            llvm::ConstantInt::get(i32, 0)}));
  fn = define("_decode", i32, {ptr, i32, ptr});
  llvm::Value *token = b.CreateAlloca(i32);
  b.CreateStore(arg(fn, 1), token);
  b.CreateRet(b.CreateCall(sessionForward,
                           {arg(fn, 0), token, c64(1), arg(fn, 2),
                            llvm::ConstantInt::get(i32, 0)}));
  fn = define("_position", i64, {ptr});
  b.CreateRet(b.CreateCall(sessionPosition, {arg(fn, 0)}));
  fn = define("_capacity", i64, {ptr});
  b.CreateRet(b.CreateCall(sessionCapacity, {arg(fn, 0)}));
  fn = define("_vocab_size", i64, {ptr});
  b.CreateRet(c64(values.lookup("vocab_size").i));
  fn = define("_error", ptr, {ptr});
  b.CreateRet(b.CreateCall(sessionError, {arg(fn, 0)}));

  {
    auto *mainInfo = llvm::Function::Create(
        llvm::FunctionType::get(ptr, {}, false),
        llvm::GlobalValue::ExternalLinkage, "ost_main_model_info", module);
    // Linked into the executable, never exported from a shared library.
    mainInfo->setVisibility(llvm::GlobalValue::HiddenVisibility);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", mainInfo));
    b.CreateRet(info);
  }
}

/// Gives every definition of the translated step hidden visibility (called
/// before the C API is added, so the API is all that a shared library
/// exports). The step (`ost_step`, `_mlir_ciface_ost_step`), its helpers and
/// the weights have the same names in every compiled model. Exported, they
/// would be interposed by ELF symbol resolution when two models are loaded
/// in one process: the second model's info would point to the first
/// model's step and weights, which fails on a shape check when the models
/// differ and silently runs the wrong weights when they share an
/// architecture.
void hideStep(llvm::Module &module) {
  for (llvm::GlobalValue &value : module.global_values())
    if (!value.isDeclaration() && !value.hasLocalLinkage())
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
}

} // namespace

std::unique_ptr<llvm::Module>
mlir::ost::translateCPUModel(ModuleOp module, llvm::LLVMContext &llvmContext,
                             const CPUBackendOptions &options) {
  std::optional<llvm::StringMap<InfoValue>> fields = readModelInfo(module);
  if (!fields)
    return nullptr;
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "ost_model");
  if (!llvmModule)
    return nullptr;
  llvm::Function *step = llvmModule->getFunction("_mlir_ciface_ost_step");
  if (!step) {
    module.emitError("the module has no step (_mlir_ciface_ost_step): run "
                     "convert-ost-to-cpu first");
    return nullptr;
  }
  hideStep(*llvmModule);
  addModelAPI(*llvmModule, *fields, options, step);
  return llvmModule;
}

std::string mlir::ost::getCAPIHeader(const std::string &prefix,
                                     const std::string &description) {
  std::string guard;
  for (char c : prefix)
    guard += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  guard += "_H";
  std::string p = prefix;
  std::string h;
  h += "/* " + p + ".h - C API of a model compiled by ost-compile";
  if (!description.empty())
    h += " (" + description + ")";
  h += ".\n"
       " *\n"
       " * A session holds the KV cache of one sequence. Link with lib" +
       p + ".so.\n"
       " *   " + p + "_session *s = " + p + "_create(0, 0, err, sizeof err);\n"
       " *   " + p + "_prefill(s, prompt, n, logits);     // logits[vocab]\n"
       " *   " + p + "_decode(s, next_token, logits);     // one more token\n"
       " *   " + p + "_destroy(s);\n"
       " * Functions returning int return 0 on success and -1 on error (see " +
       p + "_error). */\n";
  h += "#ifndef " + guard + "\n#define " + guard + "\n\n";
  h += "#include <stddef.h>\n#include <stdint.h>\n\n";
  h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h += "typedef struct " + p + "_session " + p + "_session;\n\n";
  h += "/* A session with num_threads threads (0: one per core) and a KV cache "
       "of\n   max_tokens positions (0: the model's maximum). NULL on failure, "
       "with a\n   message in error (error_size bytes, may be NULL). */\n";
  h += p + "_session *" + p +
       "_create(int32_t num_threads, int64_t max_tokens, char *error, "
       "size_t error_size);\n";
  h += "void " + p + "_destroy(" + p + "_session *s);\n";
  h += "/* Forget the cached tokens. */\nvoid " + p + "_reset(" + p +
       "_session *s);\n";
  h += "/* Run count tokens after the cached ones; logits of all rows "
       "([count][vocab])\n   if all_rows, else of the last ([vocab]); logits "
       "may be NULL. */\n";
  h += "int " + p + "_forward(" + p +
       "_session *s, const int32_t *tokens, int64_t count, float *logits, "
       "int32_t all_rows);\n";
  h += "/* forward with all_rows = 0. */\nint " + p + "_prefill(" + p +
       "_session *s, const int32_t *tokens, int64_t count, float *logits);\n";
  h += "/* One token with the KV cache; logits[vocab]. */\nint " + p +
       "_decode(" + p + "_session *s, int32_t token, float *logits);\n";
  h += "int64_t " + p + "_position(" + p + "_session *s);\n";
  h += "int64_t " + p + "_capacity(" + p + "_session *s);\n";
  h += "int64_t " + p + "_vocab_size(" + p + "_session *s);\n";
  h += "/* The message of the last failed call (\"\" if none). */\n";
  h += "const char *" + p + "_error(" + p + "_session *s);\n\n";
  h += "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " + guard + " */\n";
  return h;
}
