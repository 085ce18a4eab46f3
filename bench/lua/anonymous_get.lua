-- GET the wrk URL as many anonymous readers (comment widgets, blog index
-- pages): each request from one of 256 client addresses in turn, so the
-- per-address rate-limit rows are spread like real traffic. Headers given
-- to wrk with -H (e.g. If-None-Match) go with every request.
--   wrk ... 'https://HOST/api/v1/comments?url=...'
--   wrk ... 'https://HOST/api/v1/counts?url=...&url=...'
--   wrk -H 'If-None-Match: "ETAG"' ... 'https://HOST/api/v1/users/NAME/picture'
local requests, next_request = {}, 0

function init(args)
    for i = 0, 255 do
        -- wrk.format takes wrk.headers (-H) only when given no headers of its own.
        local headers = {["X-Forwarded-For"] = "198.19." .. i .. "." .. (i % 200 + 1)}
        for name, value in pairs(wrk.headers) do
            if headers[name] == nil then headers[name] = value end
        end
        table.insert(requests, wrk.format("GET", nil, headers))
    end
end

function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
end
