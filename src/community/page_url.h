// Page URLs as likes and comments store them: the origin must be one of
// SITE_ORIGINS, and one page has one spelling (scheme and host lower-cased,
// default port dropped, fragment dropped, path and query kept as given).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace stoa::community {

inline constexpr std::size_t kMaxPageUrl = 2048;

// "HTTPS://Site.Example:443/a?b#c" -> "https://site.example/a?b". Refuses
// anything but an absolute http(s) URL of at most kMaxPageUrl printable
// ASCII characters (browsers percent-encode the rest), with a host and
// without user:password@. An empty path becomes "/"; a bare "?" is dropped.
[[nodiscard]] Result<std::string> normalize_page_url(std::string_view url);

// "https://site.example" of a normalised URL.
std::string page_origin(std::string_view normalized_url);

// Whether the origin of a normalised URL is one of `site_origins` (as
// config.cpp keeps them: lower-cased, maybe with an explicit default port).
bool is_site_origin(std::string_view normalized_url, const std::vector<std::string>& site_origins);

}  // namespace stoa::community
