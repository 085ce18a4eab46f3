#include "community/thread_cache.h"

namespace stoa::community {

const ThreadCache::Entry* ThreadCache::find(std::string_view key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return &it->second->entry;
}

void ThreadCache::erase(std::string_view key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    auto node = it->second;
    bytes_ -= cost(*node);
    entries_.erase(it);
    lru_.erase(node);
}

void ThreadCache::put(std::string_view key, Version version, std::string body) {
    erase(key);
    Node node{std::string(key), Entry{version, std::move(body)}};
    std::size_t need = cost(node);
    if (need > max_bytes_ / 4) return;
    while (!lru_.empty() && bytes_ + need > max_bytes_) erase(lru_.back().key);
    lru_.push_front(std::move(node));
    bytes_ += need;
    entries_.emplace(lru_.front().key, lru_.begin());
}

}  // namespace stoa::community
