#include <gtest/gtest.h>

#include "json/json.h"
#include "log/log.h"

using stoa::Json;
namespace log = stoa::log;

// The request line written as text is the line jansson writes.
TEST(Log, RequestLineIsTheJsonLine) {
    struct Case {
        std::string_view request_id, method, route, client;
        int status;
        double ms;
    };
    for (const Case& c : {Case{"0123456789abcdef", "GET", "/api/v1/comments", "198.19.0.1", 200, 1.234},
                          Case{"", "POST", "-", "::1", 422, 0.1},
                          Case{"rid", "GET", "/health", "10.0.0.1", 200, 3.0},
                          Case{"rid", "GET", "/x", "", 500, 12345.678901234},
                          Case{"rid", "G\"T", "/\xff", "a\nb", 404, 0.001},
                          Case{"rid", "GET", "/", "1", 200, 1e-7},
                          Case{"rid", "GET", "/", "1", 200, 1e20},
                          Case{"rid", "GET", "/", "1", 200, 0.0}}) {
        Json fields = Json::object();
        fields.set("method", c.method)
            .set("route", c.route)
            .set("status", c.status)
            .set("duration_ms", Json::number(c.ms))
            .set("client", c.client);
        EXPECT_EQ(log::request_line_text("2026-01-02T03:04:05.678Z", c.request_id, c.method, c.route, c.status, c.ms,
                                         c.client),
                  log::line_text("2026-01-02T03:04:05.678Z", log::Level::info, "request", c.request_id, fields))
            << c.ms;
    }
}
