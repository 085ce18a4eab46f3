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
// "Mon, 23 Nov 2026 17:54:17 " + `zone`: the date of RFC 5322 (zone "+0000")
// and of HTTP (RFC 9110 IMF-fixdate, zone "GMT"), in English whatever the locale.
std::string imf_date(std::int64_t unix_seconds, const char* zone);

}  // namespace stoa
