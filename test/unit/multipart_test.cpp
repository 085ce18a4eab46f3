// MultipartReader on well-formed and malformed bodies, fed in every chunk
// size from one byte up, so a boundary cut anywhere is handled.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "http/multipart.h"

using stoa::http::BodySource;
using stoa::http::MultipartLimits;
using stoa::http::MultipartPart;
using stoa::http::MultipartReader;
using stoa::http::multipart_boundary;

namespace {

// Hands out the body at most `chunk` bytes per read.
class ChunkedBody final : public BodySource {
public:
    ChunkedBody(std::string data, std::size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
    std::size_t read(char* buf, std::size_t n) override {
        std::size_t k = std::min({n, chunk_, data_.size() - pos_});
        std::copy_n(data_.data() + pos_, k, buf);
        pos_ += k;
        return k;
    }

private:
    std::string data_;
    std::size_t chunk_;
    std::size_t pos_ = 0;
};

struct Parsed {
    std::vector<MultipartPart> parts;
    std::vector<std::string> contents;
    std::string error;  // empty when the body parsed
};

Parsed parse(const std::string& body, std::size_t chunk = 1 << 20, const std::string& boundary = "XyZ",
             MultipartLimits limits = {}, std::size_t read_size = 7) {
    ChunkedBody source(body, chunk);
    MultipartReader reader(source, boundary, limits);
    Parsed out;
    for (;;) {
        auto part = reader.next();
        if (!part) {
            out.error = part.error();
            return out;
        }
        if (!*part) return out;
        out.parts.push_back(**part);
        std::string content;
        std::vector<char> buf(read_size);
        for (;;) {
            auto n = reader.read(buf.data(), buf.size());
            if (!n) {
                out.error = n.error();
                return out;
            }
            if (*n == 0) break;
            content.append(buf.data(), *n);
        }
        out.contents.push_back(content);
    }
}

std::string part(const std::string& disposition, const std::string& content, const std::string& extra = "") {
    return "--XyZ\r\nContent-Disposition: " + disposition + "\r\n" + extra + "\r\n" + content + "\r\n";
}

// Near-misses of the delimiter "\r\n--XyZ": a boundary not at a line start,
// a different boundary, a cut-off one. (A real one inside content is, by
// RFC 2046, the client's error.)
const std::string kTricky = "line1\r\nline2\r\n--XyQ not a boundary\r\n--Xy\r\n-\r\n\r\nx--XyZ--\r\n\r";

}  // namespace

TEST(MultipartBoundary, ReadsTokenAndQuotedBoundaries) {
    EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk"),
              "----WebKitFormBoundary7MA4YWxk");
    EXPECT_EQ(*multipart_boundary("Multipart/Form-Data;boundary=\"a b:c\""), "a b:c");
    EXPECT_EQ(*multipart_boundary("multipart/form-data; charset=utf-8; boundary=x"), "x");
}

TEST(MultipartBoundary, RefusesMissingOrInvalidBoundaries) {
    EXPECT_FALSE(multipart_boundary("multipart/form-data"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary="));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"\""));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"trailing \""));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"a\r\nb\""));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"unterminated"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=a; boundary=b")) << "a repeated parameter";
    EXPECT_FALSE(multipart_boundary("multipart/mixed; boundary=x"));
    EXPECT_FALSE(multipart_boundary("application/json"));
}

TEST(MultipartReader, ReadsFieldsAndFilesInEveryChunkSize) {
    std::string body = "preamble to ignore\r\n" + part("form-data; name=\"title\"", "Hello") +
                       part("form-data; name=\"file\"; filename=\"pic.png\"", kTricky, "Content-Type: image/png\r\n") +
                       part("form-data; name=\"empty\"", "") + "--XyZ--\r\nepilogue to ignore";
    for (std::size_t chunk : {1u, 2u, 3u, 5u, 7u, 8u, 13u, 64u, 100000u}) {
        for (std::size_t read_size : {1u, 4u, 4096u}) {
            Parsed p = parse(body, chunk, "XyZ", {}, read_size);
            ASSERT_EQ(p.error, "") << "chunk " << chunk << " read " << read_size;
            ASSERT_EQ(p.parts.size(), 3u) << "chunk " << chunk;
            EXPECT_EQ(p.parts[0].name, "title");
            EXPECT_FALSE(p.parts[0].filename);
            EXPECT_EQ(p.contents[0], "Hello");
            EXPECT_EQ(p.parts[1].name, "file");
            EXPECT_EQ(p.parts[1].filename.value_or("<none>"), "pic.png");
            EXPECT_EQ(p.parts[1].content_type, "image/png");
            EXPECT_EQ(p.contents[1], kTricky) << "content with CRLFs and near-boundaries must come back intact, chunk "
                                              << chunk;
            EXPECT_EQ(p.parts[2].name, "empty");
            EXPECT_EQ(p.contents[2], "");
        }
    }
}

TEST(MultipartReader, BinaryContentWithEveryByteValue) {
    std::string content;
    for (int i = 0; i < 4096; ++i) content.push_back(static_cast<char>(i % 256));
    std::string body = part("form-data; name=\"file\"; filename=\"b.bin\"", content) + "--XyZ--";
    for (std::size_t chunk : {1u, 9u, 1000u}) {
        Parsed p = parse(body, chunk, "XyZ", {}, 333);
        ASSERT_EQ(p.error, "");
        ASSERT_EQ(p.contents.size(), 1u);
        EXPECT_EQ(p.contents[0], content);
    }
}

