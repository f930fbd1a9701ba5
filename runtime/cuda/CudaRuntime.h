//===- CudaRuntime.h - host runtime for the generated kernels ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A small host runtime on the CUDA driver API (Debian ships no
// libmlir_cuda_runtime): a device context (the primary context of one
// device), device buffers, modules loaded from the PTX or cubin that
// gpu-module-to-binary embeds, and kernel launches with MLIR's kernel
// calling convention (KernelArgs). Errors come back as a Status with a
// lowercase message; without a driver or device every call fails with
// "no CUDA device: ...". No MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_CUDA_CUDARUNTIME_H
#define OST_RUNTIME_CUDA_CUDARUNTIME_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ost::cuda {

/// Success, or a message.
struct Status {
  std::string error;
  bool ok() const { return error.empty(); }
  static Status success() { return {}; }
};

/// True when a CUDA driver and at least one device are usable; otherwise
/// `why` gets "no CUDA device: ...".
bool isDeviceAvailable(std::string *why = nullptr);

/// The parameters of a kernel launch in MLIR's default GPU calling
/// convention: a memref<?xT> argument is five parameters (allocated
/// pointer, aligned pointer, offset, size, stride), an index is one i64.
class KernelArgs {
public:
  /// Appends a 1-D memref over `elements` elements at device address `ptr`.
  void addMemRef1D(uint64_t ptr, int64_t elements);
  /// Appends an index (i64) argument.
  void addIndex(int64_t value);

  size_t size() const { return values.size(); }
  /// The i-th parameter's 64-bit value.
  uint64_t get(size_t i) const { return values[i]; }
  /// cuLaunchKernel's kernelParams (pointers into this object).
  std::vector<void *> getPointers();

private:
  std::vector<uint64_t> values;
};

class Module;

/// A device buffer; freed on destruction.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  uint64_t getAddress() const { return address; }
  size_t getBytes() const { return bytes; }

  Status copyFrom(const void *host, size_t count);
  Status copyTo(void *host, size_t count) const;

private:
  friend class Context;
  uint64_t address = 0;
  size_t bytes = 0;
};

/// Launch geometry.
struct LaunchConfig {
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {128, 1, 1};
  unsigned sharedBytes = 0;
};

/// The primary context of one device, current on the calling thread.
class Context {
public:
  /// Retains device `ordinal`'s primary context.
  static Status create(int ordinal, std::unique_ptr<Context> &out);
  ~Context();

  const std::string &getName() const { return name; }
  /// Compute capability as 10·major + minor (90 for H100).
  int getComputeCapability() const { return computeCapability; }
  int getMultiprocessorCount() const { return multiprocessors; }

  Status allocate(size_t bytes, DeviceBuffer &out);
  /// Loads PTX (NUL-terminated text) or a cubin/fatbin image.
  Status loadModule(const void *image, std::unique_ptr<Module> &out);
  Status synchronize();

private:
  Context() = default;
  int device = 0;
  void *context = nullptr;
  std::string name;
  int computeCapability = 0, multiprocessors = 0;
};

/// A loaded module; unloaded on destruction.
class Module {
public:
  ~Module();
  /// Launches kernel `name` (asynchronously, default stream). Requests the
  /// dynamic shared memory first when it exceeds the 48 KB default.
  Status launch(const std::string &name, const LaunchConfig &config,
                KernelArgs &args);
  /// Times `iterations` launches with events, in milliseconds per launch.
  Status time(const std::string &name, const LaunchConfig &config,
              KernelArgs &args, int iterations, float &milliseconds);

private:
  friend class Context;
  void *module = nullptr;
};

} // namespace ost::cuda

#endif // OST_RUNTIME_CUDA_CUDARUNTIME_H
