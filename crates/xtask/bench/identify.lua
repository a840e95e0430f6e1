-- wrk script for `cargo xtask bench`: the same load as `loadgen identify` — random demo
-- customers (`crm_server::demo::demo_phone`), typed in the forms cashiers use — so that
-- the two load generators can be compared on the same server in the same run.
-- Environment: CRM_BENCH_TOKEN (a cashier's access token), CRM_BENCH_CUSTOMERS.
local token = os.getenv("CRM_BENCH_TOKEN")
local customers = tonumber(os.getenv("CRM_BENCH_CUSTOMERS"))
local prefixes = { "07", "05", "01" }

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

local function typed_phone(i)
  local phone = string.format("%s%08d", prefixes[i % 3 + 1], 20000000 + math.floor(i / 3))
  local form = math.random(0, 3)
  if form == 1 then
    return "+225 " .. phone
  elseif form == 2 then
    return "00225" .. phone
  elseif form == 3 then
    return phone:sub(1, 2) .. " " .. phone:sub(3, 4) .. " " .. phone:sub(5, 6) .. " "
      .. phone:sub(7, 8) .. " " .. phone:sub(9, 10)
  end
  return phone
end

request = function()
  local body = '{"phone":"' .. typed_phone(math.random(0, customers - 1)) .. '"}'
  return wrk.format(nil, "/api/v1/customers/identify", nil, body)
end
