#include "projects/upload_kind.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace stoa::projects {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kFileTypes = {{
    {".py", "text/x-python"},
    {".cpp", "text/x-c++src"},
    {".h", "text/x-chdr"},
    {".ino", "text/x-arduino"},
    {".md", "text/markdown"},
    {".txt", "text/plain"},
    {".pdf", "application/pdf"},
    {".stl", "model/stl"},
    {".obj", "model/obj"},
    {".gcode", "text/x-gcode"},
    {".json", "application/json"},
    {".xml", "application/xml"},
    {".yaml", "application/yaml"},
    {".yml", "application/yaml"},
}};

bool binary_allowed(std::string_view ext) {
    return ext == ".pdf" || ext == ".stl";
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::optional<std::string> file_content_type(std::string_view extension) {
    for (const auto& [ext, type] : kFileTypes)
        if (ext == extension) return std::string(type);
    return std::nullopt;
}

std::string accepted_file_extensions() {
    std::string out;
    for (const auto& [ext, type] : kFileTypes) out += (out.empty() ? "" : " ") + std::string(ext);
    return out;
}

std::string check_file_content(std::string_view extension, std::string_view head) {
    if (extension == ".pdf" && !head.starts_with("%PDF-")) return "the file is not a PDF (it does not start with %PDF-)";
    if (!binary_allowed(extension) && head.find('\0') != std::string_view::npos)
        return "a " + std::string(extension) + " file must be text, and this one holds binary data";
    return {};
}

bool image_extension_accepted(std::string_view extension) {
    return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".gif" ||
           extension == ".webp" || extension == ".svg";
}

bool looks_like_svg(std::string_view head) {
    if (head.find('\0') != std::string_view::npos) return false;
    std::string text = lower(head);
    if (text.find("<!doctype") != std::string::npos || text.find("<!entity") != std::string::npos) return false;
    // The first element (after an XML declaration, comments, white space) is <svg.
    std::size_t at = text.starts_with("\xef\xbb\xbf") ? 3 : 0;
    for (;;) {
        while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) ++at;
        if (text.compare(at, 5, "<?xml") == 0 || text.compare(at, 4, "<!--") == 0) {
            std::size_t end = text.find(text[at + 1] == '?' ? "?>" : "-->", at);
            if (end == std::string::npos) return false;
            at = end + (text[at + 1] == '?' ? 2 : 3);
            continue;
        }
        break;
    }
    return text.compare(at, 4, "<svg") == 0 && at + 4 < text.size() &&
           (std::isspace(static_cast<unsigned char>(text[at + 4])) || text[at + 4] == '>');
}

}  // namespace stoa::projects
