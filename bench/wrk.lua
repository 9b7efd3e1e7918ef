-- wrk script of the benchmark runner. bench/run.py writes a companion file (BENCH_SPEC) that sets:
--   requests = { {method, path, body, headers}, ... }   rotated through, one per request
--   out_path = "<where done() writes its JSON>"
-- Every connection takes the next request in turn, so a pool of ids (a write that consumes its row)
-- is used once each. Status codes are counted per thread and summed in done().

dofile(os.getenv("BENCH_SPEC"))

local counter = 0
statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = {}
end

function request()
  counter = counter + 1
  local r = requests[((counter - 1) % #requests) + 1]
  return wrk.format(r[1], r[2], r[4], r[3])
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests_)
  local merged = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do
        merged[k] = (merged[k] or 0) + v
      end
    end
  end
  local parts = {}
  for k, v in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', k, v))
  end
  local f = io.open(out_path, "w")
  f:write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, "statuses": {%s}}',
    summary.requests, summary.duration,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    table.concat(parts, ", ")))
  f:close()
end
