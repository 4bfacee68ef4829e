// A background thread that calls a function at a fixed interval, for the
// program's housekeeping (the expired-token sweep, the heap trimmer).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace csrd::cmd {

// Calls fn on a thread of its own every `interval`, the first time one
// interval after construction, until destroyed. fn runs without any lock of
// the task held and must not throw. The destructor wakes the thread, waits for
// a call in progress to return, and joins: after it, fn is never called again.
// Not copyable.
class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> fn);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void Loop();

  const std::chrono::milliseconds interval_;
  const std::function<void()> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after every other member is ready
};

}  // namespace csrd::cmd
