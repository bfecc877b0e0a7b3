-- POST …/usage: one event per request, a unique Idempotency-Key each (run prefix,
-- wrk thread, counter), the body set by the bench with wrk's -H and BENCH_BODY.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("tid", next_thread)
end

local counter = 0
local prefix = os.getenv("BENCH_PREFIX")
local body = os.getenv("BENCH_BODY")

request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. counter
  return wrk.format("POST", nil, nil, body)
end
