// MultipartReader: a streaming multipart/form-data parser (RFC 7578 over
// RFC 2046). It pulls the body from a BodySource in small chunks and hands
// out one part at a time, so a file part can go to disk as it arrives and
// no more than a chunk of the body is ever in memory. Malformed input is an
// error naming what was wrong, never a crash or a silently short part.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"
#include "util/result.h"

namespace stoa::http {

struct MultipartPart {
    std::string name;                     // the form field
    std::optional<std::string> filename;  // as the client sent it: display metadata only
    std::string content_type;             // as declared ("" when absent): never trusted
};

struct MultipartLimits {
    std::size_t max_header_bytes = 8 * 1024;  // of one part's header block
    std::size_t max_parts = 32;
};

// The boundary of a "multipart/form-data; boundary=..." Content-Type: an
// error unless the type is multipart/form-data with a valid boundary
// (1 to 70 characters of RFC 2046's set, not ending in a space).
Result<std::string> multipart_boundary(std::string_view content_type);

class MultipartReader {
public:
    MultipartReader(BodySource& body, std::string_view boundary, MultipartLimits limits = {});

    // Moves to the next part, skipping what is left of the current one;
    // nullopt after the last. An error on a malformed body.
    Result<std::optional<MultipartPart>> next();
    // Reads the current part's content; 0 at its end.
    Result<std::size_t> read(char* buf, std::size_t n);

private:
    enum class State { preamble, after_delimiter, in_part, done, failed };

    // Makes at least `n` unread bytes available; false at the end of the body.
    bool fill(std::size_t n);
    std::string_view unread() const { return std::string_view(buf_).substr(pos_); }
    Status skip_preamble();
    Result<bool> read_delimiter_line();  // false: the closing delimiter
    Result<MultipartPart> read_headers();
    Error failed(std::string message);

    BodySource& body_;
    MultipartLimits limits_;
    std::string delimiter_;  // "\r\n--" + boundary
    std::string buf_;
    std::size_t pos_ = 0;
    std::size_t data_end_ = 0;  // content known to precede the next delimiter ends here
    bool eof_ = false;
    State state_ = State::preamble;
    std::size_t parts_ = 0;
};

}  // namespace stoa::http
