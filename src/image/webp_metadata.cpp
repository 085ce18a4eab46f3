#include "image/webp_metadata.h"

#include <cstdint>

namespace stoa::image {
namespace {

constexpr unsigned char kIccFlag = 0x20;
constexpr unsigned char kExifFlag = 0x08;
constexpr unsigned char kXmpFlag = 0x04;

std::uint32_t le32(std::string_view s, std::size_t at) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}

void put_le32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

Result<std::string> strip_webp_metadata(std::string_view webp) {
    if (webp.size() < 12 || webp.substr(0, 4) != "RIFF" || webp.substr(8, 4) != "WEBP") return fail("not a WebP file");
    std::size_t end = std::size_t{8} + le32(webp, 4);
    if (end > webp.size()) return fail("WebP: RIFF size past the end of the data");
    std::string chunks;
    chunks.reserve(end);
    for (std::size_t i = 12; i < end;) {
        if (i + 8 > end) return fail("WebP: truncated chunk header");
        std::string_view fourcc = webp.substr(i, 4);
        std::size_t size = le32(webp, i + 4);
        std::size_t padded = size + (size & 1);
        if (i + 8 + padded > end) return fail("WebP: chunk past the end of the data");
        if (fourcc != "EXIF" && fourcc != "XMP " && fourcc != "ICCP") {
            std::size_t at = chunks.size();
            chunks.append(webp.substr(i, 8 + padded));
            if (fourcc == "VP8X" && size >= 1) {
                auto flags = static_cast<unsigned char>(chunks[at + 8]);
                chunks[at + 8] = static_cast<char>(flags & ~(kIccFlag | kExifFlag | kXmpFlag));
            }
        }
        i += 8 + padded;
    }
    std::string out = "RIFF";
    put_le32(out, static_cast<std::uint32_t>(chunks.size() + 4));
    out += "WEBP";
    out += chunks;
    return out;
}

}  // namespace stoa::image
