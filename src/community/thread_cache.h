// Answers of comment threads for anonymous readers, kept by one worker and
// checked against the database on every use: an entry is served only while
// its target's thread_version (bumped by triggers in the transaction of any
// change a reader could see, migrations/009) is the one it was built at. The
// database stays the only truth; a stale entry costs one more round trip,
// never a stale answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace stoa::community {

class ThreadCache {
public:
    // The state of a target an answer was built at. target_id 0: the target
    // did not exist (a page nobody has commented on or liked yet).
    struct Version {
        std::int64_t target_id = 0;
        std::int64_t thread_version = 0;
        friend bool operator==(const Version&, const Version&) = default;
    };
    struct Entry {
        Version version;
        std::string body;
    };

    // At most `max_bytes` of answers (and their keys); an answer larger than
    // a quarter of that is never kept.
    explicit ThreadCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
    ThreadCache(const ThreadCache&) = delete;
    ThreadCache& operator=(const ThreadCache&) = delete;

    // The entry kept under `key` (whatever its version), marked as just used;
    // nullptr when there is none. Valid until the next put.
    const Entry* find(std::string_view key);
    // Keeps `body` as the answer for `key` at `version`, replacing what was
    // there, and drops the least recently used entries beyond the budget.
    void put(std::string_view key, Version version, std::string body);
    void erase(std::string_view key);

    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t bytes() const noexcept { return bytes_; }

private:
    struct Node {
        std::string key;
        Entry entry;
    };
    static std::size_t cost(const Node& n) noexcept { return n.key.size() + n.entry.body.size() + sizeof(Node); }

    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::list<Node> lru_;  // most recently used first
    std::unordered_map<std::string_view, std::list<Node>::iterator> entries_;  // views into the nodes' keys
};

}  // namespace stoa::community
