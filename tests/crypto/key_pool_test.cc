#include "crypto/key_pool.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace csrd::crypto {
namespace {

using namespace std::chrono_literals;

// The SubjectPublicKeyInfo DER: equal for two handles of the same key.
std::string PublicDer(const PrivateKey& key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key.get(), &der);
  if (n <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

KeyPoolOptions Only(std::initializer_list<std::pair<KeyAlgo, int>> depths) {
  KeyPoolOptions o;
  o.depth.fill(0);
  for (auto [algo, n] : depths) o.depth[KeyAlgoIndex(algo)] = n;
  o.low_priority = false;  // the test machine is shared and busy: do not starve refills
  return o;
}

std::unique_ptr<KeyPool> MustCreate(const KeyPoolOptions& o) {
  auto pool = KeyPool::Create(o);
  EXPECT_TRUE(pool.ok()) << pool.status().ToString();
  return pool.ok() ? std::move(pool).value() : nullptr;
}

KeyAlgoStats StatsOf(const KeySource& src, KeyAlgo a) {
  return src.Stats().algos[KeyAlgoIndex(a)];
}

// Polls until cond holds; false after the deadline (a hang, not a slow run).
bool WaitFor(const std::function<bool()>& cond, std::chrono::seconds limit = 120s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

bool Full(const KeySource& src, KeyAlgo a) {
  KeyAlgoStats s = StatsOf(src, a);
  return s.depth == s.target;
}

TEST(KeyPoolDepthSpec, ParsesAlgorithmsAndAll) {
  KeyPoolOptions o;
  EXPECT_EQ(o.depth[KeyAlgoIndex(KeyAlgo::kRsa4096)], 16);
  EXPECT_EQ(o.depth[KeyAlgoIndex(KeyAlgo::kEcP256)], 256);
  ASSERT_TRUE(ApplyKeyPoolDepth("RSA_4096=3", &o).ok());
  EXPECT_EQ(o.depth[KeyAlgoIndex(KeyAlgo::kRsa4096)], 3);
  EXPECT_EQ(o.depth[KeyAlgoIndex(KeyAlgo::kRsa2048)], 32);
  ASSERT_TRUE(ApplyKeyPoolDepth("all=0", &o).ok());
  for (int d : o.depth) EXPECT_EQ(d, 0);
  ASSERT_TRUE(ApplyKeyPoolDepth("SM2=100000", &o).ok());
  EXPECT_EQ(o.depth[KeyAlgoIndex(KeyAlgo::kSm2)], 100000);
}

TEST(KeyPoolDepthSpec, RejectsMalformed) {
  KeyPoolOptions o;
  for (const char* bad : {"", "RSA_4096", "RSA_4096=", "=3", "rsa_4096=3", "RSA_1024=3",
                          "EC_P256=-1", "EC_P256=1x", "EC_P256=100001", "EC_P256= 3",
                          "EC_P256=99999999999999999999"}) {
    Status st = ApplyKeyPoolDepth(bad, &o);
    EXPECT_TRUE(st.IsInvalidArgument()) << bad;
  }
  EXPECT_EQ(o.depth, KeyPoolOptions{}.depth);  // untouched
}

TEST(KeyPool, RejectsBadOptions) {
  KeyPoolOptions o = Only({{KeyAlgo::kEcP256, -1}});
  EXPECT_TRUE(KeyPool::Create(o).status().IsInvalidArgument());
  o = Only({{KeyAlgo::kEcP256, 1}});
  o.refill_threads = kMaxKeyPoolThreads + 1;
  EXPECT_TRUE(KeyPool::Create(o).status().IsInvalidArgument());
}

TEST(KeyPool, FillsToDepthAndHandsOutDistinctKeysOfTheRightAlgo) {
  auto pool = MustCreate(Only({{KeyAlgo::kEcP256, 8}, {KeyAlgo::kSm2, 4}}));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP256) && Full(*pool, KeyAlgo::kSm2); }));
  KeyAlgoStats before = StatsOf(*pool, KeyAlgo::kEcP256);
  EXPECT_EQ(before.target, 8);
  EXPECT_EQ(before.depth, 8);
  EXPECT_GE(before.generated, 8u);
  EXPECT_EQ(before.hits, 0u);
  EXPECT_EQ(before.misses, 0u);

  std::set<std::string> seen;
  for (int i = 0; i < 8; ++i) {
    auto key = pool->Take(KeyAlgo::kEcP256);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    auto algo = key->Algo();
    ASSERT_TRUE(algo.ok());
    EXPECT_EQ(*algo, KeyAlgo::kEcP256);
    EXPECT_TRUE(seen.insert(PublicDer(*key)).second) << "key handed out twice";
  }
  KeyAlgoStats after = StatsOf(*pool, KeyAlgo::kEcP256);
  EXPECT_EQ(after.hits, 8u);
  EXPECT_EQ(after.misses, 0u);

  auto sm2 = pool->Take(KeyAlgo::kSm2);
  ASSERT_TRUE(sm2.ok());
  EXPECT_EQ(*sm2->Algo(), KeyAlgo::kSm2);
  EXPECT_EQ(StatsOf(*pool, KeyAlgo::kSm2).hits, 1u);
  // Taking refills back up to the target.
  EXPECT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP256) && Full(*pool, KeyAlgo::kSm2); }));
}

