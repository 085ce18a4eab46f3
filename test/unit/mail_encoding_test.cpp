// Unit tests for src/mail/encoding.*: quoted-printable bodies and RFC 2047
// encoded-words, checked by decoding them back.
#include <gtest/gtest.h>
#include <sodium.h>

#include <sstream>
#include <string>
#include <vector>

#include "mail/encoding.h"

namespace {

using stoa::mail::encode_phrase;
using stoa::mail::encode_unstructured;
using stoa::mail::header_safe;
using stoa::mail::quoted_printable;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        auto end = text.find("\r\n", start);
        out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) return out;
        start = end + 2;
    }
}

// A strict decoder: soft breaks, =XX in upper-case hex, nothing else escaped.
std::string qp_decode(const std::string& encoded) {
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] != '=') {
            out.push_back(encoded[i]);
            continue;
        }
        if (encoded.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;
            continue;
        }
        out.push_back(static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16)));
        i += 2;
    }
    return out;
}

std::string b64_decode(const std::string& text) {
    std::string out(text.size(), '\0');
    std::size_t n = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.c_str(), text.size(), nullptr,
                          &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
        throw std::runtime_error("bad base64: " + text);
    out.resize(n);
    return out;
}

// Unfolds a header value and decodes its encoded-words (adjacent words
// joined, as RFC 2047 6.2 says); also returns each word's decoded text.
std::string decode_words(const std::string& value, std::vector<std::string>* words = nullptr) {
    std::string unfolded;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value.compare(i, 2, "\r\n") == 0) {
            ++i;
            continue;
        }
        unfolded.push_back(value[i]);
    }
    std::string out;
    std::size_t i = 0;
    bool last_was_word = false;
    while (i < unfolded.size()) {
        if (unfolded.compare(i, 10, "=?UTF-8?B?") == 0) {
            auto end = unfolded.find("?=", i + 10);
            std::string word = b64_decode(unfolded.substr(i + 10, end - i - 10));
            if (words) words->push_back(word);
            out += word;
            i = end + 2;
            last_was_word = true;
            continue;
        }
        if (last_was_word && unfolded[i] == ' ' && unfolded.compare(i + 1, 10, "=?UTF-8?B?") == 0) {
            ++i;  // white space between encoded-words is not text
            continue;
        }
        out.push_back(unfolded[i++]);
        last_was_word = false;
    }
    return out;
}

bool valid_utf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

class QuotedPrintable : public ::testing::Test {};
class EncodedWords : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(QuotedPrintable, PlainAsciiIsUnchanged) {
    EXPECT_EQ(quoted_printable("Hello, world!"), "Hello, world!");
}

TEST_F(QuotedPrintable, EqualsSignIsEscaped) {
    EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
}

TEST_F(QuotedPrintable, NonAsciiBytesAreEscapedInUpperCaseHex) {
    EXPECT_EQ(quoted_printable("Zo\xC3\xAB"), "Zo=C3=AB");
}

TEST_F(QuotedPrintable, WhiteSpaceAtLineEndIsEscaped) {
    EXPECT_EQ(quoted_printable("a \nb\t\nc d"), "a=20\r\nb=09\r\nc d");
}

TEST_F(QuotedPrintable, EveryLineBreakBecomesCrlf) {
    EXPECT_EQ(quoted_printable("a\nb\r\nc\rd\n"), "a\r\nb\r\nc\r\nd\r\n");
}

TEST_F(QuotedPrintable, ControlCharactersAreEscaped) {
    EXPECT_EQ(quoted_printable("a\x01"
                               "b"),
              "a=01b");
}

TEST_F(QuotedPrintable, LeadingDotAndFromAreEscaped) {
    EXPECT_EQ(quoted_printable(".\nFrom here\n"), "=2E\r\n=46rom here\r\n");
}

TEST_F(QuotedPrintable, LongLinesGetSoftBreaksWithin76Characters) {
    std::string text(200, 'x');
    text += "\nshort\n";
    text += std::string(76, 'y');  // exactly 76: fits without a soft break
    std::string encoded = quoted_printable(text);
    for (const auto& line : lines_of(encoded)) EXPECT_LE(line.size(), 76u) << line;
    EXPECT_EQ(qp_decode(encoded), std::string(200, 'x') + "\r\nshort\r\n" + std::string(76, 'y'));
    EXPECT_NE(encoded.find(std::string(76, 'y')), std::string::npos) << encoded;
}

TEST_F(QuotedPrintable, EscapesAreNeverSplitBySoftBreaks) {
    std::string text;
    for (int i = 0; i < 60; ++i) text += "\xC3\xA9=";  // 9 encoded characters each
    std::string encoded = quoted_printable(text);
    for (const auto& line : lines_of(encoded)) {
        EXPECT_LE(line.size(), 76u) << line;
        // An '=' is followed by two hex digits or ends the line (soft break).
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] != '=') continue;
            ASSERT_TRUE(i + 1 == line.size() || i + 2 < line.size()) << "split escape in: " << line;
        }
    }
    EXPECT_EQ(qp_decode(encoded), text);
}

