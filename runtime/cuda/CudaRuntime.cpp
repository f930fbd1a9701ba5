//===- CudaRuntime.cpp - host runtime for the generated kernels -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// CUDA 13 changed cuCtxCreate; the primary-context API used here did not.
//
//===----------------------------------------------------------------------===//

#include "CudaRuntime.h"

#include "CudaDriver.h"

using namespace ost::cuda;

namespace {

/// The driver, or a failed Status.
const Driver *getDriver(Status &status) {
  const Driver &driver = Driver::get();
  if (!driver.isAvailable()) {
    status.error = driver.getError();
    return nullptr;
  }
  return &driver;
}

/// A Status for `result` of `call`.
Status check(const Driver &driver, const char *call, CUresult result) {
  if (result == CUDA_SUCCESS)
    return Status::success();
  return Status{driver.describe(call, result)};
}

} // namespace

bool ost::cuda::isDeviceAvailable(std::string *why) {
  const Driver &driver = Driver::get();
  if (why)
    *why = driver.getError();
  return driver.isAvailable();
}

//===----------------------------------------------------------------------===//
// KernelArgs
//===----------------------------------------------------------------------===//

void KernelArgs::addMemRef1D(uint64_t ptr, int64_t elements) {
  values.push_back(ptr);                               // allocated
  values.push_back(ptr);                               // aligned
  values.push_back(0);                                 // offset
  values.push_back(static_cast<uint64_t>(elements));   // size
  values.push_back(1);                                 // stride
}

void KernelArgs::addIndex(int64_t value) {
  values.push_back(static_cast<uint64_t>(value));
}

std::vector<void *> KernelArgs::getPointers() {
  std::vector<void *> pointers;
  for (uint64_t &value : values)
    pointers.push_back(&value);
  return pointers;
}

//===----------------------------------------------------------------------===//
// DeviceBuffer
//===----------------------------------------------------------------------===//

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : address(other.address), bytes(other.bytes) {
  other.address = 0;
  other.bytes = 0;
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  std::swap(address, other.address);
  std::swap(bytes, other.bytes);
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (address)
    Driver::get().cuMemFree(static_cast<CUdeviceptr>(address));
}

Status DeviceBuffer::copyFrom(const void *host, size_t count) {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  if (count > bytes)
    return Status{"copy of " + std::to_string(count) + " bytes into a " +
                  std::to_string(bytes) + "-byte buffer"};
  return check(*driver, "cuMemcpyHtoD",
               driver->cuMemcpyHtoD(address, host, count));
}

Status DeviceBuffer::copyTo(void *host, size_t count) const {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  if (count > bytes)
    return Status{"copy of " + std::to_string(count) + " bytes out of a " +
                  std::to_string(bytes) + "-byte buffer"};
  return check(*driver, "cuMemcpyDtoH",
               driver->cuMemcpyDtoH(host, address, count));
}

//===----------------------------------------------------------------------===//
// Context
//===----------------------------------------------------------------------===//

Status Context::create(int ordinal, std::unique_ptr<Context> &out) {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  std::unique_ptr<Context> ctx(new Context());
  CUdevice device;
  if (!(status = check(*driver, "cuDeviceGet",
                       driver->cuDeviceGet(&device, ordinal)))
           .ok())
    return status;
  CUcontext context;
  if (!(status = check(*driver, "cuDevicePrimaryCtxRetain",
                       driver->cuDevicePrimaryCtxRetain(&context, device)))
           .ok())
    return status;
  ctx->device = device;
  ctx->context = context;
  if (!(status = check(*driver, "cuCtxSetCurrent",
                       driver->cuCtxSetCurrent(context)))
           .ok())
    return status;
  char name[256] = {0};
  driver->cuDeviceGetName(name, sizeof(name), device);
  ctx->name = name;
  int major = 0, minor = 0;
  driver->cuDeviceGetAttribute(
      &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  driver->cuDeviceGetAttribute(
      &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  driver->cuDeviceGetAttribute(&ctx->multiprocessors,
                               CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                               device);
  ctx->computeCapability = 10 * major + minor;
  out = std::move(ctx);
  return Status::success();
}

Context::~Context() {
  if (context)
    Driver::get().cuDevicePrimaryCtxRelease(device);
}

Status Context::allocate(size_t bytes, DeviceBuffer &out) {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  CUdeviceptr ptr = 0;
  if (!(status = check(*driver, "cuMemAlloc",
                       driver->cuMemAlloc(&ptr, bytes ? bytes : 1)))
           .ok())
    return status;
  DeviceBuffer buffer;
  buffer.address = ptr;
  buffer.bytes = bytes;
  out = std::move(buffer);
  return Status::success();
}

Status Context::loadModule(const void *image, std::unique_ptr<Module> &out) {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  CUmodule module;
  if (!(status = check(*driver, "cuModuleLoadData",
                       driver->cuModuleLoadData(&module, image)))
           .ok())
    return status;
  out.reset(new Module());
  out->module = module;
  return Status::success();
}

Status Context::synchronize() {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  return check(*driver, "cuCtxSynchronize", driver->cuCtxSynchronize());
}

//===----------------------------------------------------------------------===//
// Module
//===----------------------------------------------------------------------===//

Module::~Module() {
  if (module)
    Driver::get().cuModuleUnload(static_cast<CUmodule>(module));
}

Status Module::launch(const std::string &name, const LaunchConfig &config,
                      KernelArgs &args) {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  CUfunction function;
  if (!(status = check(*driver, "cuModuleGetFunction",
                       driver->cuModuleGetFunction(
                           &function, static_cast<CUmodule>(module),
                           name.c_str())))
           .ok())
    return status;
  if (config.sharedBytes > 48 * 1024 &&
      !(status = check(*driver, "cuFuncSetAttribute",
                       driver->cuFuncSetAttribute(
                           function,
                           CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                           static_cast<int>(config.sharedBytes))))
           .ok())
    return status;
  std::vector<void *> params = args.getPointers();
  return check(*driver, "cuLaunchKernel",
               driver->cuLaunchKernel(
                   function, config.grid[0], config.grid[1], config.grid[2],
                   config.block[0], config.block[1], config.block[2],
                   config.sharedBytes, nullptr, params.data(), nullptr));
}

Status Module::time(const std::string &name, const LaunchConfig &config,
                    KernelArgs &args, int iterations, float &milliseconds) {
  Status status;
  const Driver *driver = getDriver(status);
  if (!driver)
    return status;
  CUevent start, stop;
  driver->cuEventCreate(&start, CU_EVENT_DEFAULT);
  driver->cuEventCreate(&stop, CU_EVENT_DEFAULT);
  driver->cuEventRecord(start, nullptr);
  for (int i = 0; i < iterations && status.ok(); ++i)
    status = launch(name, config, args);
  driver->cuEventRecord(stop, nullptr);
  driver->cuEventSynchronize(stop);
  float total = 0;
  driver->cuEventElapsedTime(&total, start, stop);
  driver->cuEventDestroy(start);
  driver->cuEventDestroy(stop);
  milliseconds = iterations > 0 ? total / iterations : 0;
  return status;
}
