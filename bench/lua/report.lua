-- Shared by the wrk scripts of bench/ingest.py: one JSON line with what the run did.
-- wrk counts a response outside 2xx/3xx as a status error; the bench refuses such runs.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"status_errors":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
