#include "crypto/key_pool.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <exception>
#include <string>
#include <system_error>

namespace csrd::crypto {

namespace {

// Cheapest first: the tie-break of the refill order.
constexpr KeyAlgo kByCost[] = {KeyAlgo::kEcP256,  KeyAlgo::kSm2,     KeyAlgo::kEcP384,
                               KeyAlgo::kRsa2048, KeyAlgo::kRsa3072, KeyAlgo::kRsa4096};
static_assert(std::size(kByCost) == kKeyAlgoCount);

uint64_t ThreadCpuNs() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

enum class Priority { kNormal, kNice, kIdle };

// Linux scheduling attributes are per thread. nice 19 first, so a thread
// that may not enter SCHED_IDLE (some container seccomp profiles) still
// yields; SCHED_IDLE then ignores the nice value. Raising nice and entering
// SCHED_IDLE need no privilege.
Priority LowerThisThreadsPriority() {
  bool niced = setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19) == 0;
  sched_param param{};
  param.sched_priority = 0;
  if (sched_setscheduler(0, SCHED_IDLE, &param) == 0) return Priority::kIdle;
  return niced ? Priority::kNice : Priority::kNormal;
}

Status ValidateOptions(const KeyPoolOptions& o) {
  for (int d : o.depth) {
    if (d < 0 || d > kMaxKeyPoolDepth) {
      return Status::InvalidArgument("key pool depth must be 0.." +
                                     std::to_string(kMaxKeyPoolDepth));
    }
  }
  if (o.refill_threads < 0 || o.refill_threads > kMaxKeyPoolThreads) {
    return Status::InvalidArgument("key pool threads must be 0.." +
                                   std::to_string(kMaxKeyPoolThreads));
  }
  return Status::Ok();
}

}  // namespace

Status ApplyKeyPoolDepth(std::string_view spec, KeyPoolOptions* options) {
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos) {
    return Status::InvalidArgument("key pool depth must be ALG=N, e.g. RSA_4096=16");
  }
  std::string_view name = spec.substr(0, eq);
  std::string_view num = spec.substr(eq + 1);
  int n = -1;
  auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
  if (num.empty() || ec != std::errc() || end != num.data() + num.size() || n < 0 ||
      n > kMaxKeyPoolDepth) {
    return Status::InvalidArgument("key pool depth N must be an integer 0.." +
                                   std::to_string(kMaxKeyPoolDepth));
  }
  if (name == "all") {
    options->depth.fill(n);
    return Status::Ok();
  }
  auto algo = ParseKeyAlgo(name);
  if (!algo) {
    return Status::InvalidArgument(
        "key pool algorithm must be all, RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P384 or SM2");
  }
  options->depth[KeyAlgoIndex(*algo)] = n;
  return Status::Ok();
}

Result<PrivateKey> InlineKeySource::Take(KeyAlgo algo) {
  misses_[KeyAlgoIndex(algo)].fetch_add(1, std::memory_order_relaxed);
  auto key = PrivateKey::Generate(algo);
  if (!key.ok()) failures_[KeyAlgoIndex(algo)].fetch_add(1, std::memory_order_relaxed);
  return key;
}

KeySourceStats InlineKeySource::Stats() const {
  KeySourceStats s;
  for (KeyAlgo a : kAllKeyAlgos) {
    KeyAlgoStats& as = s.algos[KeyAlgoIndex(a)];
    as.algo = a;
    as.misses = misses_[KeyAlgoIndex(a)].load(std::memory_order_relaxed);
    as.failures = failures_[KeyAlgoIndex(a)].load(std::memory_order_relaxed);
  }
  return s;
}

Result<std::unique_ptr<KeyPool>> KeyPool::Create(const KeyPoolOptions& options) {
  if (Status st = ValidateOptions(options); !st.ok()) return st;
  std::unique_ptr<KeyPool> pool(new KeyPool(options));
  bool any = false;
  for (int d : options.depth) any = any || d > 0;
  if (!any) return pool;  // nothing to refill: no threads
  try {
    for (int i = 0; i < options.refill_threads; ++i) {
      pool->threads_.emplace_back([p = pool.get()] { p->RefillLoop(); });
    }
  } catch (const std::exception&) {  // std::system_error, or bad_alloc growing threads_
    return Status::Internal("cannot start a key pool thread");  // ~KeyPool joins the others
  }
  return pool;
}

KeyPool::KeyPool(const KeyPoolOptions& options) : options_(options) {
  for (KeyAlgo a : kAllKeyAlgos) {
    Slot& s = slots_[KeyAlgoIndex(a)];
    s.target = options.refill_threads > 0 ? options.depth[KeyAlgoIndex(a)] : 0;
    s.keys.reserve(static_cast<size_t>(s.target));
  }
}

KeyPool::~KeyPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  // A refill thread may be deep in an RSA keygen at SCHED_IDLE, which on a
  // busy machine gets almost no CPU: shutdown would wait for it (observed:
  // over 30 s after SIGTERM). Abort the keygen and lift the thread back to
  // normal scheduling so it reaches the abort promptly.
  cancel_.store(true);
  cv_.notify_all();
  for (std::thread& t : threads_) {
    sched_param normal{};
    (void)pthread_setschedparam(t.native_handle(), SCHED_OTHER, &normal);
    t.join();
  }
  // slots_ (and every pooled EVP_PKEY with it) is freed after this body.
}

