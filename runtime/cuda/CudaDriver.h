//===- CudaDriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// libcuda.so.1 is opened with dlopen on first use, so everything links and
// runs on a machine without an NVIDIA driver: there, Driver::get() reports
// "no CUDA device: ..." and every runtime call fails with that message.
// Only cuda.h's types are used at compile time (no -lcuda).
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_CUDA_CUDADRIVER_H
#define OST_RUNTIME_CUDA_CUDADRIVER_H

#include <cuda.h>

#include <string>

namespace ost::cuda {

/// The driver entry points the runtime uses (versioned symbols resolved by
/// name, e.g. cuMemAlloc_v2).
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, CUdevice_attribute, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, CUfunction_attribute, int);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuGetErrorString)(CUresult, const char **);

  /// The process-wide driver: loads libcuda.so.1 and calls cuInit(0) once.
  static const Driver &get();

  /// True when the library loaded, every symbol resolved and cuInit
  /// succeeded with at least one device.
  bool isAvailable() const { return error.empty(); }
  /// Why not ("no CUDA device: ..."), or empty.
  const std::string &getError() const { return error; }

  /// "cuXxx failed: <driver message> (<code>)".
  std::string describe(const char *call, CUresult result) const;

  /// Set once by get(); read through getError().
  std::string error;
};

} // namespace ost::cuda

#endif // OST_RUNTIME_CUDA_CUDADRIVER_H
