-- wrk script for benchmarks/http_throughput.py: one transfer per POST /v1/transfers.
--
-- Arguments after `--`: <token> <run tag> <users> <idempotency: 0|1>.
-- Every request carries a new transfer id, "<tag>-<thread>-<n>", so every one really
-- posts; the tag keeps the warm-up's ids apart from the measured run's.
-- done() prints one line, "RESULT <json>", for the Python side to parse.

local threads = {}

function setup(thread)
  -- Runs in the main Lua state, once per thread, before any request: hand out ids.
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  token, tag, users, idempotency = args[1], args[2], tonumber(args[3]), args[4] == "1"
  n, non_200, refused = 0, 0, 0
  wrk.method = "POST"
  wrk.path = "/v1/transfers"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  n = n + 1
  local id = string.format("%s-%d-%d", tag, tid, n)
  -- Consecutive requests of a thread debit different users: no row is hotter than the
  -- one every request credits, platform:revenue:ads.
  local user = (n * 7 + tid) % users
  local body = string.format(
    '{"transfers":[{"id":"%s","debit":"user:%d:usd","credit":"platform:revenue:ads",'
      .. '"amount":1,"asset":"USD","code":"bench.http"}]}',
    id, user)
  if idempotency then
    wrk.headers["Idempotency-Key"] = id
  end
  return wrk.format(nil, nil, nil, body)
end

-- Defining response() makes wrk read every body; at these rates that costs little, and
-- it is the only way to count a 200 whose transfer the books refused.
function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
  elseif not string.find(body, '"result":"ok"', 1, true) then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local all_non_200, all_refused = 0, 0
  for _, thread in ipairs(threads) do
    all_non_200 = all_non_200 + thread:get("non_200")
    all_refused = all_refused + thread:get("refused")
  end
  local e = summary.errors
  -- wrk's latencies are in microseconds.
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"non_200":%d,"refused":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, all_non_200, all_refused,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
