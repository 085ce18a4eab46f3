#include "mail/address.h"

#include <algorithm>
#include <cctype>

namespace stoa::mail {
namespace {

// RFC 5322 atext: what a dot-atom is made of.
bool atext(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool valid_dot_atom(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    if (s.find("..") != std::string_view::npos) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c == '.' || atext(c); });
}

bool valid_domain_name(std::string_view d) {
    if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.' || d.find("..") != std::string_view::npos)
        return false;
    std::size_t label = 0;
    for (std::size_t i = 0; i <= d.size(); ++i) {
        if (i == d.size() || d[i] == '.') {
            if (label == 0 || label > 63 || d[i - 1] == '-' || d[i - label] == '-') return false;
            label = 0;
            continue;
        }
        if (!std::isalnum(static_cast<unsigned char>(d[i])) && d[i] != '-') return false;
        ++label;
    }
    return true;
}

bool valid_address_literal(std::string_view d) {
    if (d.size() < 3 || d.front() != '[' || d.back() != ']') return false;
    auto inner = d.substr(1, d.size() - 2);
    return std::all_of(inner.begin(), inner.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == 'v' || c == 'V';
    });
}

// A domain name with at least one letter: something a mail server would accept
// after "no-reply@".
bool looks_like_dns_name(std::string_view host) {
    return valid_domain_name(host) &&
           std::any_of(host.begin(), host.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

std::string_view trim_spaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

// The display name as written: unquoted, with \" and \\ unescaped.
Result<std::string> parse_display_name(std::string_view raw) {
    raw = trim_spaces(raw);
    if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') {
        if (raw.find('"') != std::string_view::npos) return fail("unbalanced quotes in the display name");
        return std::string(raw);
    }
    std::string name;
    for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 2 < raw.size())
            ++i;
        else if (raw[i] == '"')
            return fail("stray quote in the display name");
        name.push_back(raw[i]);
    }
    return name;
}

}  // namespace

bool valid_address(std::string_view address) {
    if (address.size() > 254) return false;
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return false;
    auto local = address.substr(0, at);
    auto domain = address.substr(at + 1);
    if (local.size() > 64 || !valid_dot_atom(local)) return false;
    return valid_domain_name(domain) || valid_address_literal(domain);
}

Result<Mailbox> parse_mailbox(std::string_view text) {
    if (has_control(text)) return fail("control characters (CR, LF, ...) are not allowed in a mailbox");
    text = trim_spaces(text);
    Mailbox m;
    auto open = text.rfind('<');
    if (open == std::string_view::npos) {
        m.address = std::string(text);
    } else {
        if (text.back() != '>') return fail("nothing may follow the <address>");
        m.address = std::string(text.substr(open + 1, text.size() - open - 2));
        auto name = parse_display_name(text.substr(0, open));
        if (!name) return fail(name.error());
        m.name = std::move(name).value();
    }
    if (!valid_address(m.address)) return fail("\"" + m.address + "\" is not an address like name@example.org");
    return m;
}

std::string address_domain(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string() : std::string(address.substr(at + 1));
}

std::string url_host(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    auto rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (!rest.empty() && rest.front() == '[') return std::string(rest.substr(0, rest.find(']') + 1));
    return std::string(rest.substr(0, rest.find(':')));
}

Result<Mailbox> sender_mailbox(const Config& config) {
    if (!config.mail_from.empty()) {
        auto m = parse_mailbox(config.mail_from);
        if (!m) return fail("MAIL_FROM: " + m.error() + "; e.g. Stoa <no-reply@example.org>");
        return m;
    }
    std::string host = url_host(config.public_base_url);
    return Mailbox{"Stoa", "no-reply@" + (looks_like_dns_name(host) ? host : std::string("localhost"))};
}

std::string message_id_domain(const Config& config) {
    if (auto from = parse_mailbox(config.mail_from)) return address_domain(from->address);
    std::string host = url_host(config.public_base_url);
    if (valid_domain_name(host) || valid_address_literal(host)) return host;
    return "localhost";
}

}  // namespace stoa::mail
