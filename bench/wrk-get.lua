-- wrk script: GET a random resource by id with a bearer token.
-- Environment: TARIFA_TOKEN, TARIFA_PATH (e.g. /tmf-api/customerManagement/v4/customer/),
-- TARIFA_IDS (ids are drawn from 1..TARIFA_IDS).
local token = os.getenv("TARIFA_TOKEN")
local path = os.getenv("TARIFA_PATH")
local ids = tonumber(os.getenv("TARIFA_IDS") or "100")

wrk.headers["Authorization"] = "Bearer " .. token

request = function()
  return wrk.format("GET", path .. math.random(1, ids))
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
