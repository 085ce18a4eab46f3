// Structured logging: one JSON object per line on stderr (journald keeps it).
// Every line names where it comes from ("event") and, inside a request, the
// request id. Secrets and tokens are never passed here.
#pragma once

#include <string>
#include <string_view>

#include "json/json.h"

namespace stoa::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Parses "debug" / "info" / "warn" / "error".
bool parse_level(std::string_view text, Level& out);
void set_level(Level level);
// The request id stamped on every line until cleared (empty: none).
void set_request_id(std::string_view request_id);

// `fields` is a JSON object (or empty Json); "ts", "level", "event" and
// "request_id" are added.
void write(Level level, std::string_view event, const Json& fields = Json());

// The line of one answered request (fcgi/worker.cpp), at info: the same
// bytes as info("request", {"method", "route", "status", "duration_ms",
// "client"}), written without a json_t (it is on every request's path).
void request(std::string_view method, std::string_view route, int status, double duration_ms,
             std::string_view client);

// The text of a line without its newline, `ts` given (for tests).
std::string line_text(std::string_view ts, Level level, std::string_view event, std::string_view request_id,
                      const Json& fields);
std::string request_line_text(std::string_view ts, std::string_view request_id, std::string_view method,
                              std::string_view route, int status, double duration_ms, std::string_view client);

inline void debug(std::string_view event, const Json& fields = Json()) { write(Level::debug, event, fields); }
inline void info(std::string_view event, const Json& fields = Json()) { write(Level::info, event, fields); }
inline void warn(std::string_view event, const Json& fields = Json()) { write(Level::warn, event, fields); }
inline void error(std::string_view event, const Json& fields = Json()) { write(Level::error, event, fields); }

}  // namespace stoa::log
