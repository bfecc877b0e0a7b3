-- POST …/usage: one event per request, a unique Idempotency-Key each (run prefix,
-- wrk thread, counter), the body set by the bench with wrk's -H and BENCH_BODY.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local counter = 0
local prefix = os.getenv("BENCH_PREFIX")
local body = os.getenv("BENCH_BODY")

request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. counter
  return wrk.format("POST", nil, nil, body)
end
