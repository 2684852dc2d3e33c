"""`golive watch`: the read-only items of one environment on a schedule, with an HTTP
endpoint for Prometheus (`/metrics`), a health check (`/healthz`) and the last report
(`/report.json`). See docs/watch.md.

Modules: `select` (which items a watch runs), `state` (what the last runs left, and the
change lines), `metrics` (the Prometheus collector), `endpoint` (the HTTP server),
`loop` (the schedule, the change hook, stopping).
"""
