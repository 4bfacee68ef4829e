// KdfLimiter: caps how many password KDF runs execute at once (contract §2.4:
// at most one per core). Excess callers are refused at once, never queued, so
// a login flood answers 429 instead of piling up memory-hard work.
//
// Thread-safe. The limiter must outlive every Permit it hands out.
#pragma once

#include <atomic>
#include <optional>

namespace csrd::identity {

class KdfLimiter {
 public:
  // RAII: holds one slot until destroyed. Move-only.
  class Permit {
   public:
    Permit(Permit&& o) noexcept : owner_(o.owner_) { o.owner_ = nullptr; }
    Permit& operator=(Permit&& o) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class KdfLimiter;
    explicit Permit(KdfLimiter* owner) : owner_(owner) {}
    KdfLimiter* owner_;
  };

  // max_concurrent < 1 is treated as 1.
  explicit KdfLimiter(int max_concurrent);
  KdfLimiter(const KdfLimiter&) = delete;
  KdfLimiter& operator=(const KdfLimiter&) = delete;

  // A permit if fewer than capacity() are out, else nullopt (answer 429).
  std::optional<Permit> TryAcquire();

  int capacity() const { return capacity_; }
  int in_use() const { return in_use_.load(); }

 private:
  void Release();

  const int capacity_;
  std::atomic<int> in_use_{0};
};

}  // namespace csrd::identity
