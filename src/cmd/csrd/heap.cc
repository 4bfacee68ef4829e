#include "cmd/csrd/heap.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace csrd::cmd {

int CapMallocArenas(int max_arenas, const char* env_arena_max, const char* env_tunables) {
  if (max_arenas <= 0) return 0;
  if (env_arena_max != nullptr && env_arena_max[0] != '\0') return 0;
  if (env_tunables != nullptr && std::strstr(env_tunables, "glibc.malloc.arena_max") != nullptr) {
    return 0;
  }
  return mallopt(M_ARENA_MAX, max_arenas) == 1 ? max_arenas : 0;
}

size_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, resident = 0;
  int n = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  long page = sysconf(_SC_PAGESIZE);
  return n == 2 && page > 0 ? static_cast<size_t>(resident) * static_cast<size_t>(page) : 0;
}

HeapTrimmer::HeapTrimmer(std::chrono::milliseconds interval, size_t growth_bytes, OnTrim on_trim)
    : growth_bytes_(growth_bytes),
      on_trim_(std::move(on_trim)),
      rss_floor_(ResidentBytes()),
      free_floor_(mallinfo2().fordblks),
      task_(interval, [this] { Tick(); }) {}

HeapTrimmer::~HeapTrimmer() = default;

uint64_t HeapTrimmer::trims() const { return trims_.load(); }

void HeapTrimmer::Tick() {
  // Two signs of memory to give back, each against its level at the last
  // trim: RSS that grew (a burst re-used and then freed pages a trim had
  // released), or free heap bytes that grew (a burst freed what it held; a
  // trim during the burst, while RSS was still rising, freed nothing).
  size_t rss = ResidentBytes();
  size_t free_bytes = mallinfo2().fordblks;
  free_floor_ = std::min(free_floor_, free_bytes);
  if (rss > rss_floor_ + growth_bytes_ || free_bytes > free_floor_ + growth_bytes_) {
    malloc_trim(0);
    size_t after = ResidentBytes();
    if (on_trim_) on_trim_(rss, after);
    rss_floor_ = after;
    free_floor_ = mallinfo2().fordblks;  // released pages still count as free
    ++trims_;
  } else {
    rss_floor_ = std::min(rss_floor_, rss);
  }
}

}  // namespace csrd::cmd
