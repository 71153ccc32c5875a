-- wrk script for `make bench`: each request takes the next (session cookie, path) pair
-- from a tab-separated file given after `--`, so ten logged-in users share the load; a
-- third column is a form's body, posted instead; a fourth, the id an htmx request targets
-- (sent as htmx sends it: HX-Request and HX-Target; "*" for none), for a page's in-place part.
-- When wrk is done it prints one "BENCH {json}" line that bench/report.py reads.

local targets = {}
local csrf = "benchcsrftoken0000000000000000aa"  -- 32 letters and digits, as Django's
local next_target = 0

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    local cookie, path, body, hx = line:match("^([^\t]*)\t([^\t]+)\t?([^\t]*)\t?(.*)$")
    if path then
      targets[#targets + 1] = {cookie = cookie, path = path, body = body, hx = hx}
    end
  end
  file:close()
  assert(#targets > 0, "no targets in " .. args[1])
  -- Threads start at different users, so that they do not move in step.
  next_target = math.random(#targets) - 1
end

function request()
  next_target = next_target % #targets + 1
  local target = targets[next_target]
  local headers = {}
  if target.cookie ~= "" then
    headers["Cookie"] = "sessionid=" .. target.cookie
  end
  if target.hx ~= "" then
    headers["HX-Request"] = "true"
    if target.hx ~= "*" then  -- "*": an htmx request without a target
      headers["HX-Target"] = target.hx
    end
  end
  if target.body ~= "" then
    -- A form posted: Django's CSRF check wants the same token in a cookie and a header.
    headers["Cookie"] = (headers["Cookie"] or "") .. "; csrftoken=" .. csrf
    headers["X-CSRFToken"] = csrf
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", target.path, headers, target.body)
  end
  return wrk.format("GET", target.path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
