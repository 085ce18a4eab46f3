#include "community/page_url.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace stoa::community {
namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
}

bool ipv6_char(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
}

}  // namespace

Result<std::string> normalize_page_url(std::string_view url) {
    if (url.empty() || url.size() > kMaxPageUrl)
        return fail("must be 1 to " + std::to_string(kMaxPageUrl) + " characters");
    if (!std::all_of(url.begin(), url.end(), [](char c) { return c >= 0x21 && c <= 0x7e; }))
        return fail("must be printable ASCII without spaces (percent-encode the rest)");

    std::size_t colon = url.find("://");
    if (colon == std::string_view::npos) return fail("must be an absolute http:// or https:// URL");
    std::string scheme(url.substr(0, colon));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), lower);
    if (scheme != "http" && scheme != "https") return fail("must be an absolute http:// or https:// URL");

    std::string_view rest = url.substr(colon + 3);
    std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail = rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) return fail("must not carry a user name or password");

    std::string_view host = authority, port;
    if (authority.starts_with("[")) {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos || close < 3) return fail("has a malformed IPv6 host");
        if (!std::all_of(authority.begin() + 1, authority.begin() + static_cast<std::ptrdiff_t>(close), ipv6_char))
            return fail("has a malformed IPv6 host");
        host = authority.substr(0, close + 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return fail("has a malformed host");
            port = after.substr(1);
        }
    } else {
        std::size_t c = authority.rfind(':');
        if (c != std::string_view::npos) {
            host = authority.substr(0, c);
            port = authority.substr(c + 1);
        }
        if (host.empty() || !std::all_of(host.begin(), host.end(), host_char)) return fail("has no valid host name");
    }

    std::string out = scheme + "://";
    std::transform(host.begin(), host.end(), std::back_inserter(out), lower);
    if (!port.empty()) {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return fail("has a malformed port");
        long n = std::stol(std::string(port));
        if (n < 1 || n > 65535) return fail("has a port outside 1 to 65535");
        bool default_port = (scheme == "http" && n == 80) || (scheme == "https" && n == 443);
        if (!default_port) out += ":" + std::to_string(n);
    }

    std::string_view without_fragment = tail.substr(0, std::min(tail.find('#'), tail.size()));
    std::size_t q = without_fragment.find('?');
    std::string_view path = without_fragment.substr(0, std::min(q, without_fragment.size()));
    std::string_view query = q == std::string_view::npos ? std::string_view() : without_fragment.substr(q);
    out += path.empty() ? std::string_view("/") : path;
    if (query.size() > 1) out += query;
    return out;
}

std::string page_origin(std::string_view normalized_url) {
    std::size_t start = normalized_url.find("://");
    if (start == std::string_view::npos) return {};
    std::size_t end = normalized_url.find_first_of("/?", start + 3);
    return std::string(normalized_url.substr(0, end));
}

bool is_site_origin(std::string_view normalized_url, const std::vector<std::string>& site_origins) {
    std::string origin = page_origin(normalized_url);
    // Configured origins are lower-cased already, so usually equal as given;
    // normalising them (a default port written out) is the slow way.
    if (std::find(site_origins.begin(), site_origins.end(), origin) != site_origins.end()) return true;
    return std::any_of(site_origins.begin(), site_origins.end(), [&](const std::string& allowed) {
        auto configured = normalize_page_url(allowed + "/");
        return configured.ok() && page_origin(*configured) == origin;
    });
}

}  // namespace stoa::community
