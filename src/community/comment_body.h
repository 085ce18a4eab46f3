// Comment bodies: plain text, stored as given and never turned into HTML.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/problem.h"

namespace stoa::community {

inline constexpr std::size_t kMaxCommentChars = 10000;

// 1 to 10000 characters once white space at both ends is trimmed, valid
// UTF-8, no control characters other than newline and tab. Adds errors for
// field "body" to `v`.
void check_comment_body(http::Validation& v, const std::string& body);

// Links in a comment: every http://, https:// or www. (any case).
std::size_t count_links(std::string_view body);

}  // namespace stoa::community
