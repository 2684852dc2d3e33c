"""A Stripe-compatible API on 127.0.0.1, from a state file: golive's tests, demo and rehearsals.

Stripe's cloud is out of reach from tests and CI, and no offline server covers account,
prices, webhook endpoints, events' delivery filter, disputes and early fraud warnings.
This one serves exactly what golive reads, faithful to Stripe's wire format:

- Bearer (or Basic) auth; the key's prefix picks the mode (`sk_live_`/`rk_live_` live,
  `sk_test_`/`rk_test_` test) and objects are partitioned by mode;
- list envelopes (`object`, `data`, `has_more`, `url`) with `limit`, `starting_after`,
  `ending_before`, `created[gt|gte|lt|lte]` and each list's own filters; an unknown
  parameter is a 400, as on Stripe;
- Stripe's error bodies and statuses: 401 for a missing or refused key, 404
  `resource_missing` ("a similar object exists in test mode, but a live mode key was
  used to make this request."), 403 for a restricted key on `/v1/account`;
- injectable latency, and 429 (with or without `Stripe-Should-Retry`), 5xx or a slow
  answer on demand;
- a log of every request (method, path, query, mode; never the key).

The state file format is documented in docs/sandbox-stripe.md. Objects are built here
from templates with the same fields as Stripe's own examples (a contract test compares
them with Stripe's fixtures); the state overrides ids and the fields a scenario needs.
Only the standard library is used. Live mode never writes: any method but GET is
answered with an error and logged, so a test can prove golive only reads; test-mode
writes (what `golive rehearse` sends) are served by writes.py.

Layers, each module importing only those before it: templates (object templates, shared
constants) -> kinds (what is served, list filters) -> state (state file, faults) -> reads
(auth, errors, list parameters, GET routes) -> write_store -> deliveries -> customers ->
payments -> subscriptions -> writes (the test-mode write side) -> server (StripeSandbox,
`serve`); demo (a healthy state) needs only templates, kinds and state.
"""
