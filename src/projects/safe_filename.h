// Original filenames of uploads are the client's words: shown and used in
// downloads and ZIP entries only after being made safe here (no path, no
// control characters, valid UTF-8, bounded length), and sent in
// Content-Disposition as RFC 6266 / RFC 5987 asks.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>

namespace stoa::projects {

inline constexpr std::size_t kMaxFilenameBytes = 200;

// One path segment that is safe on any file system: the last component of
// `original` (after / or \), invalid UTF-8 and control characters replaced,
// characters Windows refuses (<>:"|?*) replaced by '_', leading dots and
// spaces and trailing dots and spaces dropped, reserved device names (CON,
// NUL, COM1...) prefixed, cut to kMaxFilenameBytes at a character boundary
// keeping the extension; "file" when nothing is left.
std::string safe_filename(std::string_view original);

// The extension of a (safe) name, lower-cased, with its dot (".tar" of
// "a.TAR"); empty when there is none.
std::string extension_of(std::string_view name);

// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded`.
std::string content_disposition(std::string_view disposition, std::string_view safe_name);

// Hands out each name once: a repeated name gets " (2)", " (3)"... before
// its extension, compared ignoring ASCII case (for case-insensitive file systems).
class UniqueNames {
public:
    std::string take(std::string_view safe_name);

private:
    std::set<std::string> taken_;  // lower-cased
};

}  // namespace stoa::projects
