-- wrk script: rotates through request paths read from a file, one a line (already
-- percent-encoded), and prints a machine-readable summary line at the end.
--
--   URLS=paths.txt wrk -t1 -c8 -d15s -s scripts/peers/rotate.lua http://127.0.0.1:PORT
--
-- Optional: API_KEY=... adds the header X-TYPESENSE-API-KEY (Typesense needs it).
-- The summary line reads:
--   RESULT requests=N duration_s=S rps=R p50_ms=A p99_ms=B max_ms=M non2xx=C sockerr=D

local paths = {}
local idx = 0

local function load(file)
  local list = {}
  local f = io.open(file, "r")
  if not f then
    error("rotate.lua: cannot open URLS file " .. tostring(file))
  end
  for line in f:lines() do
    if #line > 0 then
      list[#list + 1] = line
    end
  end
  f:close()
  if #list == 0 then
    error("rotate.lua: no paths in " .. file)
  end
  return list
end

function init(args)
  paths = load(os.getenv("URLS"))
  -- start each thread at a different place so threads do not move in lockstep
  idx = math.random(#paths) - 1
  local key = os.getenv("API_KEY")
  if key and #key > 0 then
    wrk.headers["X-TYPESENSE-API-KEY"] = key
  end
end

function request()
  idx = idx % #paths + 1
  return wrk.format("GET", paths[idx])
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d sockerr=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
