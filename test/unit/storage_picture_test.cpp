// Profile pictures through libvips: any accepted format comes out as a WebP
// of at most 400×400 without metadata; anything else, and images that claim
// absurd dimensions, are refused before pixels are decoded.
#include <gtest/gtest.h>
#include <unistd.h>
#include <vips/vips.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "image/picture.h"
#include "image/webp_metadata.h"
#include "image/vips_ptr.h"
#include "storage/byte_source.h"

using stoa::image::Format;
using stoa::image::make_picture;
using stoa::image::OutImage;
using stoa::image::sniff_format;
using stoa::image::VipsPtr;

namespace {

// A file with `bytes`, as an upload's spool file would be.
class TempFile {
public:
    explicit TempFile(const std::string& bytes) {
        char path[] = "/tmp/stoa-picture-XXXXXX";
        fd_.reset(::mkstemp(path));
        ::unlink(path);
        EXPECT_EQ(::write(fd_.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    }
    int fd() const { return fd_.get(); }

private:
    stoa::storage::UniqueFd fd_;
};

// A w×h gradient saved by libvips in `format` (".png", ".jpg", ".gif", ".webp").
std::string make_image(int w, int h, const char* suffix) {
    if (VIPS_INIT("stoa-test") != 0) return "";
    VipsPtr<VipsImage> x, rgb;
    vips_xyz(OutImage(x), w, h, nullptr);
    VipsPtr<VipsImage> first;
    vips_extract_band(x.get(), OutImage(first), 0, nullptr);
    VipsPtr<VipsImage> scaled;
    vips_linear1(first.get(), OutImage(scaled), 255.0 / w, 0.0, "uchar", TRUE, nullptr);
    VipsImage* bands[3] = {scaled.get(), scaled.get(), scaled.get()};
    vips_bandjoin(bands, OutImage(rgb), 3, nullptr);
    void* buf = nullptr;
    std::size_t len = 0;
    if (vips_image_write_to_buffer(rgb.get(), suffix, &buf, &len, nullptr) != 0) return "";
    stoa::image::GBuffer owned(buf);
    return std::string(static_cast<const char*>(buf), len);
}

std::uint32_t crc32(const std::string& data) {
    std::uint32_t crc = 0xffffffffu;
    for (char c : data) {
        crc ^= static_cast<unsigned char>(c);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string png_chunk(const std::string& type, const std::string& data) {
    return be32(static_cast<std::uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

// A tiny PNG whose header claims w×h pixels: the shape of a decompression bomb.
std::string png_claiming(std::uint32_t w, std::uint32_t h) {
    std::string ihdr = be32(w) + be32(h) + std::string("\x08\x02\x00\x00\x00", 5);
    return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
           png_chunk("IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8)) + png_chunk("IEND", "");
}

std::uint32_t le32(const std::string& s, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    return v;
}

bool has_riff_chunk(const std::string& webp, const std::string& fourcc) {
    for (std::size_t i = 12; i + 8 <= webp.size();) {
        std::string id = webp.substr(i, 4);
        std::uint32_t size = le32(webp, i + 4);
        if (id == fourcc) return true;
        i += 8 + size + (size & 1);
    }
    return false;
}

}  // namespace

TEST(PictureSniff, TellsFormatsByTheirBytesOnly) {
    EXPECT_EQ(sniff_format("\x89PNG\r\n\x1a\nrest"), Format::png);
    EXPECT_EQ(sniff_format("\xff\xd8\xff\xe0"), Format::jpeg);
    EXPECT_EQ(sniff_format("GIF89a..."), Format::gif);
    EXPECT_EQ(sniff_format(std::string_view("RIFF\x10\0\0\0WEBPVP8 ", 16)), Format::webp);
    EXPECT_FALSE(sniff_format(std::string_view("RIFF\x10\0\0\0WAVEfmt ", 16)));
    EXPECT_FALSE(sniff_format("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"));
    EXPECT_FALSE(sniff_format("%PDF-1.7"));
    EXPECT_FALSE(sniff_format("BM"));
    EXPECT_FALSE(sniff_format(""));
}

TEST(Picture, EachFormatBecomesAWebPThatFitsTheBox) {
    struct Case {
        const char* suffix;
        int w, h, want_w, want_h;
    };
    for (const Case& c : {Case{".png", 1200, 600, 400, 200}, Case{".jpg", 3000, 2000, 400, 267},
                          Case{".webp", 800, 800, 400, 400}, Case{".gif", 120, 90, 120, 90}}) {
        std::string input = make_image(c.w, c.h, c.suffix);
        ASSERT_FALSE(input.empty()) << c.suffix;
        TempFile file(input);
        auto pic = make_picture(file.fd());
        ASSERT_TRUE(pic) << c.suffix << ": " << pic.error();
        EXPECT_EQ(pic->content_type, "image/webp");
        EXPECT_EQ(sniff_format(pic->bytes), Format::webp) << c.suffix;
        EXPECT_EQ(pic->width, c.want_w) << c.suffix;
        EXPECT_NEAR(pic->height, c.want_h, 1) << c.suffix;
        for (const char* chunk : {"EXIF", "XMP ", "ICCP"})
            EXPECT_FALSE(has_riff_chunk(pic->bytes, chunk)) << c.suffix << " kept metadata chunk " << chunk;
    }
}

TEST(Picture, NonImagesAreRefusedByContent) {
    for (const std::string& bytes : {std::string("just text, named avatar.png"), std::string("<svg/>"),
                                     std::string("%PDF-1.4\n"), std::string()}) {
        TempFile file(bytes);
        auto pic = make_picture(file.fd());
        ASSERT_FALSE(pic);
        EXPECT_NE(pic.error().find("not a PNG, JPEG, WebP or GIF"), std::string::npos) << pic.error();
    }
}

TEST(Picture, AbsurdDimensionsAreRefusedFromTheHeaderAlone) {
    std::string bomb = png_claiming(100000, 100000);
    ASSERT_LT(bomb.size(), 100u);
    TempFile file(bomb);
    auto started = std::chrono::steady_clock::now();
    auto pic = make_picture(file.fd());
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(pic);
    EXPECT_NE(pic.error().find("100000x100000"), std::string::npos) << pic.error();
    EXPECT_LT(took, std::chrono::seconds(2)) << "refused without decoding 10 gigapixels";

    TempFile wide(png_claiming(20000, 10));
    auto too_wide = make_picture(wide.fd());
    ASSERT_FALSE(too_wide);
    EXPECT_NE(too_wide.error().find("on a side"), std::string::npos);
}

TEST(Picture, TruncatedOrDisguisedImagesAreUndecodable) {
    std::string jpeg = make_image(1000, 800, ".jpg");
    TempFile truncated(jpeg.substr(0, jpeg.size() / 2));
    auto half = make_picture(truncated.fd());
    ASSERT_FALSE(half);
    EXPECT_NE(half.error().find("could not be decoded"), std::string::npos) << half.error();

    TempFile disguised(std::string("\x89PNG\r\n\x1a\n", 8) + "this is not really a png at all");
    auto fake = make_picture(disguised.fd());
    ASSERT_FALSE(fake);
    EXPECT_NE(fake.error().find("could not be decoded"), std::string::npos) << fake.error();
}

TEST(WebpMetadata, DropsExifXmpIccAndTheirFlagsKeepingTheImage) {
    auto chunk = [](const std::string& fourcc, const std::string& data) {
        std::string out = fourcc;
        auto n = static_cast<std::uint32_t>(data.size());
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
        out += data;
        if (data.size() % 2 == 1) out.push_back('\0');
        return out;
    };
    std::string vp8x = chunk("VP8X", std::string("\x3c\0\0\0\x01\0\0\x01\0\0", 10));  // ICC|ALPHA|EXIF|XMP
    std::string body = vp8x + chunk("ICCP", "icc") + chunk("ALPH", "alpha") + chunk("VP8 ", "frame") +
                       chunk("EXIF", "Exif\0\0GPS") + chunk("XMP ", "<x:xmpmeta/>");
    std::string file = "RIFF";
    auto size = static_cast<std::uint32_t>(body.size() + 4);
    for (int i = 0; i < 4; ++i) file.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
    file += "WEBP" + body;

    auto stripped = stoa::image::strip_webp_metadata(file);
    ASSERT_TRUE(stripped) << stripped.error();
    EXPECT_FALSE(has_riff_chunk(*stripped, "EXIF"));
    EXPECT_FALSE(has_riff_chunk(*stripped, "XMP "));
    EXPECT_FALSE(has_riff_chunk(*stripped, "ICCP"));
    EXPECT_TRUE(has_riff_chunk(*stripped, "ALPH")) << "the alpha channel is image data, not metadata";
    EXPECT_TRUE(has_riff_chunk(*stripped, "VP8 "));
    EXPECT_EQ(static_cast<unsigned char>((*stripped)[20]), 0x10) << "only the ALPHA flag may stay set in VP8X";
    EXPECT_EQ(stripped->find("GPS"), std::string::npos);
    std::uint32_t riff = le32(*stripped, 4);
    EXPECT_EQ(riff + 8, stripped->size()) << "the RIFF size must be rewritten";

    EXPECT_FALSE(stoa::image::strip_webp_metadata("RIFF\x04\0\0\0WAVE"));
    EXPECT_FALSE(stoa::image::strip_webp_metadata(file.substr(0, file.size() - 3))) << "truncated chunk";
}