TEST(KeyPool, EachTakeRemovesExactlyOneKey) {
  auto pool = MustCreate(Only({{KeyAlgo::kEcP384, 6}}));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP384); }));
  // The refill thread races the Takes, so the exact check is the ledger: every
  // key that entered the pool (generated) left it by a hit or is still there.
  for (int i = 1; i <= 20; ++i) {
    ASSERT_TRUE(pool->Take(KeyAlgo::kEcP384).ok());
    KeyAlgoStats s = StatsOf(*pool, KeyAlgo::kEcP384);
    EXPECT_EQ(s.hits + s.misses, static_cast<uint64_t>(i));
    EXPECT_EQ(static_cast<uint64_t>(s.depth), s.generated - s.hits);
    EXPECT_LE(s.depth, 6);
  }
}

TEST(KeyPool, DepthDropsByOneWhileTheRefillIsBusy) {
  // One refill thread. Once both pools are full, taking the RSA key sets the
  // thread generating a new one (~100 ms); while it is in flight nobody
  // refills P-256, so each P-256 Take shows exactly.
  auto pool = MustCreate(Only({{KeyAlgo::kEcP256, 4}, {KeyAlgo::kRsa2048, 1}}));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP256) && Full(*pool, KeyAlgo::kRsa2048); }));
  ASSERT_TRUE(pool->Take(KeyAlgo::kRsa2048).ok());
  ASSERT_TRUE(WaitFor([&] {
    return StatsOf(*pool, KeyAlgo::kRsa2048).in_flight == 1 || Full(*pool, KeyAlgo::kRsa2048);
  }));
  int checked = 0;
  for (int i = 1; i <= 4; ++i) {
    if (StatsOf(*pool, KeyAlgo::kRsa2048).in_flight != 1) break;
    ASSERT_TRUE(pool->Take(KeyAlgo::kEcP256).ok());
    KeyAlgoStats s = StatsOf(*pool, KeyAlgo::kEcP256);
    // Still in flight now means it was all along (its pool is then full and
    // nothing else restarts it), so the thread could not touch P-256.
    if (StatsOf(*pool, KeyAlgo::kRsa2048).in_flight != 1) break;
    EXPECT_EQ(s.depth, 4 - i);
    EXPECT_EQ(s.hits, static_cast<uint64_t>(i));
    ++checked;
  }
  // Four Takes take microseconds against a ~100 ms key: this holds unless the
  // test thread was descheduled for that long.
  EXPECT_GE(checked, 1);
}

TEST(KeyPool, EmptyPoolFallsBackInlineAndCountsMisses) {
  KeyPoolOptions o = Only({{KeyAlgo::kRsa2048, 1}});
  o.low_priority = true;  // the test thread always wins the race for the first key
  auto pool = MustCreate(o);
  ASSERT_NE(pool, nullptr);
  auto key = pool->Take(KeyAlgo::kRsa2048);  // before the first refill can finish
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key->Algo(), KeyAlgo::kRsa2048);
  KeyAlgoStats s = StatsOf(*pool, KeyAlgo::kRsa2048);
  EXPECT_EQ(s.hits + s.misses, 1u);
  EXPECT_EQ(s.misses, 1u);
}

TEST(KeyPool, DepthZeroDisablesThatAlgorithm) {
  auto pool = MustCreate(Only({{KeyAlgo::kEcP256, 4}}));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP256); }));
  for (int i = 0; i < 3; ++i) {
    auto key = pool->Take(KeyAlgo::kEcP384);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(*key->Algo(), KeyAlgo::kEcP384);
  }
  KeyAlgoStats s = StatsOf(*pool, KeyAlgo::kEcP384);
  EXPECT_EQ(s.target, 0);
  EXPECT_EQ(s.depth, 0);
  EXPECT_EQ(s.generated, 0u);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.hits, 0u);
  for (KeyAlgo a : kAllKeyAlgos) {
    if (a != KeyAlgo::kEcP256) {
      EXPECT_EQ(StatsOf(*pool, a).generated, 0u) << KeyAlgoName(a);
    }
  }
}

