-- wrk script for Benchmarks/api_load.py: a mix of Recording API requests.
-- Agents 1..N (API_LOAD_AGENTS); the first API_LOAD_CALLS have the callees' phones 2000+i and
-- are on a call; the others have phones 90000+j-1. Per request:
--   5 % GET /api/Agent/GetAll, 55 % GET /api/Agent by Phone or Id (any agent),
--   20 % POST Record/UpdateForAgent, 10 % PauseForAgent, 10 % ResumeForAgent (agents on a call).
-- done() prints one line "API_LOAD_JSON {...}" with the counts of every thread.

local agents = tonumber(os.getenv("API_LOAD_AGENTS")) or 1000
local calls = tonumber(os.getenv("API_LOAD_CALLS")) or 200
local threads = {}
local next_id = 1
local json_headers = { ["Content-Type"] = "application/json" }

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(7919 * id)
  statuses = {}
  kinds = {}
  sent = 0
end

local function phone(j)
  if j <= calls then return tostring(2000 + j - 1) end
  return tostring(90000 + j - 1)
end

local function count(kind)
  kinds[kind] = (kinds[kind] or 0) + 1
end

-- API_LOAD_ONLY narrows the mix to one route group: GetAll, Agent (single-agent reads) or
-- Commands (UpdateForAgent, PauseForAgent, ResumeForAgent), for latency per route.
local only = os.getenv("API_LOAD_ONLY")

function request()
  sent = sent + 1
  local r = math.random(100)
  if only == "GetAll" then r = 1
  elseif only == "Agent" then r = math.random(6, 60)
  elseif only == "Commands" then r = math.random(61, 100) end
  if r <= 5 then
    count("GetAll")
    return wrk.format("GET", "/api/Agent/GetAll")
  elseif r <= 60 then
    local j = math.random(agents)
    if r <= 35 then
      count("AgentByPhone")
      return wrk.format("GET", "/api/Agent?agentIdentifier=Phone&value=" .. phone(j))
    end
    count("AgentById")
    return wrk.format("GET", "/api/Agent?agentIdentifier=Id&value=" .. j)
  end
  local who = '{"AgentIdentifier":"Phone","Value":"' .. phone(math.random(calls)) .. '"'
  if r <= 80 then
    count("UpdateForAgent")
    return wrk.format("POST", "/api/Record/UpdateForAgent", json_headers,
      who .. ',"CallMetadata":{"user1":"load-' .. id .. '-' .. sent .. '"}}')
  elseif r <= 90 then
    count("PauseForAgent")
    return wrk.format("POST", "/api/Record/PauseForAgent", json_headers, who .. "}")
  end
  count("ResumeForAgent")
  return wrk.format("POST", "/api/Record/ResumeForAgent", json_headers, who .. "}")
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

local function json_object(t)
  local parts = {}
  for k, v in pairs(t) do table.insert(parts, string.format('"%s": %d', k, v)) end
  table.sort(parts)
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local all_status, all_kinds = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses") or {}) do all_status[k] = (all_status[k] or 0) + v end
    for k, v in pairs(t:get("kinds") or {}) do all_kinds[k] = (all_kinds[k] or 0) + v end
  end
  local non2xx = 0
  for k, v in pairs(all_status) do
    if k:sub(1, 1) ~= "2" then non2xx = non2xx + v end
  end
  local e = summary.errors
  io.write(string.format(
    'API_LOAD_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"non_2xx": %d, "status": %s, "kinds": %s}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout,
    non2xx, json_object(all_status), json_object(all_kinds)))
end
