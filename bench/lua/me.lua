-- GET /api/v1/auth/me as many signed-in clients: lines "ACCESS_TOKEN CLIENT_IP";
-- each thread's requests go round-robin over its clients.
--   wrk ... https://HOST/api/v1/auth/me -- TOKENS_FILE THREADS
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local requests, next_request = {}, 0

setup = common.setup

function init(args)
    for _, f in ipairs(common.my_lines(args)) do
        table.insert(requests, wrk.format("GET", nil, {
            ["Authorization"] = "Bearer " .. f[1],
            ["X-Forwarded-For"] = f[2],
        }))
    end
end

function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
end
