// receive_upload: a multipart body streamed to a spool file, with the cap
// checked while reading and the right problem for each kind of bad upload.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "http/problem.h"
#include "http/request.h"
#include "storage/byte_source.h"
#include "storage/upload.h"

namespace fs = std::filesystem;
using stoa::http::Params;
using stoa::http::Problem;
using stoa::http::Request;

namespace {

struct Env {
    explicit Env(std::vector<std::string> vars) : storage(std::move(vars)) {
        for (auto& s : storage) pointers.push_back(s.c_str());
        pointers.push_back(nullptr);
    }
    Params params() const { return Params(pointers.data()); }
    std::vector<std::string> storage;
    std::vector<const char*> pointers;
};

// Counts what the reader pulled from the "FastCGI stream".
class CountingBody final : public stoa::http::BodySource {
public:
    explicit CountingBody(std::string data) : data_(std::move(data)) {}
    std::size_t read(char* buf, std::size_t n) override {
        std::size_t k = std::min(n, data_.size() - pos_);
        std::copy_n(data_.data() + pos_, k, buf);
        pos_ += k;
        return k;
    }
    std::size_t consumed() const { return pos_; }

private:
    std::string data_;
    std::size_t pos_ = 0;
};

class UploadTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "stoa-upload-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Runs receive_upload on `body`; returns the problem status (0 on success).
    int upload(const std::string& body, const std::string& content_type, std::size_t route_limit, std::uint64_t cap,
               bool with_length = true, std::string* content = nullptr, std::size_t* consumed = nullptr) {
        std::vector<std::string> vars = {"REQUEST_METHOD=PUT", "REQUEST_URI=/api/v1/account/picture",
                                         "CONTENT_TYPE=" + content_type};
        if (with_length) vars.push_back("CONTENT_LENGTH=" + std::to_string(body.size()));
        Env env(vars);
        CountingBody source(body);
        Request req(env.params(), source);
        req.set_body_limit(route_limit);
        int status = 0;
        try {
            auto up = stoa::storage::receive_upload(req, "file", cap, dir_ + "/.spool");
            if (content) *content = *stoa::storage::read_all(up.file, 1 << 26);
        } catch (const Problem& p) {
            status = p.status();
        }
        if (consumed) *consumed = source.consumed();
        return status;
    }

    std::string dir_;
};

const std::string kType = "multipart/form-data; boundary=B0undary";

std::string body_with(const std::string& name, const std::string& content) {
    return "--B0undary\r\nContent-Disposition: form-data; name=\"" + name +
           "\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n" + content + "\r\n--B0undary--\r\n";
}

}  // namespace

TEST_F(UploadTest, SpoolsTheFilePart) {
    std::string content(300000, 'q');
    std::string got;
    EXPECT_EQ(upload(body_with("file", content), kType, 1 << 20, 500000, true, &got), 0);
    EXPECT_EQ(got, content);
    EXPECT_TRUE(fs::is_empty(dir_ + "/.spool")) << "the spool file must have no name";
}

TEST_F(UploadTest, OverTheCapIs413WhileReadingWithoutBufferingTheRest) {
    const std::uint64_t cap = 100000;
    std::string body = body_with("file", std::string(5 * 1024 * 1024, 'z'));
    std::size_t consumed = 0;
    // No Content-Length: the cap must hold while streaming.
    EXPECT_EQ(upload(body, kType, 64 << 20, cap, false, nullptr, &consumed), 413);
    EXPECT_LT(consumed, cap + 256 * 1024) << "reading must stop soon after the cap, not at the body's end";
}

TEST_F(UploadTest, ExactlyTheCapIsAccepted) {
    std::string got;
    EXPECT_EQ(upload(body_with("file", std::string(4096, 'e')), kType, 1 << 20, 4096, true, &got), 0);
    EXPECT_EQ(got.size(), 4096u);
    EXPECT_EQ(upload(body_with("file", std::string(4097, 'e')), kType, 1 << 20, 4096), 413);
}

TEST_F(UploadTest, BodyOverTheRouteLimitIs413BeforeReading) {
    std::size_t consumed = 1;
    EXPECT_EQ(upload(body_with("file", std::string(10000, 'x')), kType, 1000, 1 << 20, true, nullptr, &consumed), 413);
    EXPECT_EQ(consumed, 0u) << "Content-Length over the limit: nothing is read";
    EXPECT_EQ(upload(body_with("file", std::string(10000, 'x')), kType, 1000, 1 << 20, false), 413);
}

TEST_F(UploadTest, WrongContentTypeIs415) {
    EXPECT_EQ(upload(body_with("file", "x"), "application/json", 1 << 20, 1000), 415);
    EXPECT_EQ(upload(body_with("file", "x"), "image/png", 1 << 20, 1000), 415);
}

TEST_F(UploadTest, MalformedBodyOrBoundaryIs400) {
    EXPECT_EQ(upload(body_with("file", "x"), "multipart/form-data", 1 << 20, 1000), 400);
    EXPECT_EQ(upload("--B0undary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\ntruncated", kType, 1 << 20, 1000),
              400);
    EXPECT_EQ(upload("garbage", kType, 1 << 20, 1000), 400);
}

TEST_F(UploadTest, MissingFieldIs422AndDuplicateIs400) {
    EXPECT_EQ(upload(body_with("other", "x"), kType, 1 << 20, 1000), 422);
    std::string twice = "--B0undary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\na\r\n"
                        "--B0undary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nb\r\n--B0undary--";
    EXPECT_EQ(upload(twice, kType, 1 << 20, 1000), 400);
}
