#include "log/log.h"

#include <cstdio>
#include <ctime>
#include <string>

#include "util/time.h"

namespace stoa::log {
namespace {

// Per-process logging state; workers are single-threaded.
struct State {
    Level level = Level::info;
    std::string request_id;
};
State& state() {
    static State s;
    return s;
}

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
    }
    return "info";
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
    if (text == "debug") out = Level::debug;
    else if (text == "info") out = Level::info;
    else if (text == "warn" || text == "warning") out = Level::warn;
    else if (text == "error") out = Level::error;
    else return false;
    return true;
}

void set_level(Level level) { state().level = level; }
void set_request_id(std::string_view request_id) { state().request_id.assign(request_id); }

std::string line_text(std::string_view ts, Level level, std::string_view event, std::string_view request_id,
                      const Json& fields) {
    Json line = Json::object();
    line.set("ts", ts);
    line.set("level", level_name(level));
    line.set("event", event);
    if (!request_id.empty()) line.set("request_id", request_id);
    if (fields && json_is_object(fields.get())) json_object_update(line.get(), fields.get());
    return line.dump();
}

std::string request_line_text(std::string_view ts, std::string_view request_id, std::string_view method,
                              std::string_view route, int status, double duration_ms, std::string_view client) {
    std::string out;
    out.reserve(160 + request_id.size() + route.size());
    out += "{\"ts\":";
    Json::append_string(out, ts);
    out += ",\"level\":\"info\",\"event\":\"request\"";
    if (!request_id.empty()) {
        out += ",\"request_id\":";
        Json::append_string(out, request_id);
    }
    out += ",\"method\":";
    Json::append_string(out, method);
    out += ",\"route\":";
    Json::append_string(out, route);
    out += ",\"status\":";
    out += std::to_string(status);
    out += ",\"duration_ms\":";
    // jansson's real: "%.17g", ".0" added to a whole number; anything
    // unusual (exponent, inf, nan) goes through jansson itself.
    char buf[40];
    int n = std::snprintf(buf, sizeof buf, "%.17g", duration_ms);
    std::string_view real(buf, n > 0 && static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n) : 0);
    if (real.empty() || real.find_first_not_of("0123456789.-") != std::string_view::npos) {
        out += Json::number(duration_ms).dump();
    } else {
        out += real;
        if (real.find('.') == std::string_view::npos) out += ".0";
    }
    out += ",\"client\":";
    Json::append_string(out, client);
    out.push_back('}');
    return out;
}

namespace {

void emit(std::string text) {
    text.push_back('\n');
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace

void write(Level level, std::string_view event, const Json& fields) {
    if (static_cast<int>(level) < static_cast<int>(state().level)) return;
    emit(line_text(rfc3339_now_millis(), level, event, state().request_id, fields));
}

void request(std::string_view method, std::string_view route, int status, double duration_ms,
             std::string_view client) {
    if (static_cast<int>(Level::info) < static_cast<int>(state().level)) return;
    emit(request_line_text(rfc3339_now_millis(), state().request_id, method, route, status, duration_ms, client));
}

}  // namespace stoa::log
