#include "community/atom_feed.h"

namespace stoa::community {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t sequence_length(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n = (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;
    if (c == 0xED && b(i + 1) > 0x9F) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;
    if (c == 0xF4 && b(i + 1) > 0x8F) return 0;
    return n;
}

void element(std::string& out, const char* indent, const char* name, std::string_view text) {
    out += indent;
    out += "<";
    out += name;
    out += ">";
    out += xml_escape(text);
    out += "</";
    out += name;
    out += ">\n";
}

void link(std::string& out, const char* indent, const char* rel, std::string_view href, const char* type = nullptr) {
    out += indent;
    out += "<link rel=\"";
    out += rel;
    out += "\" href=\"";
    out += xml_escape(href);
    out += "\"";
    if (type != nullptr) {
        out += " type=\"";
        out += type;
        out += "\"";
    }
    out += "/>\n";
}

}  // namespace

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = sequence_length(text, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
            continue;
        }
        char c = text[i];
        if (n == 1) {
            switch (c) {
                case '&':
                    out += "&amp;";
                    break;
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\'':
                    out += "&apos;";
                    break;
                case '\t':
                case '\n':
                    out.push_back(c);
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                        out += kReplacement;
                    else
                        out.push_back(c);
            }
        } else if (n == 3 && text.substr(i, 2) == "\xEF\xBF" &&
                   (static_cast<unsigned char>(text[i + 2]) == 0xBE ||
                    static_cast<unsigned char>(text[i + 2]) == 0xBF)) {
            out += kReplacement;  // U+FFFE, U+FFFF
        } else if (n == 2 && static_cast<unsigned char>(c) == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            out += kReplacement;  // C1 controls
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

std::string render_atom(const Feed& feed) {
    std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    element(out, "  ", "id", feed.id);
    element(out, "  ", "title", feed.title);
    element(out, "  ", "updated", feed.updated);
    link(out, "  ", "self", feed.self_url, "application/atom+xml");
    if (feed.alternate_url) link(out, "  ", "alternate", *feed.alternate_url, "text/html");
    out += "  <generator>Stoa</generator>\n";
    for (const auto& e : feed.entries) {
        out += "  <entry>\n";
        element(out, "    ", "id", e.id);
        element(out, "    ", "title", e.title);
        element(out, "    ", "published", e.published);
        element(out, "    ", "updated", e.updated);
        out += "    <author>\n";
        element(out, "      ", "name", e.author);
        out += "    </author>\n";
        if (e.link) link(out, "    ", "alternate", *e.link, "text/html");
        out += "    <content type=\"text\">" + xml_escape(e.body) + "</content>\n";
        out += "  </entry>\n";
    }
    out += "</feed>\n";
    return out;
}

}  // namespace stoa::community
