#pragma once

#include <cstdint>
#include <string>

namespace stoa {

// Seconds since the epoch (system clock).
std::int64_t unix_now();
// Monotonic clock in microseconds, for durations.
std::int64_t monotonic_micros();
// "2026-11-23T17:54:17Z" for a unix time.
std::string rfc3339(std::int64_t unix_seconds);
// "2026-11-23T17:54:17.123Z" now.
std::string rfc3339_now_millis();

}  // namespace stoa
