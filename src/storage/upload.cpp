#include "storage/upload.h"

#include <algorithm>

#include "http/multipart.h"
#include "http/problem.h"
#include "log/log.h"

namespace stoa::storage {

using http::Problem;

std::string size_text(std::uint64_t bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
    if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
    return std::to_string(bytes) + " bytes";
}

Upload receive_upload(http::Request& req, std::string_view field, std::uint64_t max_bytes,
                      const std::string& spool_dir, std::initializer_list<std::string_view> text_fields) {
    if (http::media_type(req.content_type()) != "multipart/form-data")
        throw Problem::unsupported_media_type("the body must be multipart/form-data with a part named " +
                                              std::string(field));
    auto boundary = http::multipart_boundary(req.content_type());
    if (!boundary) throw Problem::bad_request(boundary.error());
    std::string too_large = std::string(field) + ": the file may be at most " + size_text(max_bytes);
    if (req.content_length() && *req.content_length() > req.body_limit()) throw Problem::payload_too_large(too_large);

    http::MultipartReader reader(req.body_stream(), *boundary);
    std::optional<Upload> upload;
    std::map<std::string, std::string, std::less<>> texts;
    for (;;) {
        auto part = reader.next();
        if (!part) throw Problem::bad_request(part.error());
        if (!*part) break;
        if ((*part)->name != field) {
            if (std::find(text_fields.begin(), text_fields.end(), (*part)->name) == text_fields.end()) continue;
            std::string name = (*part)->name;
            std::string value;
            char small[1024];
            for (;;) {
                auto n = reader.read(small, sizeof small);
                if (!n) throw Problem::bad_request(n.error());
                if (*n == 0) break;
                value.append(small, *n);
                if (value.size() > kMaxTextField)
                    throw Problem::validation().field(name, "too_long",
                                                      name + ": at most " + std::to_string(kMaxTextField) + " bytes");
            }
            texts[name] = std::move(value);
            continue;
        }
        if (upload) throw Problem::bad_request("only one part named " + std::string(field) + " is allowed");
        auto spool = SpoolFile::create(spool_dir);
        if (!spool) {
            log::error("upload_spool_failed", Json::object().set("error", spool.error()));
            throw Problem::unavailable("the file store cannot take uploads right now").header("Retry-After", "30");
        }
        upload.emplace(Upload{std::move(*spool), std::move((*part)->filename), std::move((*part)->content_type), {}});
        char buf[65536];
        for (;;) {
            auto n = reader.read(buf, sizeof buf);
            if (!n) throw Problem::bad_request(n.error());
            if (*n == 0) break;
            if (upload->file.size() + *n > max_bytes) throw Problem::payload_too_large(too_large);
            if (auto s = upload->file.append(buf, *n); !s) {
                log::error("upload_spool_failed", Json::object().set("error", s.error()));
                throw Problem::unavailable("the file store cannot take uploads right now").header("Retry-After", "30");
            }
        }
    }
    if (!upload) {
        throw Problem::validation().field(std::string(field), "required",
                                          "a multipart part named " + std::string(field) + " holding the file");
    }
    upload->text_fields = std::move(texts);
    return std::move(*upload);
}

}  // namespace stoa::storage
