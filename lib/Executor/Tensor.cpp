//===- Tensor.cpp - owning dense tensors for the reference executor -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Tensor.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"

#include <cassert>
#include <cstring>

using namespace mlir::ost;

static int64_t product(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Tensor::Tensor() : floats(1, 0.0f) {}

void Tensor::allocate(llvm::ArrayRef<int64_t> newShape, DType newDType,
                      unsigned newIntWidth) {
  assert(llvm::all_of(newShape, [](int64_t d) { return d >= 0; }) &&
         "negative dimension");
  shape.assign(newShape.begin(), newShape.end());
  numElements = product(newShape);
  dtype = newDType;
  floats.clear();
  i8s.clear();
  i64s.clear();
  switch (dtype) {
  case DType::F32:
    intWidth = 32;
    floats.resize(numElements);
    break;
  case DType::I8:
    intWidth = newIntWidth ? newIntWidth : 8;
    i8s.resize(numElements);
    break;
  case DType::I64:
    intWidth = newIntWidth ? newIntWidth : 64;
    i64s.resize(numElements);
    break;
  }
}

Tensor::Tensor(llvm::ArrayRef<int64_t> shape, DType dtype, unsigned intWidth) {
  allocate(shape, dtype, intWidth);
  if (numElements)
    std::memset(getRawData(), 0, numElements * getElementByteSize());
}

Tensor Tensor::uninitialized(llvm::ArrayRef<int64_t> shape, DType dtype,
                             unsigned intWidth) {
  Tensor t;
  t.allocate(shape, dtype, intWidth);
  return t;
}

Tensor Tensor::fromFloats(llvm::ArrayRef<int64_t> shape,
                          llvm::ArrayRef<float> values) {
  Tensor t(shape, DType::F32);
  assert(static_cast<int64_t>(values.size()) == t.numElements &&
         "value count does not match the shape");
  if (!values.empty())
    std::memcpy(t.floats.data(), values.data(), values.size() * sizeof(float));
  return t;
}

Tensor Tensor::fromInts(llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<int64_t> values, DType dtype,
                        unsigned intWidth) {
  assert(dtype != DType::F32 && "fromInts needs an integer dtype");
  Tensor t(shape, dtype, intWidth);
  assert(static_cast<int64_t>(values.size()) == t.numElements &&
         "value count does not match the shape");
  for (auto [i, v] : llvm::enumerate(values))
    t.setInt(i, v);
  return t;
}

int64_t Tensor::getDimSize(int64_t i) const {
  if (i < 0)
    i += getRank();
  assert(i >= 0 && i < getRank() && "dimension out of range");
  return shape[i];
}

int64_t Tensor::getNumRows() const {
  if (shape.empty())
    return 1;
  return product(llvm::ArrayRef<int64_t>(shape).drop_back());
}

float *Tensor::getFloatData() {
  assert(dtype == DType::F32 && "not a float tensor");
  return floats.data();
}
const float *Tensor::getFloatData() const {
  assert(dtype == DType::F32 && "not a float tensor");
  return floats.data();
}
llvm::MutableArrayRef<float> Tensor::getFloats() {
  return {getFloatData(), static_cast<size_t>(numElements)};
}
llvm::ArrayRef<float> Tensor::getFloats() const {
  return {getFloatData(), static_cast<size_t>(numElements)};
}
int8_t *Tensor::getI8Data() {
  assert(dtype == DType::I8 && "not an i8 tensor");
  return i8s.data();
}
const int8_t *Tensor::getI8Data() const {
  assert(dtype == DType::I8 && "not an i8 tensor");
  return i8s.data();
}
int64_t *Tensor::getI64Data() {
  assert(dtype == DType::I64 && "not an i64 tensor");
  return i64s.data();
}
const int64_t *Tensor::getI64Data() const {
  assert(dtype == DType::I64 && "not an i64 tensor");
  return i64s.data();
}

void *Tensor::getRawData() {
  return const_cast<void *>(static_cast<const Tensor *>(this)->getRawData());
}

const void *Tensor::getRawData() const {
  switch (dtype) {
  case DType::F32:
    return floats.data();
  case DType::I8:
    return i8s.data();
  case DType::I64:
    return i64s.data();
  }
  llvm_unreachable("unknown dtype");
}

int64_t Tensor::getElementByteSize() const {
  switch (dtype) {
  case DType::F32:
    return sizeof(float);
  case DType::I8:
    return sizeof(int8_t);
  case DType::I64:
    return sizeof(int64_t);
  }
  llvm_unreachable("unknown dtype");
}

int64_t Tensor::getInt(int64_t i) const {
  switch (dtype) {
  case DType::I8:
    return i8s[i];
  case DType::I64:
    return i64s[i];
  case DType::F32:
    break;
  }
  llvm_unreachable("getInt on a float tensor");
}

int64_t Tensor::getUnsigned(int64_t i) const {
  int64_t v = getInt(i);
  if (intWidth >= 64)
    return v;
  return v & ((int64_t(1) << intWidth) - 1);
}

void Tensor::setInt(int64_t i, int64_t value) {
  switch (dtype) {
  case DType::I8:
    i8s[i] = static_cast<int8_t>(value);
    return;
  case DType::I64:
    i64s[i] = value;
    return;
  case DType::F32:
    break;
  }
  llvm_unreachable("setInt on a float tensor");
}

bool Tensor::reshape(llvm::ArrayRef<int64_t> newShape) {
  if (llvm::any_of(newShape, [](int64_t d) { return d < 0; }) ||
      product(newShape) != numElements)
    return false;
  shape.assign(newShape.begin(), newShape.end());
  return true;
}

std::string Tensor::getShapeString() const { return formatShape(shape); }

bool Tensor::bitwiseEquals(const Tensor &other) const {
  if (dtype != other.dtype || shape != other.shape)
    return false;
  switch (dtype) {
  case DType::F32:
    return std::memcmp(floats.data(), other.floats.data(),
                       floats.size() * sizeof(float)) == 0;
  case DType::I8:
    return i8s == other.i8s;
  case DType::I64:
    return i64s == other.i64s;
  }
  return false;
}

std::string mlir::ost::formatShape(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += std::to_string(d);
  }
  return s + "]";
}
