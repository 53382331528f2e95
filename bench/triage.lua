-- wrk script for the triage benchmark: rotate over the filter paths with the logged-in session's cookie.
-- Set by bench/triage.py through the environment: RELAIS_COOKIE and RELAIS_PATHS (paths separated by spaces).
local paths = {}
for p in string.gmatch(os.getenv("RELAIS_PATHS") or "/admin/items", "%S+") do table.insert(paths, p) end
local cookie = os.getenv("RELAIS_COOKIE") or ""
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], { ["Cookie"] = cookie })
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"requests\": %d, \"errors\": %d, \"median_ms\": %.2f, \"p95_ms\": %.2f, \"max_ms\": %.2f, \"rps\": %.1f}\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
