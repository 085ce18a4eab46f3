-- POST /api/v1/auth/login as many clients: lines "LOGIN PASSWORD CLIENT_IP"
-- (passwords without quotes or backslashes); round-robin per thread.
--   wrk ... https://HOST/api/v1/auth/login -- USERS_FILE THREADS
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local requests, next_request = {}, 0

setup = common.setup

function init(args)
    for _, f in ipairs(common.my_lines(args)) do
        local body = '{"login":"' .. f[1] .. '","password":"' .. f[2] .. '"}'
        table.insert(requests, wrk.format("POST", nil, {
            ["Content-Type"] = "application/json",
            ["X-Forwarded-For"] = f[3],
        }, body))
    end
end

function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
end
