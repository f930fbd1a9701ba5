//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <dlfcn.h>

using namespace ost::cuda;

namespace {

/// Resolves `name` into `fn`; false (with `error` set) if it is missing.
template <typename Fn>
bool resolve(void *library, const char *name, Fn &fn, std::string &error) {
  fn = reinterpret_cast<Fn>(dlsym(library, name));
  if (!fn && error.empty())
    error = std::string("no CUDA device: libcuda.so.1 lacks ") + name;
  return fn != nullptr;
}

Driver load() {
  Driver d{};
  std::string error;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    error = std::string("no CUDA device: cannot load libcuda.so.1 (") +
            (why ? why : "unknown error") + ")";
  } else {
    resolve(library, "cuInit", d.cuInit, error);
    resolve(library, "cuDeviceGetCount", d.cuDeviceGetCount, error);
    resolve(library, "cuDeviceGet", d.cuDeviceGet, error);
    resolve(library, "cuDeviceGetName", d.cuDeviceGetName, error);
    resolve(library, "cuDeviceGetAttribute", d.cuDeviceGetAttribute, error);
    resolve(library, "cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain,
            error);
    resolve(library, "cuDevicePrimaryCtxRelease_v2",
            d.cuDevicePrimaryCtxRelease, error);
    resolve(library, "cuCtxSetCurrent", d.cuCtxSetCurrent, error);
    resolve(library, "cuCtxSynchronize", d.cuCtxSynchronize, error);
    resolve(library, "cuMemAlloc_v2", d.cuMemAlloc, error);
    resolve(library, "cuMemFree_v2", d.cuMemFree, error);
    resolve(library, "cuMemcpyHtoD_v2", d.cuMemcpyHtoD, error);
    resolve(library, "cuMemcpyDtoH_v2", d.cuMemcpyDtoH, error);
    resolve(library, "cuMemsetD8_v2", d.cuMemsetD8, error);
    resolve(library, "cuModuleLoadData", d.cuModuleLoadData, error);
    resolve(library, "cuModuleUnload", d.cuModuleUnload, error);
    resolve(library, "cuModuleGetFunction", d.cuModuleGetFunction, error);
    resolve(library, "cuFuncSetAttribute", d.cuFuncSetAttribute, error);
    resolve(library, "cuLaunchKernel", d.cuLaunchKernel, error);
    resolve(library, "cuEventCreate", d.cuEventCreate, error);
    resolve(library, "cuEventRecord", d.cuEventRecord, error);
    resolve(library, "cuEventSynchronize", d.cuEventSynchronize, error);
    resolve(library, "cuEventElapsedTime_v2", d.cuEventElapsedTime, error);
    resolve(library, "cuEventDestroy_v2", d.cuEventDestroy, error);
    resolve(library, "cuGetErrorString", d.cuGetErrorString, error);
  }
  if (error.empty()) {
    int count = 0;
    CUresult result = d.cuInit(0);
    if (result == CUDA_SUCCESS)
      result = d.cuDeviceGetCount(&count);
    if (result != CUDA_SUCCESS)
      error = "no CUDA device: " + d.describe("cuInit", result);
    else if (count == 0)
      error = "no CUDA device: the driver reports 0 devices";
  }
  d.error = std::move(error);
  return d;
}

} // namespace

const Driver &Driver::get() {
  static const Driver driver = load();
  return driver;
}

std::string Driver::describe(const char *call, CUresult result) const {
  const char *message = nullptr;
  if (cuGetErrorString)
    cuGetErrorString(result, &message);
  return std::string(call) + " failed: " +
         (message ? message : "unknown error") + " (" +
         std::to_string(static_cast<int>(result)) + ")";
}
