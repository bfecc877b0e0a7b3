-- POST …/usage: one event per request, a unique Idempotency-Key each, for customer
-- cus_<counter mod BENCH_CUSTOMERS>: consecutive requests name different customers
-- (bench/alerts.py: each one a subscription with an alert, or none).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local counter = 0
local prefix = os.getenv("BENCH_PREFIX")
local customers = tonumber(os.getenv("BENCH_CUSTOMERS"))
local tail = '","meter":"api_calls","value":"1"}'

request = function()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. counter
  local body = '{"external_customer_id":"cus_' .. ((counter + tid * 7919) % customers) .. tail
  return wrk.format("POST", nil, nil, body)
end
