-- wrk script for bench/crypto.sh: the same request again and again.
--   wrk -s bench/fixed.lua URL -- PATH_FILE BODY_FILE CONTENT_TYPE [HEADER VALUE]
-- done() prints one machine-readable BENCH line.

local req

local function slurp(name)
   local f = assert(io.open(name, "rb"))
   local s = f:read("*a")
   f:close()
   return s
end

function init(args)
   local headers = { ["Content-Type"] = args[3] }
   if args[4] ~= nil then headers[args[4]] = args[5] end
   req = wrk.format("POST", slurp(args[1]), headers, slurp(args[2]))
end

function request()
   return req
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("BENCH requests=%d rps=%.1f p50_us=%d p99_us=%d "
      .. "status=%d timeout=%d\n", summary.requests,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(99), e.status, e.timeout))
end
