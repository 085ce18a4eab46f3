-- POST /api/v1/auth/refresh along token chains: lines "REFRESH_TOKEN CLIENT_IP SESSION_ID",
-- one chain per session. Tokens rotate, so each request spends the token of
-- the chain's previous answer: a chain is idle (token in hand) or busy
-- (request out); an answer names its session (the sid claim of its access
-- token), which makes that chain idle again with the new token. A chain
-- busy when wrk stops may have been rotated unseen, so every wrk run gets a
-- file of fresh chains (wrk cannot hand tables back from its threads).
--
-- wrk may call request() twice for one send (an SSL write that must be
-- retried before any byte went out): the first token is then never sent and
-- stays valid, but its chain looks busy forever. So bench/run gives each run
-- spare chains, and a chain busy for RECOVER_SECONDS (far beyond any answer
-- time here) when no chain is idle is taken as never sent and used again,
-- once; a chain that still gets no answer is dropped. A request finding no
-- idle chain goes out with a dead token (a counted 401).
--   wrk ... https://HOST/api/v1/auth/refresh -- CHAINS_FILE THREADS
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("common")

local RECOVER_SECONDS = 3

local chains = {}                    -- session id -> {token, ip, sent_at, retried}
local idle, head, tail = {}, 1, 0    -- queue of idle chains
failed, starved, recovered = 0, 0, 0 -- read by done() through thread:get

setup = common.setup

local function push_idle(chain)
    chain.sent_at = nil
    tail = tail + 1
    idle[tail] = chain
end

function init(args)
    for _, f in ipairs(common.my_lines(args)) do
        local chain = {token = f[1], ip = f[2]}
        chains[f[3]] = chain
        push_idle(chain)
    end
end

-- Busy chains whose request cannot still be under way become idle again.
local function recover()
    local now = os.time()
    for _, chain in pairs(chains) do
        if chain.sent_at and now - chain.sent_at >= RECOVER_SECONDS then
            chain.sent_at = nil
            if not chain.retried then
                chain.retried = true
                recovered = recovered + 1
                push_idle(chain)
            end
        end
    end
end

local B64URL = {}
for i = 1, 64 do
    B64URL[("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"):byte(i)] = i - 1
end

local function base64url_decode(text)
    local out, acc, bits = {}, 0, 0
    for i = 1, #text do
        local v = B64URL[text:byte(i)]
        if not v then return nil end
        acc, bits = acc * 64 + v, bits + 6
        if bits >= 8 then
            bits = bits - 8
            local byte = math.floor(acc / 2 ^ bits)
            out[#out + 1] = string.char(byte)
            acc = acc - byte * 2 ^ bits
        end
    end
    return table.concat(out)
end

-- The session an answer belongs to: the sid claim of its access token.
local function session_of(body)
    local payload = body:match('"access_token"%s*:%s*"[^".]+%.([^".]+)%.')
    local claims = payload and base64url_decode(payload)
    return claims and claims:match('"sid"%s*:%s*"([^"]+)"')
end

local function refresh_request(token, ip)
    return wrk.format("POST", nil, {
        ["Content-Type"] = "application/json",
        ["X-Forwarded-For"] = ip,
    }, '{"refresh_token":"' .. token .. '"}')
end

function request()
    if head > tail then recover() end
    if head > tail then
        starved = starved + 1
        return refresh_request("dead-chain-no-token-left", "10.255.255.254")
    end
    local chain = idle[head]
    idle[head] = nil
    head = head + 1
    chain.sent_at = os.time()
    return refresh_request(chain.token, chain.ip)
end

function response(status, headers, body)
    local token = status == 200 and body:match('"refresh_token"%s*:%s*"([^"]+)"')
    local chain = token and chains[session_of(body) or ""]
    if chain and token and chain.sent_at then
        chain.token = token
        chain.retried = false
        push_idle(chain)
    else
        failed = failed + 1
    end
end

function done(summary, latency, requests)
    local f, s, r = 0, 0, 0
    for _, t in ipairs(common.threads()) do
        f = f + t:get("failed")
        s = s + t:get("starved")
        r = r + t:get("recovered")
    end
    io.write(string.format("chains: %d answers without a new token, %d requests found no idle "
                           .. "chain, %d chains recovered\n", f, s, r))
end
