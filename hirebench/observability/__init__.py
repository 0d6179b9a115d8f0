"""What operators see of a running hirebench (docs/operations.md, "Metrics and health"): the
request id that ties one request's log lines (and those of the grading job it queued) together,
JSON log lines, and the Prometheus metrics. The modules here are foundation helpers that any
layer may call to record something; `scrape` reads the database at scrape time and sits with
the domain (tests/test_architecture.py)."""
