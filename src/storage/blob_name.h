// BlobName: the only name a blob is ever stored under. 32 lower-case hex
// characters from the CSPRNG, nothing else: no user input reaches a path,
// so directory traversal is impossible by construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stoa::storage {

class BlobName {
public:
    static constexpr std::size_t kLength = 32;

    // A fresh name (128 random bits).
    static BlobName generate();
    // A name read back (from the database, a directory listing): nullopt
    // unless it is exactly 32 lower-case hex characters.
    static std::optional<BlobName> parse(std::string_view text);

    const std::string& str() const noexcept { return name_; }
    // Blobs are spread over 256 directories by their first two characters.
    std::string_view shard() const noexcept { return std::string_view(name_).substr(0, 2); }
    // "ab/ab12...": where the blob lives below a store's root.
    std::string relative_path() const;

    friend bool operator==(const BlobName&, const BlobName&) = default;

private:
    explicit BlobName(std::string name) : name_(std::move(name)) {}
    std::string name_;
};

// Whether `text` is a valid shard directory name (two lower-case hex characters).
bool is_shard_name(std::string_view text);

}  // namespace stoa::storage