TEST(MultipartReader, SkippingAPartUnreadStillFindsTheNext) {
    std::string body = part("form-data; name=\"big\"", std::string(200000, 'b')) + part("form-data; name=\"file\"", "F") +
                       "--XyZ--\r\n";
    ChunkedBody source(body, 4096);
    MultipartReader reader(source, "XyZ");
    auto first = reader.next();
    ASSERT_TRUE(first && *first);
    auto second = reader.next();
    ASSERT_TRUE(second && *second) << (second ? "" : second.error());
    EXPECT_EQ((*second)->name, "file");
    char c = 0;
    EXPECT_EQ(*reader.read(&c, 1), 1u);
    EXPECT_EQ(c, 'F');
    auto end = reader.next();
    ASSERT_TRUE(end);
    EXPECT_FALSE(*end);
}

TEST(MultipartReader, FilenamesWithEscapesPathsAndUtf8AreKeptAsText) {
    Parsed p = parse(part(R"(form-data; name="file"; filename="..\\..\\evil \"q\".png")", "x") +
                     part("form-data; name=\"f2\"; filename*=UTF-8''na%C3%AFve%2F..%2Fx.png", "y") + "--XyZ--");
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.parts[0].filename.value_or(""), "..\\..\\evil \"q\".png");
    EXPECT_EQ(p.parts[1].filename.value_or(""), "na\xc3\xafve/../x.png") << "decoded, and only ever metadata";
}

TEST(MultipartReader, TransportPaddingAfterBoundaryIsAllowed) {
    Parsed p = parse("--XyZ  \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--");
    ASSERT_EQ(p.error, "");
    EXPECT_EQ(p.contents.at(0), "1");
}

TEST(MultipartReader, NoPartsAtAll) {
    Parsed p = parse("--XyZ--\r\n");
    EXPECT_EQ(p.error, "");
    EXPECT_TRUE(p.parts.empty());
}

struct Malformed {
    const char* what;
    std::string body;
};

TEST(MultipartReader, MalformedBodiesAreErrorsInEveryChunkSize) {
    const std::vector<Malformed> cases = {
        {"empty body", ""},
        {"no boundary at all", "just some text\r\n"},
        {"wrong boundary", "--Other\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--Other--"},
        {"truncated inside content", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhalf a fi"},
        {"no closing boundary", part("form-data; name=\"a\"", "x")},
        {"ends right after a boundary", "--XyZ"},
        {"ends after boundary and one dash", "--XyZ-"},
        {"truncated headers", "--XyZ\r\nContent-Disposition: form-da"},
        {"boundary followed by garbage", "--XyZgarbage\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ--"},
        {"no headers", "--XyZ\r\n\r\nx\r\n--XyZ--"},
        {"no Content-Disposition", "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--"},
        {"not form-data", part("attachment; name=\"a\"", "x") + "--XyZ--"},
        {"no name", part("form-data; filename=\"a.png\"", "x") + "--XyZ--"},
        {"empty name", part("form-data; name=\"\"", "x") + "--XyZ--"},
        {"unterminated quote", part("form-data; name=\"a", "x") + "--XyZ--"},
        {"duplicate name parameter", part("form-data; name=\"a\"; name=\"b\"", "x") + "--XyZ--"},
        {"two Content-Disposition headers",
         "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nx\r\n--XyZ--"},
        {"folded header", "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"a\"\r\n\r\nx\r\n--XyZ--"},
        {"header without colon", "--XyZ\r\nContent-Disposition form-data\r\n\r\nx\r\n--XyZ--"},
        {"control character in header",
         "--XyZ\r\nContent-Disposition: form-data; name=\"a\x01\"\r\n\r\nx\r\n--XyZ--"},
        {"bare LF in header", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\nX: y\r\n\r\nx\r\n--XyZ--"},
        {"bad filename* encoding", part("form-data; name=\"a\"; filename*=UTF-8''%zz", "x") + "--XyZ--"},
        {"filename* in another charset", part("form-data; name=\"a\"; filename*=latin1''x", "x") + "--XyZ--"},
    };
    for (const auto& c : cases) {
        for (std::size_t chunk : {1u, 3u, 64u, 100000u}) {
            Parsed p = parse(c.body, chunk);
            EXPECT_NE(p.error, "") << c.what << " (chunk " << chunk << ") parsed without error";
            EXPECT_NE(p.error.find("malformed multipart body"), std::string::npos) << c.what << ": " << p.error;
        }
    }
}

TEST(MultipartReader, HeaderBlockLargerThanTheLimitIsRefused) {
    MultipartLimits limits;
    limits.max_header_bytes = 256;
    std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + std::string(1000, 'p') +
                       "\r\n\r\nx\r\n--XyZ--";
    Parsed p = parse(body, 64, "XyZ", limits);
    EXPECT_NE(p.error.find("exceed"), std::string::npos) << p.error;
    // Endless headers without a blank line must not be buffered without bound either.
    Parsed endless = parse("--XyZ\r\nX: " + std::string(1 << 20, 'h'), 4096, "XyZ", limits);
    EXPECT_NE(endless.error.find("exceed"), std::string::npos) << endless.error;
}

TEST(MultipartReader, TooManyPartsIsRefused) {
    MultipartLimits limits;
    limits.max_parts = 3;
    std::string body;
    for (int i = 0; i < 4; ++i) body += part("form-data; name=\"p" + std::to_string(i) + "\"", "x");
    body += "--XyZ--";
    Parsed p = parse(body, 1 << 20, "XyZ", limits);
    EXPECT_EQ(p.parts.size(), 3u);
    EXPECT_NE(p.error.find("more than 3 parts"), std::string::npos) << p.error;
}

TEST(MultipartReader, AfterAnErrorEverythingFails) {
    ChunkedBody source("--XyZ\r\n\r\n", 100);
    MultipartReader reader(source, "XyZ");
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.next());
    char c;
    EXPECT_FALSE(reader.read(&c, 1));
}
