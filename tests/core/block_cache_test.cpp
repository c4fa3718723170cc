// BlockCache's counters (AllocatorCounters) with a counting fake source: requests, cache hits,
// blocks taken from and given back to the source, including the release past max_cached and the
// release of the cache.
#include <gtest/gtest.h>

#include <cstdlib>

#include "hourglass/kernels/common/block_cache.h"

namespace hg::testing {
namespace {

struct CountingSource {
  int* live;
  void* allocate(size_t bytes) {
    ++*live;
    return std::malloc(bytes);
  }
  void release(void* block) {
    --*live;
    std::free(block);
  }
  void release_quietly(void* block) noexcept { release(block); }
};

TEST(BlockCacheCounters, CountRequestsHitsAndSourceTraffic) {
  int live = 0;
  {
    // Room for one 1024-byte block in the cache.
    kernels::BlockCache<CountingSource> cache(CountingSource{&live}, 1024);
    void* a = cache.allocate(1000);  // class 1024: from the source
    void* b = cache.allocate(600);   // class 1024: from the source
    cache.deallocate(a);             // cached
    cache.deallocate(b);             // past max_cached: back to the source
    void* c = cache.allocate(1024);  // the cached block
    EXPECT_EQ(c, a);
    void* d = cache.allocate(100);  // class 512: from the source
    kernels::AllocatorCounters n = cache.counters();
    EXPECT_EQ(n.requests, 4);
    EXPECT_EQ(n.cache_hits, 1);
    EXPECT_EQ(n.source_allocations, 3);
    EXPECT_EQ(n.source_releases, 1);
    EXPECT_EQ(live, 2);
    cache.deallocate(d);  // cached
    cache.release_cached();
    n = cache.counters();
    EXPECT_EQ(n.source_releases, 2);
    EXPECT_EQ(live, 1);
    cache.deallocate(c);
  }
  EXPECT_EQ(live, 0);  // the destructor released the last cached block
}

}  // namespace
}  // namespace hg::testing
