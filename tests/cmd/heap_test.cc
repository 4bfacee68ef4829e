// The heap policy, each case in a fresh child process (a death-test style
// re-exec) so that the arenas and heap of other tests do not blur the figures.
#include "cmd/csrd/heap.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace csrd::cmd {
namespace {

// Arenas malloc_info reports ("<heap nr=...>" per arena).
int ArenaCount() {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  if (f == nullptr) return -1;
  malloc_info(0, f);
  std::fclose(f);
  std::string xml(buf, len);
  std::free(buf);
  int n = 0;
  for (size_t pos = 0; (pos = xml.find("<heap nr=", pos)) != std::string::npos; ++pos) ++n;
  return n;
}

// Arenas after `threads` threads have malloc'ed and freed concurrently for a
// while (glibc adds an arena when a thread finds its arena locked by another).
int ArenasAfterThreads(int threads) {
  std::barrier sync(threads);
  std::vector<std::thread> ts;
  std::atomic<int> arenas{0};
  for (int i = 0; i < threads; ++i) {
    ts.emplace_back([&, i] {
      std::vector<void*> live;
      for (int k = 0; k < 200'000; ++k) {
        live.push_back(std::malloc(16 + k % 500));
        if (live.size() > 64) {
          std::free(live.front());
          live.erase(live.begin());
        }
      }
      sync.arrive_and_wait();
      if (i == 0) arenas = ArenaCount();
      sync.arrive_and_wait();
      for (void* p : live) std::free(p);
    });
  }
  for (auto& t : ts) t.join();
  return arenas;
}

// Sanitizers replace malloc: there is no glibc heap to tune or to measure.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kGlibcMalloc = false;
#else
constexpr bool kGlibcMalloc = true;
#endif

TEST(HeapDeathTest, ArenaCapHoldsForManyThreads) {
  if (!kGlibcMalloc) GTEST_SKIP() << "sanitizer malloc";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // Without a cap, every new thread gets an arena of its own (the contrast
  // that shows the measurement can see the cap).
  EXPECT_EXIT(
      {
        int n = ArenasAfterThreads(8);
        std::fprintf(stderr, "arenas %d\n", n);
        _exit(n >= 3 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        if (CapMallocArenas(2, nullptr, nullptr) != 2) _exit(2);
        int n = ArenasAfterThreads(8);
        std::fprintf(stderr, "arenas %d\n", n);
        _exit(n <= 2 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(HeapTest, OperatorChoiceWins) {
  EXPECT_EQ(CapMallocArenas(4, "8", nullptr), 0);
  EXPECT_EQ(CapMallocArenas(4, nullptr, "glibc.malloc.arena_max=8"), 0);
  EXPECT_EQ(CapMallocArenas(4, nullptr, "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=1"), 0);
  EXPECT_EQ(CapMallocArenas(0, nullptr, nullptr), 0);
}

TEST(HeapTest, ResidentBytesIsPlausible) {
  size_t rss = ResidentBytes();
  EXPECT_GT(rss, size_t{1} << 20);
  EXPECT_LT(rss, size_t{64} << 30);
}

// Fragmented free memory (every 64th block kept) stays resident after free;
// the trimmer gives it back once RSS has grown past its threshold.
TEST(HeapDeathTest, TrimmerReturnsFreedMemoryAfterABurst) {
  if (!kGlibcMalloc) GTEST_SKIP() << "sanitizer malloc";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);  // 2 KiB blocks always come from the heap
        HeapTrimmer trimmer(std::chrono::milliseconds(20), size_t{8} << 20);
        usleep(100'000);
        if (trimmer.trims() != 0) _exit(3);  // nothing grew: no trim
        size_t before = ResidentBytes();
        std::vector<char*> blocks;
        for (int i = 0; i < 40'000; ++i) {  // ~80 MiB
          char* p = static_cast<char*>(std::malloc(2048));
          std::memset(p, 1, 2048);
          blocks.push_back(p);
        }
        size_t peak = ResidentBytes();
        for (size_t i = 0; i < blocks.size(); ++i) {
          if (i % 64 != 0) std::free(blocks[i]);
        }
        // The burst itself usually spans a tick and a trim, so trims() != 0
        // says nothing about the frees: wait (up to 5 s on a loaded machine)
        // for the memory to be given back.
        const uint64_t trims_at_free = trimmer.trims();
        size_t after = ResidentBytes();
        for (int i = 0; i < 500 && after + (size_t{40} << 20) >= peak; ++i) {
          usleep(10'000);
          after = ResidentBytes();
        }
        // What the trimmer saw, for a failure (main arena: mallinfo2 covers only it).
        const struct mallinfo2 mi = mallinfo2();
        std::fprintf(stderr,
                     "rss before %zu peak %zu after %zu KiB trims %llu (%llu when the frees "
                     "ended); main arena %zu KiB, free %zu KiB, top %zu KiB\n",
                     before >> 10, peak >> 10, after >> 10,
                     static_cast<unsigned long long>(trimmer.trims()),
                     static_cast<unsigned long long>(trims_at_free), mi.arena >> 10,
                     mi.fordblks >> 10, mi.keepcost >> 10);
        if (trimmer.trims() == 0) _exit(1);
        _exit(after + (size_t{40} << 20) < peak ? 0 : 2);  // most of the 80 MiB went back
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace csrd::cmd
