// The request pipeline: Request -> middleware -> router -> handler ->
// Response. Every exception ends here: a Problem becomes its problem+json
// answer, a database outage a 503, anything else a 500 with the request id.
#pragma once

#include "app.h"
#include "http/problem.h"
#include "http/request.h"
#include "http/response.h"

namespace stoa::http {

// Handles one request; never throws.
Response handle(App& app, Request& req);

// The problem+json answer for a Problem.
Response problem_response(const Problem& p, const std::string& request_id);

}  // namespace stoa::http
