// Where CreateCsr gets its private keys: generated on the spot
// (InlineKeySource) or taken from a pool of keys generated ahead of time in
// the background (KeyPool), so RSA-3072/4096 creates answer in milliseconds.
//
// Pooled keys exist only in memory, as the EVP_PKEY inside a PrivateKey: the
// pool never encodes them (no PEM, no DER, no copy anywhere else). A key that
// is dropped (pool destroyed, or a key finished after stop) is released with
// EVP_PKEY_free, which clears the private parts: RSA_free and EC_KEY_free
// free d, p, q, dP, dQ, qInv and the EC private scalar with BN_clear_free
// (OPENSSL_cleanse), and their Montgomery contexts with BN_clear_free too.
// Every key is handed out at most once: Take pops it under the pool mutex.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "crypto/key_algo.h"
#include "crypto/private_key.h"

namespace csrd::crypto {

inline constexpr size_t kKeyAlgoCount = std::size(kAllKeyAlgos);
constexpr size_t KeyAlgoIndex(KeyAlgo a) { return static_cast<size_t>(a); }

// Counters of one algorithm; all monotonic except target, depth and
// in_flight. One snapshot is consistent: depth == generated - hits. For
// metrics: refill rate = rate(generated); refill_wall_ns / generated is the
// mean time a refill thread took per key (it includes time spent waiting for
// the CPU at low priority), refill_cpu_ns / generated the CPU it burnt.
struct KeyAlgoStats {
  KeyAlgo algo{};
  int target = 0;              // configured depth; 0 = not pooled
  int depth = 0;               // keys ready now
  int in_flight = 0;           // keys refill threads are generating now
  uint64_t generated = 0;      // keys the refill threads added to the pool
  uint64_t hits = 0;           // Takes served from the pool
  uint64_t misses = 0;         // Takes that generated inline on the caller's thread
  uint64_t failures = 0;       // generations that failed (pool or inline)
  uint64_t refill_wall_ns = 0;
  uint64_t refill_cpu_ns = 0;
};

struct KeySourceStats {
  std::array<KeyAlgoStats, kKeyAlgoCount> algos{};  // indexed by KeyAlgoIndex
  int refill_threads = 0;
  int refill_threads_sched_idle = 0;  // threads running under SCHED_IDLE
  int refill_threads_nice = 0;        // threads at nice 19 (SCHED_IDLE refused)
};

// Thread-safe.
class KeySource {
 public:
  virtual ~KeySource() = default;
  // A fresh key of algo that no other caller has seen. May generate on the
  // calling thread (RSA-4096: seconds), so never call it from an I/O thread.
  // Errors are Internal and never contain key material.
  virtual Result<PrivateKey> Take(KeyAlgo algo) = 0;
  virtual KeySourceStats Stats() const = 0;
};

// No pool: every Take generates (and counts as a miss).
class InlineKeySource final : public KeySource {
 public:
  Result<PrivateKey> Take(KeyAlgo algo) override;
  KeySourceStats Stats() const override;

 private:
  std::array<std::atomic<uint64_t>, kKeyAlgoCount> misses_{};
  std::array<std::atomic<uint64_t>, kKeyAlgoCount> failures_{};
};

struct KeyPoolOptions {
  // Target keys per algorithm (KeyAlgoIndex); 0 disables that algorithm's
  // pool. Defaults: RSA_2048 32, RSA_3072 16, RSA_4096 16, EC_P256 256,
  // EC_P384 64, SM2 256 (about 2 MiB of keys).
  std::array<int, kKeyAlgoCount> depth = {32, 16, 16, 256, 64, 256};
  // Background threads that refill; 0 = none (every Take then generates).
  int refill_threads = 1;
  // Refill threads run under SCHED_IDLE (only when a CPU has nothing else to
  // do), falling back to nice 19 where SCHED_IDLE is refused. Off: normal
  // priority (tests on a loaded machine).
  bool low_priority = true;
};

inline constexpr int kMaxKeyPoolDepth = 100000;
inline constexpr int kMaxKeyPoolThreads = 64;

// Applies one "ALG=N" setting (ALG a contract name such as RSA_4096, or "all";
// 0 <= N <= kMaxKeyPoolDepth) to options. InvalidArgument on anything else.
Status ApplyKeyPoolDepth(std::string_view spec, KeyPoolOptions* options);

// Refill order: the algorithm furthest below its target as a fraction
// ((target - depth - in-flight) / target), the cheaper algorithm on ties
// (P-256, SM2, P-384, RSA-2048, RSA-3072, RSA-4096). A Take that finds its
// algorithm empty generates inline on the caller's thread.
//
// Shutdown: the destructor sets a stop flag, wakes the refill threads and
// joins them. A thread checks the flag between keys, and OpenSSL's keygen
// cannot be interrupted from here, so the destructor may wait for the one key
// each thread has in flight (RSA-4096: up to a few seconds, longer when the
// machine is busy, since the thread runs at idle priority). A key finished
// after stop is dropped, not pooled.
class KeyPool final : public KeySource {
 public:
  // Starts the refill threads. InvalidArgument for a depth outside
  // [0, kMaxKeyPoolDepth] or threads outside [0, kMaxKeyPoolThreads];
  // Internal when a thread cannot be started.
  static Result<std::unique_ptr<KeyPool>> Create(const KeyPoolOptions& options);
  ~KeyPool() override;
  KeyPool(const KeyPool&) = delete;
  KeyPool& operator=(const KeyPool&) = delete;

  Result<PrivateKey> Take(KeyAlgo algo) override;
  KeySourceStats Stats() const override;

 private:
  struct Slot {
    int target = 0;
    int in_flight = 0;             // keys refill threads are generating now
    std::vector<PrivateKey> keys;  // capacity reserved: a refill never allocates under mu_
    std::atomic<uint64_t> generated{0}, hits{0}, misses{0}, failures{0};
    std::atomic<uint64_t> refill_wall_ns{0}, refill_cpu_ns{0};
  };

  explicit KeyPool(const KeyPoolOptions& options);
  void RefillLoop();
  // The next algorithm to generate, or -1 when every pool is full. mu_ held.
  int PickLocked() const;

  KeyPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;   // guarded by mu_
  std::atomic<bool> cancel_{false};  // set once, by the destructor
  int sleeping_ = 0;    // refill threads waiting on cv_; guarded by mu_
  std::array<Slot, kKeyAlgoCount> slots_;
  std::atomic<int> sched_idle_threads_{0}, nice_threads_{0};
  std::vector<std::thread> threads_;
};

}  // namespace csrd::crypto
