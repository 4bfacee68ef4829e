// The csrd process's heap policy (glibc malloc): fewer arenas, and memory
// freed after a burst handed back to the OS, so RSS does not stay at the
// burst's peak. Process-wide; the program calls these, libraries never do.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "cmd/csrd/periodic_task.h"

namespace csrd::cmd {

// Caps glibc's malloc arenas at max_arenas. glibc's default (8 per core)
// gives most of the 16 worker threads an arena of their own, each keeping the
// memory freed in it. Leaves glibc alone when the operator chose a cap
// (env_arena_max = $MALLOC_ARENA_MAX non-empty, or env_tunables =
// $GLIBC_TUNABLES naming glibc.malloc.arena_max). Call before any thread
// starts: arenas that exist already stay. Returns the cap applied, 0 if none.
int CapMallocArenas(int max_arenas, const char* env_arena_max, const char* env_tunables);

// This process's resident set size in bytes (0 if /proc is unreadable).
size_t ResidentBytes();

// A background thread (a PeriodicTask) that, every `interval`, calls malloc_trim(0) when RSS
// or the heap's free bytes grew by more than `growth_bytes` since the last
// trim: malloc keeps freed memory mapped, and only a trim returns the free
// pages in the middle of its heaps. A trim walks every arena under its lock
// (a few ms at most for tens of MiB), hence the interval and the growth
// condition: an idle or steady server is not trimmed again and again.
// on_trim (optional; called on the trimmer's thread) gets RSS before and
// after each trim. The destructor stops and joins the thread. Not copyable.
class HeapTrimmer {
 public:
  using OnTrim = std::function<void(size_t rss_before, size_t rss_after)>;
  HeapTrimmer(std::chrono::milliseconds interval, size_t growth_bytes, OnTrim on_trim = nullptr);
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  uint64_t trims() const;  // trims done so far

 private:
  void Tick();  // on the task's thread only

  const size_t growth_bytes_;
  const OnTrim on_trim_;
  // Levels at the last trim (at construction before the first); the task's thread only.
  size_t rss_floor_;
  size_t free_floor_;
  std::atomic<uint64_t> trims_{0};
  PeriodicTask task_;  // last: starts after every other member is ready
};

}  // namespace csrd::cmd
