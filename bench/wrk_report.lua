-- wrk reports p50/p75/p90/p99 with --latency but no p95: print one JSON line that
-- bench/pages.py parses (latencies in microseconds, duration in microseconds).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, '
      .. '"errors_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
