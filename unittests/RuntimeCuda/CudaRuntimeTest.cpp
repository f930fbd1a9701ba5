//===- CudaRuntimeTest.cpp - the CUDA host runtime ------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Without a driver or device, the runtime must say "no CUDA device" and
// every device test skips; the kernel-argument packing is tested
// everywhere. With a device: buffers round-trip and a PTX kernel with
// MLIR's memref calling convention runs.
//
//===----------------------------------------------------------------------===//

#include "CudaRuntime.h"

#include <gtest/gtest.h>

#include <vector>

using namespace ost::cuda;

namespace {

/// Skips the test (with the reason) when no device is usable.
#define REQUIRE_DEVICE()                                                       \
  do {                                                                         \
    std::string why;                                                           \
    if (!isDeviceAvailable(&why))                                              \
      GTEST_SKIP() << why;                                                     \
  } while (false)

TEST(CudaRuntime, NoDeviceIsReportedCleanly) {
  std::string why;
  if (isDeviceAvailable(&why)) {
    EXPECT_TRUE(why.empty());
    return;
  }
  EXPECT_EQ(why.rfind("no CUDA device: ", 0), 0u) << why;
  std::unique_ptr<Context> ctx;
  Status status = Context::create(0, ctx);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.error, why);
  EXPECT_EQ(ctx, nullptr);
}

TEST(CudaRuntime, KernelArgsFollowTheMemRefConvention) {
  KernelArgs args;
  args.addMemRef1D(0x1000, 64);
  args.addIndex(7);
  ASSERT_EQ(args.size(), 6u);
  EXPECT_EQ(args.get(0), 0x1000u); // allocated
  EXPECT_EQ(args.get(1), 0x1000u); // aligned
  EXPECT_EQ(args.get(2), 0u);      // offset
  EXPECT_EQ(args.get(3), 64u);     // size
  EXPECT_EQ(args.get(4), 1u);      // stride
  EXPECT_EQ(args.get(5), 7u);
  std::vector<void *> pointers = args.getPointers();
  ASSERT_EQ(pointers.size(), 6u);
  EXPECT_EQ(*static_cast<uint64_t *>(pointers[3]), 64u);
}

TEST(CudaRuntime, BuffersRoundTrip) {
  REQUIRE_DEVICE();
  std::unique_ptr<Context> ctx;
  Status status = Context::create(0, ctx);
  ASSERT_TRUE(status.ok()) << status.error;
  std::vector<float> in(1000), out(1000, 0.0f);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<float>(i) * 0.5f;
  DeviceBuffer buffer;
  ASSERT_TRUE(ctx->allocate(in.size() * 4, buffer).ok());
  ASSERT_TRUE(buffer.copyFrom(in.data(), in.size() * 4).ok());
  ASSERT_TRUE(buffer.copyTo(out.data(), out.size() * 4).ok());
  EXPECT_EQ(in, out);
  EXPECT_FALSE(buffer.copyFrom(in.data(), in.size() * 4 + 1).ok());
}

/// out[i] = 2·x[i] for i < n, with memref<?xf32> arguments (5 params each)
/// and an index, as convert-gpu-to-nvvm emits them.
constexpr const char *kScalePtx = R"(
.version 8.0
.target sm_80
.address_size 64
.visible .entry scale(
  .param .u64 x0, .param .u64 x1, .param .u64 x2, .param .u64 x3, .param .u64 x4,
  .param .u64 o0, .param .u64 o1, .param .u64 o2, .param .u64 o3, .param .u64 o4,
  .param .u64 n)
{
  .reg .b32 %r<4>;
  .reg .b64 %rd<8>;
  .reg .f32 %f<3>;
  .reg .pred %p;
  ld.param.u64 %rd1, [x1];
  ld.param.u64 %rd2, [o1];
  ld.param.u64 %rd3, [n];
  mov.u32 %r1, %tid.x;
  mov.u32 %r2, %ctaid.x;
  mov.u32 %r3, %ntid.x;
  mad.lo.s32 %r1, %r2, %r3, %r1;
  cvt.u64.u32 %rd4, %r1;
  setp.ge.u64 %p, %rd4, %rd3;
  @%p bra DONE;
  shl.b64 %rd5, %rd4, 2;
  add.s64 %rd6, %rd1, %rd5;
  add.s64 %rd7, %rd2, %rd5;
  ld.global.f32 %f1, [%rd6];
  add.f32 %f2, %f1, %f1;
  st.global.f32 [%rd7], %f2;
DONE:
  ret;
}
)";

TEST(CudaRuntime, LaunchesAPtxKernel) {
  REQUIRE_DEVICE();
  std::unique_ptr<Context> ctx;
  ASSERT_TRUE(Context::create(0, ctx).ok());
  std::unique_ptr<Module> module;
  Status status = ctx->loadModule(kScalePtx, module);
  ASSERT_TRUE(status.ok()) << status.error;
  const int64_t n = 1000;
  std::vector<float> in(n), out(n);
  for (int64_t i = 0; i < n; ++i)
    in[i] = static_cast<float>(i);
  DeviceBuffer x, o;
  ASSERT_TRUE(ctx->allocate(n * 4, x).ok());
  ASSERT_TRUE(ctx->allocate(n * 4, o).ok());
  ASSERT_TRUE(x.copyFrom(in.data(), n * 4).ok());
  KernelArgs args;
  args.addMemRef1D(x.getAddress(), n);
  args.addMemRef1D(o.getAddress(), n);
  args.addIndex(n);
  LaunchConfig config;
  config.grid[0] = (n + 127) / 128;
  status = module->launch("scale", config, args);
  ASSERT_TRUE(status.ok()) << status.error;
  ASSERT_TRUE(ctx->synchronize().ok());
  ASSERT_TRUE(o.copyTo(out.data(), n * 4).ok());
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(out[i], 2.0f * in[i]) << i;
}

} // namespace