TEST(KeyPool, NoRefillThreadsMeansNoPool) {
  KeyPoolOptions o = Only({{KeyAlgo::kEcP256, 4}});
  o.refill_threads = 0;
  auto pool = MustCreate(o);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pool->Stats().refill_threads, 0);
  EXPECT_EQ(StatsOf(*pool, KeyAlgo::kEcP256).target, 0);
  ASSERT_TRUE(pool->Take(KeyAlgo::kEcP256).ok());
  EXPECT_EQ(StatsOf(*pool, KeyAlgo::kEcP256).misses, 1u);
}

TEST(KeyPool, ConcurrentTakesNeverShareAKey) {
  KeyPoolOptions o = Only({{KeyAlgo::kEcP256, 64}});
  o.refill_threads = 2;
  auto pool = MustCreate(o);
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP256); }));
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<std::vector<PrivateKey>> got(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto k = pool->Take(KeyAlgo::kEcP256);
        if (!k.ok()) {
          errors.fetch_add(1);
          continue;
        }
        got[t].push_back(std::move(k).value());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  // Every key is still alive, so distinct objects have distinct addresses.
  std::set<EVP_PKEY*> ptrs;
  std::set<std::string> pubs;
  for (const auto& v : got) {
    for (const PrivateKey& k : v) {
      EXPECT_TRUE(ptrs.insert(k.get()).second) << "same EVP_PKEY handed out twice";
      EXPECT_TRUE(pubs.insert(PublicDer(k)).second) << "same key handed out twice";
    }
  }
  EXPECT_EQ(pubs.size(), static_cast<size_t>(kThreads * kPerThread));
  KeyAlgoStats s = StatsOf(*pool, KeyAlgo::kEcP256);
  EXPECT_EQ(s.hits + s.misses, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_GE(s.hits, 64u);  // at least the initial fill was used
  EXPECT_EQ(static_cast<uint64_t>(s.depth), s.generated - s.hits);
}

TEST(KeyPool, DestructionDuringRsaKeygenIsPromptAndClean) {
  auto pool = MustCreate(Only({{KeyAlgo::kRsa2048, 2}}));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return StatsOf(*pool, KeyAlgo::kRsa2048).in_flight == 1; }));
  // Joining waits for at most the one RSA-2048 key in flight; the bound only
  // catches a hang (a thread that ignores stop), it is not a timing check.
  std::promise<void> done;
  auto finished = done.get_future();
  std::thread destroyer([&pool, &done] {
    pool.reset();
    done.set_value();
  });
  bool ok = finished.wait_for(120s) == std::future_status::ready;
  EXPECT_TRUE(ok) << "~KeyPool did not return";
  if (ok) {
    destroyer.join();
  } else {
    destroyer.detach();
  }
}

TEST(KeyPool, DestructionOfAFullPoolFreesItsKeys) {
  // Under ASan/LSan a pooled key that is not freed is reported as a leak.
  auto pool = MustCreate(Only({{KeyAlgo::kEcP256, 16}, {KeyAlgo::kSm2, 16}}));
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP256) && Full(*pool, KeyAlgo::kSm2); }));
  pool.reset();
}

TEST(KeyPool, LowPriorityRefillStillFills) {
  KeyPoolOptions o = Only({{KeyAlgo::kEcP256, 4}});
  o.low_priority = true;
  auto pool = MustCreate(o);
  ASSERT_NE(pool, nullptr);
  ASSERT_TRUE(WaitFor([&] { return Full(*pool, KeyAlgo::kEcP256); }));
  KeySourceStats s = pool->Stats();
  EXPECT_EQ(s.refill_threads, 1);
  // SCHED_IDLE needs no privilege on Linux; nice 19 is the fallback.
  EXPECT_EQ(s.refill_threads_sched_idle + s.refill_threads_nice, 1);
}

TEST(InlineKeySource, GeneratesEveryTimeAndCountsMisses) {
  InlineKeySource src;
  auto a = src.Take(KeyAlgo::kEcP256);
  auto b = src.Take(KeyAlgo::kEcP256);
  auto c = src.Take(KeyAlgo::kSm2);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_NE(PublicDer(*a), PublicDer(*b));
  EXPECT_EQ(*c->Algo(), KeyAlgo::kSm2);
  EXPECT_EQ(StatsOf(src, KeyAlgo::kEcP256).misses, 2u);
  EXPECT_EQ(StatsOf(src, KeyAlgo::kSm2).misses, 1u);
  EXPECT_EQ(StatsOf(src, KeyAlgo::kEcP256).hits, 0u);
  EXPECT_EQ(StatsOf(src, KeyAlgo::kEcP256).target, 0);
}

}  // namespace
}  // namespace csrd::crypto
