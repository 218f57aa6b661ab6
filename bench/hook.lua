-- wrk script for make bench: Telegram webhook updates carrying "查询 <query>".
--   wrk -s bench/hook.lua URL -- QUERY_FILE UPDATE_ID_BASE SECRET
-- Each thread rotates through QUERY_FILE from its own offset; update_id is
-- unique per request (the daemon dedupes on it), private chats from 1000
-- users per thread. done() prints one machine-readable BENCH line.

local nthreads = 0

function setup(thread)
   thread:set("tid", nthreads)
   nthreads = nthreads + 1
end

local queries, nq, pos, seq, base, headers, idbase

function init(args)
   queries = {}
   for line in io.lines(args[1]) do
      if #line > 0 then queries[#queries + 1] = line end
   end
   nq = #queries
   if nq == 0 then error("no queries in " .. tostring(args[1])) end
   tid = tid or 0
   base = (tonumber(args[2]) or 0) + tid * 100000000
   pos = (tid * 7919) % nq
   seq = 0
   idbase = 5900000000 + tid * 1000
   headers = {
      ["Content-Type"] = "application/json",
      ["X-Telegram-Bot-Api-Secret-Token"] = args[3] or "benchsecret",
   }
end

function request()
   seq = seq + 1
   pos = pos + 1
   if pos > nq then pos = 1 end
   local uid = idbase + seq % 1000
   local body = string.format('{"update_id":%d,"message":{"message_id":%d,'
      .. '"from":{"id":%d,"is_bot":false,"first_name":"压测"},'
      .. '"chat":{"id":%d,"type":"private","first_name":"压测"},'
      .. '"date":1763750000,"text":"查询 %s"}}',
      base + seq, seq, uid, uid, queries[pos])
   return wrk.format("POST", "/hook/tg", headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("BENCH requests=%d duration_us=%d rps=%.1f "
      .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d connect=%d read=%d "
      .. "write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration,
      summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
