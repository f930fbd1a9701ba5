//===- CPUBackend.h - from the CPU step to objects and executables -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// After convert-ost-to-cpu, a model is the step function plus globals. The
// backend lowers it to the LLVM dialect, translates it to LLVM IR, adds the
// model's `ostrt_model_info`, its C API (`<prefix>_create`, ...) and the
// hidden `ost_main_model_info()` that the executables' main reads, runs
// LLVM's O3 pipeline and emits an object file in process (TargetMachine),
// and links executables and shared libraries with the system C++ compiler
// against ost's runtime libraries (runtime/, Session.h).
//
//===----------------------------------------------------------------------===//

#ifndef OST_TARGET_CPU_CPUBACKEND_H
#define OST_TARGET_CPU_CPUBACKEND_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <string>

namespace mlir::ost {

struct CPUBackendOptions {
  /// Prefix of the C API (`<prefix>_create`, ...): a C identifier.
  std::string symbolPrefix = "ost_model";
  /// "native" (this machine's CPU and features) or an LLVM CPU name
  /// (x86-64, x86-64-v3, skylake-avx512, ...).
  std::string cpu = "native";
  /// What the model is, for `NAME info` ("ostquant W4A4KV4").
  std::string description;
};

/// Translates an LLVM-dialect module (with the `ost.model_info` attribute
/// convert-ost-to-cpu left) into LLVM IR with the model info and C API
/// added. Null after an error (reported through the module's context).
std::unique_ptr<llvm::Module>
translateCPUModel(ModuleOp module, llvm::LLVMContext &llvmContext,
                  const CPUBackendOptions &options);

/// Sets the target of `module`, runs LLVM's O3 pipeline and writes an object
/// file to `path`. On failure, returns false and sets `error`.
bool emitObjectFile(llvm::Module &module, const CPUBackendOptions &options,
                    const std::string &path, std::string &error);

/// Links `objectPath` with the runtime into an executable (`shared` false)
/// or a shared library at `outputPath` with the C++ compiler ost was built
/// with (or $OST_CXX). On failure, returns false and sets `error` (with the
/// linker's output).
bool linkModel(const std::string &objectPath, const std::string &outputPath,
               bool shared, std::string &error);

/// The C header of the API translateCPUModel adds, for `prefix`.
std::string getCAPIHeader(const std::string &prefix,
                          const std::string &description);

} // namespace mlir::ost

#endif // OST_TARGET_CPU_CPUBACKEND_H
