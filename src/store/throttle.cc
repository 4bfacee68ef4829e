#include "store/throttle.h"

namespace csrd::store {

Throttle NextThrottle(Throttle t, int64_t now, int64_t window_ms, int threshold,
                      int64_t lock_ms) {
  if (t.locked_until > now) return t;  // a failure during a lock neither counts nor extends it
  // failures == 0 also opens a new window: window_start is the time of the
  // first failure counted, and after a lock nothing is counted yet.
  if (t.failures == 0 || now - t.window_start >= window_ms) {
    t.failures = 1;
    t.window_start = now;
  } else {
    t.failures += 1;
  }
  if (threshold > 0 && t.failures >= threshold) {
    t.locked_until = now + lock_ms;
    t.failures = 0;
  }
  return t;
}

}  // namespace csrd::store
