-- Shared by the bench scripts: each wrk thread takes its own share of the
-- lines of a data file prepared by bench/run (one simulated client a line).
-- wrk runs setup() and init() of one thread before creating the next, so
-- the number of threads comes as a script argument: -- FILE THREADS.

local common = {}
local threads = {}

-- wrk calls setup() once per thread, in the main Lua state.
function common.setup(thread)
    thread:set("thread_index", #threads)
    table.insert(threads, thread)
end

function common.threads()
    return threads
end

-- The lines of args[1] that belong to this thread, split on spaces.
function common.my_lines(args)
    local path, thread_count = args[1], tonumber(args[2])
    assert(thread_count and thread_count >= 1, "usage: -- FILE THREADS")
    local mine, n = {}, 0
    local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
    for line in f:lines() do
        if line ~= "" then
            if n % thread_count == thread_index then
                local fields = {}
                for field in line:gmatch("%S+") do table.insert(fields, field) end
                table.insert(mine, fields)
            end
            n = n + 1
        end
    end
    f:close()
    assert(#mine > 0, "no lines for thread " .. thread_index .. " in " .. path)
    return mine
end

return common
