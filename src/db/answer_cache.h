// Answers kept by one worker and checked against the database on every use:
// an answer is served again only while a cheap statement (its "version":
// e.g. a counter that triggers bump in the transaction of every change the
// answer could show, migrations 009 and 010) returns what it returned when
// the answer was built. The database stays the only truth; a stale entry
// costs one more round trip, never a stale answer.
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "db/connection.h"

namespace stoa::db {

class AnswerCache {
public:
    struct Entry {
        std::string version;  // version_of() the version statement's result
        std::string body;
    };

    // At most `max_bytes` of answers (with their keys and versions); an
    // answer larger than a quarter of that is never kept.
    explicit AnswerCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}
    AnswerCache(const AnswerCache&) = delete;
    AnswerCache& operator=(const AnswerCache&) = delete;

    // The entry kept under `key` (whatever its version), marked as just used;
    // nullptr when there is none. Valid until the next put or erase.
    const Entry* find(std::string_view key);
    // Keeps `body` as the answer for `key` at `version`, replacing what was
    // there, and drops the least recently used entries beyond the budget.
    void put(std::string_view key, std::string version, std::string body);
    void erase(std::string_view key);

    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t bytes() const noexcept { return bytes_; }

private:
    struct Node {
        std::string key;
        Entry entry;
    };
    static std::size_t cost(const Node& n) noexcept {
        return n.key.size() + n.entry.version.size() + n.entry.body.size() + sizeof(Node);
    }

    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::list<Node> lru_;                                                      // most recently used first
    std::unordered_map<std::string_view, std::list<Node>::iterator> entries_;  // views into the nodes' keys
};

// A version as text: every column of the first row, or "" without rows (a
// thing that does not exist yet is a version too).
std::string version_of(const PgResult& r);

// The answer kept under `key` while the statement `version` answers as it
// did when the answer was built. Otherwise `build` makes it anew from the
// results of the statements `work` gives (called only then: input checks
// that only a new answer needs can go there), and it is kept. Nothing kept:
// `version` and the work go in one round trip (version first, so the answer
// is as new as the version or newer: a newer one only makes the next check
// miss). Kept: `version` alone, then the work only when it changed. Every
// statement must only read.
std::string cached_answer(Connection& db, AnswerCache& cache, std::string_view key, const Connection::Call& version,
                          const std::function<std::vector<Connection::Call>()>& work,
                          const std::function<std::string(const std::vector<PgResult>&)>& build);

}  // namespace stoa::db
