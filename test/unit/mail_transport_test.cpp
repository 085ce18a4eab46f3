// Unit tests for src/mail/transport.* (SendmailTransport with real child
// processes: small shell scripts in a temporary directory) and the retry
// policy of src/mail/mailer.*.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "mail/mailer.h"
#include "mail/transport.h"

namespace {

namespace fs = std::filesystem;
using stoa::mail::SendmailTransport;

const std::string kMessage = "To: a@example.org\r\nSubject: hi\r\n\r\nline one\r\n.\r\nline three\r\n";

class SendmailTransportTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/stoa-mail-test-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string script(const std::string& name, const std::string& body) {
        std::string path = (dir_ / name).string();
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        fs::permissions(path, fs::perms::owner_all);
        return path;
    }
    std::string read(const std::string& name) {
        std::ifstream in(dir_ / name, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    fs::path dir_;
};

TEST_F(SendmailTransportTest, PassesTheMessageOnStdinWithDashTDashI) {
    std::string out = (dir_ / "out").string();
    std::string prog = script("sendmail", "printf '%s\\n' \"$@\" > " + out + ".args\ncat > " + out);
    SendmailTransport t(prog);
    auto r = t.send("from@example.org", "a@example.org", kMessage);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(read("out.args"), "-t\n-i\n");
    EXPECT_EQ(read("out"), "To: a@example.org\nSubject: hi\n\nline one\n.\nline three\n")
        << "local submission gets LF line ends";
}

TEST_F(SendmailTransportTest, LargeMessagesArriveWhole) {
    std::string big = "To: a@example.org\r\n\r\n";
    for (int i = 0; i < 40000; ++i) big += "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n";
    std::string prog = script("sendmail", "echo chatter >&2\ncat > " + (dir_ / "out").string());
    auto r = SendmailTransport(prog).send("f@example.org", "a@example.org", big);
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(read("out").size(), big.size() - 40001 - 1);
}

TEST_F(SendmailTransportTest, NonZeroExitIsAFailureWithItsStderr) {
    std::string prog = script("sendmail", "cat >/dev/null\necho 'mailbox unavailable' >&2\nexit 75");
    auto r = SendmailTransport(prog).send("f@example.org", "a@example.org", kMessage);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("status 75"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("mailbox unavailable"), std::string::npos) << r.error();
}

TEST_F(SendmailTransportTest, ExitingWithoutReadingTheMessageIsAFailure) {
    std::string big(1 << 20, 'x');
    std::string prog = script("sendmail", "exit 0");
    auto r = SendmailTransport(prog).send("f@example.org", "a@example.org", "To: a@example.org\r\n\r\n" + big);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("before reading the whole message"), std::string::npos) << r.error();
}

TEST_F(SendmailTransportTest, AHangingProgramIsKilledAtTheTimeout) {
    std::string prog = script("sendmail", "cat >/dev/null\nexec sleep 30");
    auto start = std::chrono::steady_clock::now();
    auto r = SendmailTransport(prog, std::chrono::milliseconds(300)).send("f@example.org", "a@example.org", kMessage);
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("killed"), std::string::npos) << r.error();
    EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(SendmailTransportTest, AMissingProgramIsAFailure) {
    auto r = SendmailTransport((dir_ / "nonexistent").string()).send("f@example.org", "a@example.org", kMessage);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("cannot run"), std::string::npos) << r.error();
}

TEST_F(SendmailTransportTest, ASignalIsAFailure) {
    std::string prog = script("sendmail", "cat >/dev/null\nkill -9 $$");
    auto r = SendmailTransport(prog).send("f@example.org", "a@example.org", kMessage);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("signal 9"), std::string::npos) << r.error();
}

TEST(MailRetryPolicy, BackoffDoublesFromThirtySecondsUpToSixHours) {
    stoa::mail::RetryPolicy p;
    EXPECT_EQ(stoa::mail::retry_delay(p, 1).count(), 30);
    EXPECT_EQ(stoa::mail::retry_delay(p, 2).count(), 60);
    EXPECT_EQ(stoa::mail::retry_delay(p, 3).count(), 120);
    EXPECT_EQ(stoa::mail::retry_delay(p, 10).count(), 30 * 512);
    EXPECT_EQ(stoa::mail::retry_delay(p, 11).count(), 6 * 3600);
    EXPECT_EQ(stoa::mail::retry_delay(p, 1000).count(), 6 * 3600);
}

TEST(MailRetryPolicy, MaxAttemptsComesFromTheEnvironment) {
    std::map<std::string, std::string> env;
    auto get = [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    EXPECT_EQ(stoa::mail::retry_policy_from_env(get).value().max_attempts, 8);
    env["MAIL_MAX_ATTEMPTS"] = "3";
    EXPECT_EQ(stoa::mail::retry_policy_from_env(get).value().max_attempts, 3);
    for (const char* bad : {"0", "101", "three", "3x", "-1"}) {
        env["MAIL_MAX_ATTEMPTS"] = bad;
        auto r = stoa::mail::retry_policy_from_env(get);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_NE(r.error().find("MAIL_MAX_ATTEMPTS"), std::string::npos);
    }
}

}  // namespace
