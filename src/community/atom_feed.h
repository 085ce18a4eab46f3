// Atom 1.0 (RFC 4287) feeds of comments. Bodies are plain text: they go into
// <content type="text">, XML-escaped, never as markup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stoa::community {

struct FeedEntry {
    std::string id;  // an IRI, unique and permanent
    std::string title;
    std::string author;  // a name; never empty
    std::string body;
    std::string published;            // RFC 3339
    std::string updated;              // RFC 3339
    std::optional<std::string> link;  // where the comment is shown
};

struct Feed {
    std::string id;
    std::string title;
    std::string self_url;
    std::optional<std::string> alternate_url;
    std::string updated;  // RFC 3339: the newest entry's, or a fixed time when empty
    std::vector<FeedEntry> entries;
};

// Text for XML character data and attribute values: & < > " ' escaped;
// characters XML 1.0 cannot carry (controls but tab and newline, U+FFFE,
// U+FFFF, invalid UTF-8) become U+FFFD.
std::string xml_escape(std::string_view text);

std::string render_atom(const Feed& feed);

}  // namespace stoa::community
