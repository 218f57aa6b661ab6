-- wrk script: bench/hook.lua with a think time before each request on a
-- connection, a mean of MEAN_MS drawn from [0.5, 1.5) of it, so that the
-- connections ask about a fixed rate (connections x 1000 / MEAN_MS a
-- second, less the time the answers take) rather than all the server
-- gives. From the top of the tree (it loads hook.lua):
--   wrk -s bench/paced.lua URL -- QUERY_FILE UPDATE_ID_BASE SECRET MEAN_MS
dofile("bench/hook.lua")
local hook_init = init
local mean
function init(args)
   hook_init(args)
   mean = tonumber(args[4]) or 10
   math.randomseed(os.time() * 1000 + (tid or 0))
end
function delay()
   return math.floor(mean * (0.5 + math.random()) + 0.5)
end
