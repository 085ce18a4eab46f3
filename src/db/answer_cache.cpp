#include "db/answer_cache.h"

namespace stoa::db {

const AnswerCache::Entry* AnswerCache::find(std::string_view key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return &it->second->entry;
}

void AnswerCache::erase(std::string_view key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    auto node = it->second;
    bytes_ -= cost(*node);
    entries_.erase(it);
    lru_.erase(node);
}

void AnswerCache::put(std::string_view key, std::string version, std::string body) {
    erase(key);
    Node node{std::string(key), Entry{std::move(version), std::move(body)}};
    std::size_t need = cost(node);
    if (need > max_bytes_ / 4) return;
    while (!lru_.empty() && bytes_ + need > max_bytes_) erase(lru_.back().key);
    lru_.push_front(std::move(node));
    bytes_ += need;
    entries_.emplace(lru_.front().key, lru_.begin());
}

std::string version_of(const PgResult& r) {
    std::string v;
    if (r.empty()) return v;
    for (int c = 0; c < r.columns(); ++c) {
        v += r.is_null(0, c) ? std::string_view("\x01") : r.text(0, c);
        v += '\0';
    }
    return v;
}

std::string cached_answer(Connection& db, AnswerCache& cache, std::string_view key, const Connection::Call& version,
                          const std::function<std::vector<Connection::Call>()>& work,
                          const std::function<std::string(const std::vector<PgResult>&)>& build) {
    if (const AnswerCache::Entry* kept = cache.find(key)) {
        std::string now = version_of(db.exec_all({version})[0]);
        if (now == kept->version) return kept->body;
        std::string body = build(db.exec_all(work()));
        cache.put(key, std::move(now), body);
        return body;
    }
    std::vector<Connection::Call> calls{version};
    for (auto& call : work()) calls.push_back(std::move(call));
    std::vector<PgResult> results = db.exec_all(calls);
    std::string now = version_of(results.front());
    results.erase(results.begin());
    std::string body = build(results);
    cache.put(key, std::move(now), body);
    return body;
}

}  // namespace stoa::db
