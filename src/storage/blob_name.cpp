#include "storage/blob_name.h"

#include <sodium.h>

#include <algorithm>

namespace stoa::storage {
namespace {

bool lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

BlobName BlobName::generate() {
    unsigned char raw[kLength / 2];
    randombytes_buf(raw, sizeof raw);
    char hex[kLength + 1];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    return BlobName(std::string(hex, kLength));
}

std::optional<BlobName> BlobName::parse(std::string_view text) {
    if (text.size() != kLength || !lower_hex(text)) return std::nullopt;
    return BlobName(std::string(text));
}

std::string BlobName::relative_path() const {
    std::string out(shard());
    out += '/';
    out += name_;
    return out;
}

bool is_shard_name(std::string_view text) { return text.size() == 2 && lower_hex(text); }

}  // namespace stoa::storage
