-- wrk script for the nginx ceiling: plain GET, and the same BENCH line as
-- bench/hook.lua prints.
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
