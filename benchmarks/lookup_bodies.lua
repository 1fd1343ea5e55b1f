-- wrk script: POST the JSON bodies of a file (one per line) round-robin for the whole run.
-- Usage: wrk -s lookup_bodies.lua URL -- BODIES_FILE PATH
local counter = 0

function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end

function init(args)
  bodies = {}
  for line in io.lines(args[1]) do
    table.insert(bodies, line)
  end
  path = args[2]
  index = 1 + offset * 7919 % #bodies
end

function request()
  local body = bodies[index]
  index = index % #bodies + 1
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