int KeyPool::PickLocked() const {
  int best = -1;
  // Compare deficits as fractions without division: d1/t1 > d2/t2.
  int64_t best_deficit = 0, best_target = 1;
  for (KeyAlgo a : kByCost) {
    const Slot& s = slots_[KeyAlgoIndex(a)];
    if (s.target == 0) continue;
    int64_t deficit = s.target - static_cast<int64_t>(s.keys.size()) - s.in_flight;
    if (deficit <= 0) continue;
    // Strictly greater, so the cheaper algorithm (seen first) wins ties.
    if (best < 0 || deficit * best_target > best_deficit * s.target) {
      best = static_cast<int>(KeyAlgoIndex(a));
      best_deficit = deficit;
      best_target = s.target;
    }
  }
  return best;
}

// A refill thread holds mu_ only to pick and to push (no allocation: the
// vectors are reserved), never while generating. At SCHED_IDLE it can still
// be preempted inside that window; a Take then waits until the scheduler
// gives the idle thread its next slice (CFS does, within a scheduling
// period), which is rare enough not to justify a lock-free pool.
void KeyPool::RefillLoop() {
  if (options_.low_priority) {
    switch (LowerThisThreadsPriority()) {
      case Priority::kIdle: sched_idle_threads_.fetch_add(1); break;
      case Priority::kNice: nice_threads_.fetch_add(1); break;
      case Priority::kNormal: break;
    }
  }
  std::unique_lock<std::mutex> lk(mu_);
  while (true) {
    int idx = -1;
    ++sleeping_;
    cv_.wait(lk, [&] { return stop_ || (idx = PickLocked()) >= 0; });
    --sleeping_;
    if (stop_) return;
    Slot& slot = slots_[static_cast<size_t>(idx)];
    ++slot.in_flight;
    lk.unlock();

    auto wall0 = std::chrono::steady_clock::now();
    uint64_t cpu0 = ThreadCpuNs();
    Result<PrivateKey> key = PrivateKey::Generate(kAllKeyAlgos[idx], &cancel_);
    slot.refill_cpu_ns.fetch_add(ThreadCpuNs() - cpu0, std::memory_order_relaxed);
    slot.refill_wall_ns.fetch_add(
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now() - wall0)
                                  .count()),
        std::memory_order_relaxed);
    if (!key.ok() && !cancel_.load()) slot.failures.fetch_add(1, std::memory_order_relaxed);

    lk.lock();
    --slot.in_flight;
    if (!key.ok()) {
      if (stop_) return;
      // Not the caller's problem and unlikely to fix itself at once: back off
      // rather than spin, but stay responsive to stop.
      cv_.wait_for(lk, std::chrono::seconds(1), [&] { return stop_; });
      continue;
    }
    if (!stop_ && slot.keys.size() < static_cast<size_t>(slot.target)) {
      slot.keys.push_back(std::move(key).value());  // capacity reserved: no allocation
      slot.generated.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    // Stopping: drop the key outside the lock (EVP_PKEY_free clears it).
    lk.unlock();
    { Result<PrivateKey> dropped = std::move(key); }
    lk.lock();
  }
}

Result<PrivateKey> KeyPool::Take(KeyAlgo algo) {
  Slot& slot = slots_[KeyAlgoIndex(algo)];
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (!slot.keys.empty()) {
      PrivateKey key = std::move(slot.keys.back());
      slot.keys.pop_back();
      // Only a sleeping refill thread needs a wake-up; a busy one picks the
      // next deficit itself, which keeps futex calls off the hot path.
      bool wake = sleeping_ > 0;
      slot.hits.fetch_add(1, std::memory_order_relaxed);  // under mu_: Stats stays consistent
      lk.unlock();
      if (wake) cv_.notify_one();
      return key;
    }
  }
  slot.misses.fetch_add(1, std::memory_order_relaxed);
  auto key = PrivateKey::Generate(algo);
  if (!key.ok()) slot.failures.fetch_add(1, std::memory_order_relaxed);
  return key;
}

KeySourceStats KeyPool::Stats() const {
  KeySourceStats s;
  s.refill_threads = static_cast<int>(threads_.size());
  s.refill_threads_sched_idle = sched_idle_threads_.load();
  s.refill_threads_nice = nice_threads_.load();
  std::lock_guard<std::mutex> lk(mu_);
  for (KeyAlgo a : kAllKeyAlgos) {
    const Slot& slot = slots_[KeyAlgoIndex(a)];
    KeyAlgoStats& as = s.algos[KeyAlgoIndex(a)];
    as.algo = a;
    as.target = slot.target;
    as.depth = static_cast<int>(slot.keys.size());
    as.in_flight = slot.in_flight;
    as.generated = slot.generated.load(std::memory_order_relaxed);
    as.hits = slot.hits.load(std::memory_order_relaxed);
    as.misses = slot.misses.load(std::memory_order_relaxed);
    as.failures = slot.failures.load(std::memory_order_relaxed);
    as.refill_wall_ns = slot.refill_wall_ns.load(std::memory_order_relaxed);
    as.refill_cpu_ns = slot.refill_cpu_ns.load(std::memory_order_relaxed);
  }
  return s;
}

}  // namespace csrd::crypto
