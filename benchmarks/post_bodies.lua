-- wrk script: POST each JSON body of a file (one per line) once, spread over the threads,
-- then stop. Usage: wrk -s post_bodies.lua URL -- BODIES_FILE THREADS [PATH]
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    table.insert(bodies, line)
  end
  step = tonumber(args[2])
  path = args[3] or "/api/results/protocols"
  next_index = id
end

function request()
  local body = bodies[next_index]
  if body == nil then
    wrk.thread:stop()
    body = bodies[1]
  end
  next_index = next_index + step
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
