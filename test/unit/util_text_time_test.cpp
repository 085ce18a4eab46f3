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
