-- wrk script of bench/completion.py (read its docstring first).
--
-- Without arguments: the bare view. wrk sends its one static GET and this script only prints the figures
-- (BENCH_RESULT line; wrk prints no p95 of its own).
--
-- With arguments (wrk ... URL -- DATAFILE BASE THREADS): signed-in learners completing lessons. DATAFILE (a Lua file
-- written by completion.py) defines `sessions`, `tokens` (one per learner, 1-based), `lessons` (page ids in course
-- order), `learners`, `group`, `session_cookie`, `csrf_cookie`. Thread i (0-based) sends global request numbers
-- k = BASE + i + THREADS * n, n = 0, 1, 2, ...; pair_of(k) below turns k into (learner, lesson). completion.py computes
-- the same function: from each thread's count of requests sent it knows exactly which pairs were posted, and checks them
-- against the database. Keep both in step (the checksums printed by done() prove they are).

-- Globals: done() runs in wrk's main Lua state and reads them from each thread's state with thread:get().
mode = "bare"
base, nthreads, sent = 0, 1, 0
sum_k, sum_pair = 0, 0
statuses = {}

-- Every tenth request posts the previous request's pair again (a double click, a second tab): in flight at the same
-- time, from another thread when there are two. The others walk `group` learners through the lessons in turn, so one
-- learner's consecutive lessons are about `group` requests apart (never in flight together), then the next group.
function pair_of(k)
  if k % 10 == 9 then
    k = k - 1
  end
  local fresh = k - math.floor(k / 10)
  local block_size = group * #lessons
  local block, r = math.floor(fresh / block_size), fresh % block_size
  local learner = (block * group + r % group) % learners
  local lesson = math.floor(r / group)
  return learner, lesson
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  if #args == 0 then
    -- Bare view: wrk's static request, no per-response work in Lua.
    request = nil
    response = nil
    return
  end
  mode = "post"
  dofile(args[1])
  base, nthreads = tonumber(args[2]), tonumber(args[3])
end

-- wrk calls request() once in the first thread's state before that thread starts, to check the request parses
-- (script_verify_request); that request is never sent. So the first call in thread 0 only peeks: it builds the request
-- for the next number without counting it.
peeked = false

function request()
  local k = base + id + nthreads * sent
  if id == 0 and not peeked then
    peeked = true
    local learner, lesson = pair_of(k)
    return wrk.format("POST", "/learn/lessons/" .. lessons[lesson + 1] .. "/complete/")
  end
  sent = sent + 1
  local learner, lesson = pair_of(k)
  sum_k = sum_k + k
  sum_pair = sum_pair + learner * #lessons + lesson
  local token = tokens[learner + 1]
  return wrk.format("POST", "/learn/lessons/" .. lessons[lesson + 1] .. "/complete/", {
    ["Cookie"] = session_cookie .. "=" .. sessions[learner + 1] .. "; " .. csrf_cookie .. "=" .. token,
    ["X-CSRFToken"] = token,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function thread_report(thread)
  local parts = {}
  for status, count in pairs(thread:get("statuses")) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  return string.format('{"id": %d, "sent": %d, "sum_k": %.0f, "sum_pair": %.0f, "statuses": {%s}}',
    thread:get("id"), thread:get("sent"), thread:get("sum_k"), thread:get("sum_pair"), table.concat(parts, ", "))
end

function done(summary, latency, requests)
  local e = summary.errors
  local reports = {}
  for _, thread in ipairs(threads) do
    if thread:get("mode") == "post" then
      table.insert(reports, thread_report(thread))
    end
  end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, '
      .. '"threads": [%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, table.concat(reports, ", ")))
end
