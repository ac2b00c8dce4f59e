-- wrk script: 16 requests in every write, as in TechEmpower's plaintext
-- test, to measure pipelining. `wrk -s bench/pipeline.lua URL` (the path of
-- URL is the path of every request).
local depth = 16

init = function(args)
  local one = wrk.format(nil, wrk.path)
  req = string.rep(one, depth)
end

request = function()
  return req
end
