//===- NVVMLowering.h - shared pieces of convert-ost-qlinear-to-nvvm -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Internal to the conversion: the kernel configurations, a small builder for
// kernel bodies (constants, shared memory through an `.extern .shared`
// array, warp reductions, exact round-half-even), and the kernel emitters,
// one per kernel family:
//
//   W4A4Prologue.cpp  fused online Hadamard + per-token asymmetric int4
//                     quantization of a CTA's rows into shared memory
//   IntMma.cpp        the integer tensor-core step (TargetInfo picks s4
//                     m16n8k64 or s8 m16n8k32 on widened nibbles)
//   W4A4Gemm.cpp      the W4A4 GEMM kernel (prologue, MMA main loop,
//                     dequantizing epilogue)
//   W4A16Gemv.cpp     the W4A16 GEMV kernel (int4 dequantized in registers)
//   QLinearKernels.cpp which kernel an ost.qlinear gets, and the checks
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_CONVERSION_OSTTONVVM_NVVMLOWERING_H
#define OST_LIB_CONVERSION_OSTTONVVM_NVVMLOWERING_H

#include "ost/Conversion/OSTToNVVM/TargetInfo.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

#include <map>

namespace mlir::ost::nvvm {

/// Threads of every qlinear kernel's CTA: four warps.
constexpr int64_t kThreads = 128;
constexpr int64_t kWarps = kThreads / 32;
/// W4A4: output columns per CTA (each warp owns kNTiles MMA tiles of 8).
constexpr int64_t kNTiles = 4;
constexpr int64_t kGemmColumns = kWarps * kNTiles * 8;
/// W4A4: K advances by 128 (two int4 MMA k-blocks) per main-loop step.
constexpr int64_t kGemmKStep = 128;
/// W4A4: bytes of padding after each activation row in shared memory, so
/// the 16-byte fragment loads of rows g and g+1 fall in different banks.
constexpr int64_t kRowPadBytes = 64;
/// W4A16: rows (tokens) per CTA; one warp per output column.
constexpr int64_t kGemvRows = 4;
/// Name of the `.extern .shared` array the kernels carve up.
constexpr llvm::StringLiteral kSharedMemoryName = "ost_dynamic_smem";

/// A W4A4 GEMM kernel: out[M, N] = dequant(quant(had(x)) · wᵀ) (+ bias).
struct W4A4GemmConfig {
  int64_t n = 0, k = 0;
  /// Apply the online Hadamard of size k (a power of two) first.
  bool hadamard = false;
  bool bias = false;
  /// Clip ratio of the activation quantizer.
  double clip = 1.0;
  /// Element type of x and out (f16, bf16, f32).
  Type elementType;
  /// Rows of x per CTA (a multiple of 16), chosen by chooseGemmRows.
  int64_t rows = 16;
};

/// A W4A16 GEMV kernel: out[M, N] = x · (w·sw)ᵀ (+ bias), M small.
struct W4A16GemvConfig {
  int64_t n = 0, k = 0;
  bool bias = false;
  Type elementType;
};

/// Shared-memory layout of the W4A4 kernel (byte offsets).
struct GemmSharedLayout {
  int64_t rowBytes = 0;        // one int4 activation row plus padding
  int64_t scales = 0;          // f32 [rows]: per-token scales
  int64_t zeroPoints = 0;      // i32 [rows]: per-token zero points
  int64_t reduction = 0;       // f32 [2 * kWarps]: per-warp min / max
  int64_t hadamard = 0;        // f32 [k]: one row being transformed
  int64_t total = 0;
};

/// The layout for `config` (k, rows, hadamard).
GemmSharedLayout getGemmSharedLayout(const W4A4GemmConfig &config);

/// The largest row tile in {64, 32, 16} whose layout fits the target's
/// shared memory; 0 if none does.
int64_t chooseGemmRows(W4A4GemmConfig config, const TargetInfo &target);

/// Emits the kernels into `module` (the insertion point is moved).
gpu::GPUFuncOp emitW4A4Gemm(OpBuilder &b, Location loc, StringRef name,
                            const W4A4GemmConfig &config,
                            const TargetInfo &target);
gpu::GPUFuncOp emitW4A16Gemv(OpBuilder &b, Location loc, StringRef name,
                             const W4A16GemvConfig &config);

/// Thin helpers over an OpBuilder for kernel bodies.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  OpBuilder &b;
  Location loc;

  Value index(int64_t v);
  Value i32(int64_t v);
  Value f32(double v);
  Value add(Value x, Value y);
  Value sub(Value x, Value y);
  Value mul(Value x, Value y);
  Value minIndex(Value x, Value y);

  /// threadIdx.x, blockIdx.{x,y} as index.
  Value threadId();
  Value blockId(gpu::Dimension dim);

  /// A pointer to byte `offset` (index) of the kernel's dynamic shared
  /// memory.
  Value sharedPtr(Value offset);
  Value sharedLoad(Type type, Value offset, int64_t alignment);
  void sharedStore(Value value, Value offset, int64_t alignment);
  void barrier();

  /// x reduced over the warp with `combine` (butterfly shuffles).
  Value warpReduce(Value x, function_ref<Value(Value, Value)> combine);

  /// Round half to even for |x| < 2^22, exactly as the CPU runtime
  /// (x + 1.5·2^23) − 1.5·2^23 in float32.
  Value roundHalfEven(Value x);

  /// Four i32 words from a 1-D i32 memref at `offset` (a multiple of 4):
  /// one 16-byte load.
  Value loadWords(Value memref, Value offset);

  /// `count` consecutive elements of a 1-D memref from `offset`, as f32.
  Value loadAsF32(Value memref, Value offset, int64_t count);
  /// Stores f32 values (a vector) converted to the memref's element type.
  void storeFromF32(Value values, Value memref, Value offset);
};

/// The integer MMA step of the W4A4 main loop on `target`: c += a·b for
/// one m16n8k64 int4 tile. `a` holds the four A words, `b` the two B words
/// (8 int4 each, element i in bits 4i..4i+3) and `c` four accumulators.
/// On sm_90a the nibbles are widened to bytes scaled by 16 (two s8 MMAs),
/// so the accumulators hold 256× the int4 products: see getIntMmaShift.
SmallVector<Value, 4> emitIntMma(KernelBuilder &kb, const TargetInfo &target,
                                 ArrayRef<Value> a, ArrayRef<Value> b,
                                 ArrayRef<Value> c);
/// log2 of the factor emitIntMma's accumulators carry (0 or 8).
int64_t getIntMmaShift(const TargetInfo &target);

/// Emits the fused prologue of the W4A4 kernel: rows m0 .. m0+rows−1 of x
/// (clamped to M−1) optionally Hadamard-transformed, quantized per token to
/// 4 bits (asymmetric, clip ratio), stored as signed levels q−8 into the
/// shared-memory strip, with the scales and zero points.
void emitQuantizePrologue(KernelBuilder &kb, const W4A4GemmConfig &config,
                          const GemmSharedLayout &layout, Value x, Value m,
                          Value m0);

} // namespace mlir::ost::nvvm

#endif // OST_LIB_CONVERSION_OSTTONVVM_NVVMLOWERING_H
