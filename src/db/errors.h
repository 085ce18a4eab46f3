// Database errors sorted by SQLSTATE, never by message text.
#pragma once

#include <stdexcept>
#include <string>

namespace stoa::db {

// Anything from the database that is not the client's fault. `what()` is for
// the log only.
class DbError : public std::runtime_error {
public:
    DbError(std::string sqlstate, const std::string& message)
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    bool unique_violation() const noexcept { return sqlstate_ == "23505"; }
    bool foreign_key_violation() const noexcept { return sqlstate_ == "23503"; }
    // The constraint named in a violation, to tell which field collided.
    std::string constraint;

private:
    std::string sqlstate_;
};

// The database cannot be reached: answered as 503, not 500.
class DbUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace stoa::db