TEST_F(QuotedPrintable, TrailingSpaceBeforeSoftBreakSurvives) {
    std::string text = std::string(74, 'a') + "  b " + std::string(80, 'c') + " ";
    std::string encoded = quoted_printable(text);
    for (const auto& line : lines_of(encoded)) {
        EXPECT_LE(line.size(), 76u) << line;
        EXPECT_FALSE(!line.empty() && (line.back() == ' ' || line.back() == '\t')) << "trailing blank: " << line;
    }
    EXPECT_EQ(qp_decode(encoded), text);
}

TEST_F(EncodedWords, PlainAsciiSubjectIsLeftAlone) {
    EXPECT_EQ(encode_unstructured("Confirm your email address", 9), "Confirm your email address");
}

TEST_F(EncodedWords, NonAsciiSubjectIsBase64EncodedUtf8) {
    std::string subject =
        "Gr\xC3\xBC\xC3\x9F"
        "e aus K\xC3\xB6ln";
    std::string encoded = encode_unstructured(subject, 9);
    EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u) << encoded;
    EXPECT_EQ(decode_words(encoded), subject);
}

TEST_F(EncodedWords, TextThatLooksLikeAnEncodedWordIsEncoded) {
    std::string encoded = encode_unstructured("=?UTF-8?B?SGk=?=", 9);
    EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u);
    EXPECT_EQ(decode_words(encoded), "=?UTF-8?B?SGk=?=");
}

TEST_F(EncodedWords, LongSubjectsAreFoldedIntoWholeCharacterWords) {
    std::string subject;
    for (int i = 0; i < 40; ++i) subject += "\xE2\x82\xAC \xC3\xA9t\xC3\xA9 ";  // "€ été "
    std::string encoded = encode_unstructured(subject, 9);
    auto lines = lines_of(encoded);
    ASSERT_GT(lines.size(), 3u);
    EXPECT_LE(lines[0].size() + 9, 76u) << "first line with \"Subject: \": " << lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i][0], ' ') << "continuation lines start with white space";
        EXPECT_LE(lines[i].size(), 76u) << lines[i];
        EXPECT_LE(lines[i].size() - 1, 75u) << "an encoded-word is at most 75 characters";
    }
    std::vector<std::string> words;
    EXPECT_EQ(decode_words(encoded, &words), subject);
    for (const auto& w : words) EXPECT_TRUE(valid_utf8(w)) << "a word splits a character: " << w;
}

TEST_F(EncodedWords, LongAsciiSubjectsFoldAtSpaces) {
    std::string subject;
    for (int i = 0; i < 30; ++i) subject += "word" + std::to_string(i) + " ";
    subject += "end";
    std::string encoded = encode_unstructured(subject, 9);
    auto lines = lines_of(encoded);
    ASSERT_GT(lines.size(), 1u);
    EXPECT_LE(lines[0].size() + 9, 78u);
    for (std::size_t i = 1; i < lines.size(); ++i) EXPECT_LE(lines[i].size(), 78u) << lines[i];
    std::string unfolded;
    for (const auto& l : lines) unfolded += l;
    EXPECT_EQ(unfolded, subject);
}

TEST_F(EncodedWords, DisplayNames) {
    EXPECT_EQ(encode_phrase("Ann Lee", 4), "Ann Lee");
    EXPECT_EQ(encode_phrase("Lee, Ann", 4), "\"Lee, Ann\"");
    EXPECT_EQ(encode_phrase("a \"b\" \\c", 4), "\"a \\\"b\\\" \\\\c\"");
    EXPECT_EQ(encode_phrase("", 4), "");
    std::string name = "Zo\xC3\xAB \xE6\x9D\x8E";
    std::string encoded = encode_phrase(name, 4);
    EXPECT_EQ(encoded.rfind("=?UTF-8?B?", 0), 0u) << encoded;
    EXPECT_EQ(decode_words(encoded), name);
}

TEST_F(EncodedWords, HeaderSafeRefusesLineBreaksAndControls) {
    EXPECT_TRUE(header_safe("Hello\tworld \xC3\xA9"));
    EXPECT_FALSE(header_safe("Hello\r\nBcc: x@example.org"));
    EXPECT_FALSE(header_safe("Hello\nBcc: x@example.org"));
    EXPECT_FALSE(header_safe("Hello\rx"));
    EXPECT_FALSE(header_safe(std::string("a\0b", 3)));
    EXPECT_FALSE(header_safe("a\x7f"));
}

}  // namespace
