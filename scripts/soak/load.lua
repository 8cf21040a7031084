-- wrk script for scripts/soak.sh: read load rotating through the query mixes.
--
--   SOAK_TOPICS=topics.txt SOAK_TYPING=typing.txt SOAK_WRK_OUT=out.txt \
--     wrk -t1 -c8 -d120s --timeout 15s -s scripts/soak/load.lua http://127.0.0.1:PORT
--
-- Each thread cycles through one list of requests, built from the two files: every topic as
-- GET /api/search (every fifth with facets=event,year,tag), every typing prefix as
-- GET /api/suggest and GET /api/search (search as you type). Threads start at different
-- places in the list. Connections are keep-alive (HTTP/1.1, no pipelining).
--
-- Every response is counted by status; a 503 is also counted apart when it carries
-- Retry-After (the concurrency limit's deliberate answer); a 200 whose body is not a search
-- (`"hits":`) or suggest (`"suggestions":`) answer is a bad body. done() writes `key value`
-- lines to $SOAK_WRK_OUT for the summary.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
  table.insert(threads, thread)
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function read_lines(path)
  local out = {}
  local f = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in f:lines() do
    line = line:gsub("\r$", "")
    if line:match("%S") then out[#out + 1] = line end
  end
  f:close()
  return out
end

local paths = {}
local next_path = 0
statuses = {}
retry_after_503 = 0
bad_body = 0

function init(args)
  local topics = read_lines(os.getenv("SOAK_TOPICS"))
  local typing = read_lines(os.getenv("SOAK_TYPING"))
  for k = 1, math.max(#topics, #typing) do
    if topics[k] then
      local facets = (k % 5 == 0) and "&facets=event,year,tag" or ""
      paths[#paths + 1] = "/api/search?q=" .. urlencode(topics[k]) .. facets
    end
    if typing[k] then
      paths[#paths + 1] = "/api/suggest?q=" .. urlencode(typing[k])
      paths[#paths + 1] = "/api/search?q=" .. urlencode(typing[k])
    end
  end
  next_path = ((thread_no or 1) - 1) * 397 % #paths
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 503 and (headers["Retry-After"] or headers["retry-after"]) then
    retry_after_503 = retry_after_503 + 1
  end
  if status == 200 and not (body:find('"hits":', 1, true) or body:find('"suggestions":', 1, true)) then
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests)
  local total = {}
  local ra, bad = 0, 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses") or {}) do
      total[code] = (total[code] or 0) + n
    end
    ra = ra + (thread:get("retry_after_503") or 0)
    bad = bad + (thread:get("bad_body") or 0)
  end
  local out = assert(io.open(os.getenv("SOAK_WRK_OUT"), "w"))
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("bytes %d\n", summary.bytes))
  out:write(string.format("latency_p50_us %d\n", latency:percentile(50)))
  out:write(string.format("latency_p90_us %d\n", latency:percentile(90)))
  out:write(string.format("latency_p99_us %d\n", latency:percentile(99)))
  out:write(string.format("latency_max_us %d\n", latency.max))
  out:write(string.format("latency_mean_us %.0f\n", latency.mean))
  for _, kind in ipairs({"connect", "read", "write", "timeout", "status"}) do
    out:write(string.format("errors_%s %d\n", kind, summary.errors[kind]))
  end
  for code, n in pairs(total) do
    out:write(string.format("status_%d %d\n", code, n))
  end
  out:write(string.format("retry_after_503 %d\n", ra))
  out:write(string.format("bad_body %d\n", bad))
  out:close()
end
