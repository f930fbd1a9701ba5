//===- ThreadPoolTest.cpp - the session's persistent thread pool ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"

#include "gtest/gtest.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

using namespace ost::runtime;

TEST(ThreadPool, RunsEveryChunkOnceWithFixedBoundaries) {
  for (unsigned threads : {0u, 1u, 2u, 3u}) {
    ThreadPool pool(threads);
    EXPECT_GE(pool.getNumThreads(), 1u);
    for (int64_t n : {0, 1, 5, 64, 1000})
      for (int64_t grain : {0, 1, 7, 64}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int> badChunk{0};
        int64_t g = std::max<int64_t>(grain, 1);
        pool.parallelFor(n, grain, [&](int64_t begin, int64_t end) {
          if (begin % g != 0 || end != std::min(n, begin + g))
            badChunk.fetch_add(1);
          for (int64_t i = begin; i < end; ++i)
            hits[i].fetch_add(1);
        });
        EXPECT_EQ(badChunk.load(), 0);
        for (int64_t i = 0; i < n; ++i)
          ASSERT_EQ(hits[i].load(), 1) << "n " << n << ", grain " << grain;
      }
  }
}

TEST(ThreadPool, UsesTheWorkersAndSurvivesManyJobs) {
  ThreadPool pool(2);
  std::set<std::thread::id> seen;
  std::mutex mutex;
  for (int job = 0; job < 2000; ++job) {
    std::atomic<int64_t> sum{0};
    pool.parallelFor(16, 1, [&](int64_t begin, int64_t end) {
      sum.fetch_add(begin);
      if (job % 100 == 0) {
        std::lock_guard<std::mutex> lock(mutex);
        seen.insert(std::this_thread::get_id());
      }
    });
    ASSERT_EQ(sum.load(), 120);
    if (job % 500 == 0) // let the workers fall asleep now and then
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(seen.size(), 2u);
}

TEST(ThreadPool, NestedAndConcurrentCallsRunSerially) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.parallelFor(4, 1, [&](int64_t, int64_t) {
    pool.parallelFor(10, 3, [&](int64_t begin, int64_t end) {
      total.fetch_add(end - begin);
    });
  });
  EXPECT_EQ(total.load(), 40);
  // Two outside threads share the pool: one gets it, the other runs alone.
  std::atomic<int64_t> a{0}, b{0};
  std::thread other([&] {
    for (int i = 0; i < 200; ++i)
      pool.parallelFor(8, 1, [&](int64_t, int64_t) { a.fetch_add(1); });
  });
  for (int i = 0; i < 200; ++i)
    pool.parallelFor(8, 1, [&](int64_t, int64_t) { b.fetch_add(1); });
  other.join();
  EXPECT_EQ(a.load(), 1600);
  EXPECT_EQ(b.load(), 1600);
}

TEST(ThreadPool, IsAKernelsParallelFor) {
  ThreadPool pool(2);
  ost::runtime::kernels::ParallelFor parallel = pool;
  std::atomic<int64_t> count{0};
  parallel(100, 10,
           [&](int64_t begin, int64_t end) { count.fetch_add(end - begin); });
  EXPECT_EQ(count.load(), 100);
}
