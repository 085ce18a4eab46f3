// Which uploads a project takes (API.md "Projects"): files by extension
// (with a look at the content where the type has a signature or must be
// text), images by content (PNG, JPEG, GIF, WebP re-encoded; SVG kept as
// sent and only ever served sandboxed).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stoa::projects {

// The content type a project file of that extension is served with;
// nullopt when the extension is not accepted.
std::optional<std::string> file_content_type(std::string_view extension);
// "the file extension must be one of .py .cpp ..." for the client.
std::string accepted_file_extensions();
// Whether `head` (the first bytes of the file) fits the extension: a PDF
// starts with %PDF-, a text type has no NUL byte. The error text, or empty.
std::string check_file_content(std::string_view extension, std::string_view head);

bool image_extension_accepted(std::string_view extension);
inline constexpr const char* kAcceptedImages = ".png .jpg .jpeg .gif .webp .svg";
// An SVG document: UTF-8 text whose root element is <svg>, without a DTD
// (no entities: no billion laughs, no external references).
bool looks_like_svg(std::string_view head);

}  // namespace stoa::projects
