// The failure-counter rule behind Store::RecordFailure, in one place for every
// Store implementation (they differ only in how they lock the row).
#pragma once

#include <cstdint>

#include "store/records.h"

namespace csrd::store {

// The state after one more failure at `now` (see Store::RecordFailure): while
// locked nothing changes; a failure opens a new window when none is counted or
// the window has passed; reaching `threshold` locks for lock_ms and resets the
// count. threshold <= 0 never locks. Pure; thread-safe.
Throttle NextThrottle(Throttle current, int64_t now, int64_t window_ms, int threshold,
                      int64_t lock_ms);

}  // namespace csrd::store
