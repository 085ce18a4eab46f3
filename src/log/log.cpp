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

void write(Level level, std::string_view event, const Json& fields) {
    if (static_cast<int>(level) < static_cast<int>(state().level)) return;
    Json line = Json::object();
    line.set("ts", rfc3339_now_millis());
    line.set("level", level_name(level));
    line.set("event", event);
    if (!state().request_id.empty()) line.set("request_id", state().request_id);
    if (fields && json_is_object(fields.get())) json_object_update(line.get(), fields.get());
    std::string text = line.dump();
    text.push_back('\n');
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace stoa::log
