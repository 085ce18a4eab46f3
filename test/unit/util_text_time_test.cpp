#include <gtest/gtest.h>

#include "util/text.h"
#include "util/time.h"

using stoa::imf_date;
using stoa::percent_encode;

TEST(PercentEncode, KeepsUnreservedAndEncodesEverythingElse) {
    EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(percent_encode("a b/c?d=e&f#g"), "a%20b%2Fc%3Fd%3De%26f%23g");
    EXPECT_EQ(percent_encode(std::string("\0\x7f", 2)), "%00%7F");
    EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");  // UTF-8 bytes, upper-case hex
    EXPECT_EQ(percent_encode(""), "");
}

TEST(ImfDate, FormatsHttpAndMailDatesInEnglish) {
    EXPECT_EQ(imf_date(0, "GMT"), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(imf_date(951782400, "+0000"), "Tue, 29 Feb 2000 00:00:00 +0000");
    EXPECT_EQ(imf_date(1795455257, "GMT"), "Mon, 23 Nov 2026 17:34:17 GMT");
}

TEST(Rfc3339NowMillis, IsUtcToTheMillisecondAndFollowsTheClock) {
    std::int64_t before = stoa::unix_now();
    std::string a = stoa::rfc3339_now_millis();
    std::string b = stoa::rfc3339_now_millis();  // most likely the same second: the cached part
    std::int64_t after = stoa::unix_now();
    for (const std::string& t : {a, b}) {
        ASSERT_EQ(t.size(), 24u) << t;
        const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
        for (std::size_t i = 0; i < shape.size(); ++i) {
            if (shape[i] == 'd') EXPECT_TRUE(t[i] >= '0' && t[i] <= '9') << t;
            else EXPECT_EQ(t[i], shape[i]) << t;
        }
        // The second it names is the clock's, formatted as imf_date would.
        std::string hms = t.substr(11, 8);
        bool near = false;
        for (std::int64_t s = before; s <= after; ++s) near |= stoa::imf_date(s, "GMT").find(hms) != std::string::npos;
        EXPECT_TRUE(near) << t;
    }
    EXPECT_LE(a, b);
}
