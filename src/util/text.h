#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stoa {

// Valid UTF-8 text at most `max_bytes` long (cut at a character boundary);
// invalid bytes and control characters become U+FFFD. For storing and
// logging text a client sent in headers (User-Agent).
std::string clean_header_text(std::string_view text, std::size_t max_bytes);

// Trims ASCII white space at both ends.
std::string_view trim(std::string_view text);

// Number of code points in valid UTF-8.
std::size_t utf8_length(std::string_view text);
// Percent-encodes every byte but RFC 3986's unreserved characters
// (ALPHA, DIGIT, "-", ".", "_", "~"), for a URI component.
std::string percent_encode(std::string_view text);

}  // namespace stoa
