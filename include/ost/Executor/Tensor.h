//===- Tensor.h - owning dense tensors of the executor ----------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The value type of the reference executor: a contiguous row-major N-d array
// of float32 or integers with its shape. Every floating-point element type of
// the IR (f32, f16, bf16, f64) is held as float32; integers are held as int8
// when the IR type is at most 8 bits wide (packed weights, levels, zero
// points) and as int64 otherwise (token ids, index tensors). The IR bit width
// is kept so that unsigned levels (asymmetric quantization) can be read back.
//
//===----------------------------------------------------------------------===//

#ifndef OST_EXECUTOR_TENSOR_H
#define OST_EXECUTOR_TENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mlir::ost {

namespace detail {
/// A std::allocator whose default construction leaves scalars uninitialized,
/// so kernels that overwrite every element skip a zero-fill pass.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U> &) {}
  template <typename U>
  void construct(U *p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void *>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U *p, Args &&...args) {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
};

/// Element storage of a Tensor.
template <typename T>
using TensorStorage = std::vector<T, DefaultInitAllocator<T>>;
} // namespace detail

/// Storage type of a Tensor.
enum class DType : uint8_t {
  /// float32 (any floating-point IR element type).
  F32,
  /// int8 storage for integer IR types of at most 8 bits.
  I8,
  /// int64 storage for wider integer and index IR types.
  I64,
};

/// An owning, contiguous, row-major tensor. Copying copies the data; moving
/// is cheap. A default-constructed tensor is a float32 scalar 0.
class Tensor {
public:
  /// A float32 scalar 0.
  Tensor();
  /// A zero-filled tensor of the given shape. `intWidth` is the IR bit width
  /// of an integer tensor (ignored for F32; defaults to 8 for I8, 64 for I64).
  explicit Tensor(llvm::ArrayRef<int64_t> shape, DType dtype = DType::F32,
                  unsigned intWidth = 0);

  /// A tensor of the given shape whose elements are left uninitialized, for
  /// kernels that write every element.
  static Tensor uninitialized(llvm::ArrayRef<int64_t> shape,
                              DType dtype = DType::F32, unsigned intWidth = 0);

  /// A float32 tensor holding `values` (size must be the shape's product).
  static Tensor fromFloats(llvm::ArrayRef<int64_t> shape,
                           llvm::ArrayRef<float> values);
  /// An integer tensor holding `values`, stored as `dtype` (I8 or I64) with
  /// the given IR bit width (0: the storage width). Values are truncated to
  /// the storage type.
  static Tensor fromInts(llvm::ArrayRef<int64_t> shape,
                         llvm::ArrayRef<int64_t> values,
                         DType dtype = DType::I64, unsigned intWidth = 0);

  /// The storage type.
  DType getDType() const { return dtype; }
  /// True for float32 tensors.
  bool isFloat() const { return dtype == DType::F32; }
  /// True for integer tensors (I8 or I64).
  bool isInteger() const { return dtype != DType::F32; }
  /// The IR bit width of an integer tensor (32 for floats).
  unsigned getIntWidth() const { return intWidth; }

  /// The dimensions.
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  /// The number of dimensions.
  int64_t getRank() const { return static_cast<int64_t>(shape.size()); }
  /// The size of dimension `i`; negative `i` counts from the end.
  int64_t getDimSize(int64_t i) const;
  /// The number of elements (1 for a rank-0 tensor).
  int64_t getNumElements() const { return numElements; }
  /// The product of every dimension but the last: the number of rows of a
  /// tensor viewed as [rows, lastDim]. 1 for rank 0.
  int64_t getNumRows() const;

  /// The float32 elements (F32 only).
  float *getFloatData();
  const float *getFloatData() const;
  llvm::MutableArrayRef<float> getFloats();
  llvm::ArrayRef<float> getFloats() const;
  /// The int8 elements (I8 only).
  int8_t *getI8Data();
  const int8_t *getI8Data() const;
  /// The int64 elements (I64 only).
  int64_t *getI64Data();
  const int64_t *getI64Data() const;

  /// The storage bytes, for dtype-agnostic copies.
  void *getRawData();
  const void *getRawData() const;
  /// Bytes per stored element: 4 (F32), 1 (I8) or 8 (I64).
  int64_t getElementByteSize() const;

  /// Element `i` (flat index) of an integer tensor, sign-extended.
  int64_t getInt(int64_t i) const;
  /// Element `i` of an integer tensor read as an unsigned value of the IR
  /// bit width (e.g. the asymmetric level 255 stored in an i8).
  int64_t getUnsigned(int64_t i) const;
  /// Sets element `i` of an integer tensor (truncated to the storage type).
  void setInt(int64_t i, int64_t value);

  /// Changes the shape in place; fails (returns false, no change) if the
  /// number of elements differs.
  bool reshape(llvm::ArrayRef<int64_t> newShape);

  /// The shape as text, e.g. "[1, 8, 64]".
  std::string getShapeString() const;

  /// True if both tensors have the same dtype, shape and bitwise-equal data.
  bool bitwiseEquals(const Tensor &other) const;

private:
  llvm::SmallVector<int64_t, 4> shape;
  int64_t numElements = 1;
  DType dtype = DType::F32;
  unsigned intWidth = 32;
  detail::TensorStorage<float> floats;
  detail::TensorStorage<int8_t> i8s;
  detail::TensorStorage<int64_t> i64s;

  /// Sets the shape and allocates uninitialized storage.
  void allocate(llvm::ArrayRef<int64_t> newShape, DType newDType,
                unsigned newIntWidth);
};

/// Formats a shape as "[d0, d1, ...]".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace mlir::ost

#endif // OST_EXECUTOR_TENSOR_H
