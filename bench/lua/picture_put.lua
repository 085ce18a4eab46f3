-- PUT /api/v1/account/picture as many signed-in clients: lines "ACCESS_TOKEN
-- CLIENT_IP" (as me.lua), each request a multipart/form-data body with the
-- field `file` holding the same image; round-robin per thread.
--   wrk ... https://HOST/api/v1/account/picture -- TOKENS_FILE IMAGE_FILE THREADS
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local requests, next_request = {}, 0

setup = common.setup

function init(args)
    local f = assert(io.open(args[2], "rb"), "cannot open " .. tostring(args[2]))
    local image = f:read("*a")
    f:close()
    local ext = args[2]:match("%.(%w+)$") or "png"
    local boundary = "----stoa-bench-" .. string.format("%08x", #image)
    local body = "--" .. boundary .. "\r\n"
        .. 'Content-Disposition: form-data; name="file"; filename="me.' .. ext .. '"\r\n'
        .. "Content-Type: image/" .. (ext == "jpg" and "jpeg" or ext) .. "\r\n\r\n"
        .. image .. "\r\n--" .. boundary .. "--\r\n"
    for _, t in ipairs(common.my_lines({args[1], args[3]})) do
        table.insert(requests, wrk.format("PUT", nil, {
            ["Authorization"] = "Bearer " .. t[1],
            ["X-Forwarded-For"] = t[2],
            ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
        }, body))
    end
end

function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
end
