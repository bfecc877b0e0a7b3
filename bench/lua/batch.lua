-- POST …/usage/batch: 1000 events per request, every key unique (run prefix, wrk
-- thread, request counter, position), the same customer, meter and timestamp.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local counter = 0
local prefix = os.getenv("BENCH_PREFIX")
local size = tonumber(os.getenv("BENCH_BATCH_SIZE"))
local tail = '","external_customer_id":"cus_bench","meter":"api_calls","value":"1","timestamp":"'
  .. os.getenv("BENCH_TIMESTAMP") .. '"}'

request = function()
  counter = counter + 1
  local base = '{"idempotency_key":"' .. prefix .. "-" .. tid .. "-" .. counter .. "-"
  local parts = {}
  for i = 1, size do
    parts[i] = base .. i .. tail
  end
  return wrk.format("POST", nil, nil, '{"events":[' .. table.concat(parts, ",") .. "]}")
end
