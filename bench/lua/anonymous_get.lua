-- GET the wrk URL as many anonymous readers (comment widgets, blog index
-- pages): each request from one of 256 client addresses in turn, so the
-- per-address rate-limit rows are spread like real traffic.
--   wrk ... 'https://HOST/api/v1/comments?url=...'
--   wrk ... 'https://HOST/api/v1/counts?url=...&url=...'
local requests, next_request = {}, 0

function init(args)
    for i = 0, 255 do
        table.insert(requests, wrk.format("GET", nil, {["X-Forwarded-For"] = "198.19." .. i .. "." .. (i % 200 + 1)}))
    end
end

function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
end
