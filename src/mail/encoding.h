// The MIME encodings of a mail: quoted-printable bodies (RFC 2045) and
// encoded-words in headers (RFC 2047), folded so no line passes 76 (encoded
// text) or 78 (plain header text) characters.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stoa::mail {

// Quoted-printable of UTF-8 text. Line breaks (CRLF, LF or CR) become CRLF;
// '=', controls, non-ASCII bytes and white space at the end of a line are
// escaped; lines longer than 76 characters get soft breaks ("=" CRLF).
// A line starting with '.' or "From " has its first byte escaped too, so no
// transport can mistake it for the end of the message or an mbox separator.
[[nodiscard]] std::string quoted_printable(std::string_view text);

// True when `value` can go in a header at all: no CR, LF, NUL or other
// control character except TAB. Everything that builds a header checks this,
// so a value can never start a header line of its own.
[[nodiscard]] bool header_safe(std::string_view value);

// An unstructured header value (Subject): as is when it is plain ASCII,
// otherwise RFC 2047 "=?UTF-8?B?...?=" words that each hold whole characters.
// `used` is how many characters the line already holds ("Subject: " = 9).
// Long values are folded with CRLF SP. The value must be header_safe.
[[nodiscard]] std::string encode_unstructured(std::string_view value, std::size_t used);

// A display name (RFC 5322 phrase): atoms as is, a quoted-string when it holds
// specials, encoded-words when it is not ASCII. The name must be header_safe.
[[nodiscard]] std::string encode_phrase(std::string_view name, std::size_t used);

}  // namespace stoa::mail
