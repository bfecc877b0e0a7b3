-- POST …/usage/batch: 1000 events per request, every key unique, event i for customer
-- cus_<i mod BENCH_CUSTOMERS>: a batch names every customer (bench/alerts.py).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local counter = 0
local prefix = os.getenv("BENCH_PREFIX")
local size = tonumber(os.getenv("BENCH_BATCH_SIZE"))
local customers = tonumber(os.getenv("BENCH_CUSTOMERS"))
local tail = '","meter":"api_calls","value":"1","timestamp":"' .. os.getenv("BENCH_TIMESTAMP") .. '"}'

request = function()
  counter = counter + 1
  local base = '{"idempotency_key":"' .. prefix .. "-" .. tid .. "-" .. counter .. "-"
  local parts = {}
  for i = 1, size do
    parts[i] = base .. i .. '","external_customer_id":"cus_' .. (i % customers) .. tail
  end
  return wrk.format("POST", nil, nil, '{"events":[' .. table.concat(parts, ",") .. "]}")
end
