// CORS: only origins listed in ALLOWED_ORIGINS get Access-Control-* headers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "http/request.h"
#include "http/response.h"

namespace stoa::http {

// The request's Origin when it is allowed, else nullopt.
std::optional<std::string> allowed_origin(const Config& config, const Request& req);

// Adds the CORS headers to an answer for an allowed origin.
void apply_cors(const Config& config, const Request& req, Response& res);

// The answer to a preflight OPTIONS for a path with these methods.
Response preflight(const Config& config, const Request& req, const std::vector<std::string>& methods);

}  // namespace stoa::http
