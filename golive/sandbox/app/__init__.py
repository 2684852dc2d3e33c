"""A reference deployment on 127.0.0.1, modelled on the seed's backend, with break switches.

golive's deployment probes (database and HTTP) are proven against it, and `golive demo`
runs the whole checklist against it. It serves, with the standard library's
`ThreadingHTTPServer`:

- `POST /api/subscription/webhook`: verifies `Stripe-Signature` with its
  STRIPE_WEBHOOK_SECRET (five-minute tolerance) and applies the events it knows;
- `POST /api/subscription/create-checkout-session`: authenticated, 10 per 60 s per
  user, then 429 with Retry-After;
- `POST /api/subscription/create-portal-session`: authenticated, returns a portal URL;
- admin-only `GET /api/stripe/disputes`, `/api/stripe/disputes/{id}`,
  `/api/stripe/fraud-warnings`, `/api/stripe/fraud-warnings/{id}` and the
  `/stripe-disputes` page (401 anonymous, 403 non-admin; admin by ADMIN_EMAILS or
  ADMIN_EMAIL_DOMAIN);
- `GET /health`.

Users are bearer tokens mapped to e-mail addresses in its `AppConfig`. Its database
(any SQLAlchemy URL; SQLite by default) holds the seed's tables, created and filled by
`seed_database`. Each name in `BREAKS` breaks it in one way the checklist guards
against; docs/reference-app.md lists them with the item that catches each.

Layers, each module importing only those before it: breaks (the switches) -> config
(users, JWTs, AppConfig) -> database (schema, seed) and web (requests, responses, rate
limiter, signatures) -> routes (route table, OpenAPI document) -> events (status changes)
-> billing (webhooks once, the Stripe link) -> billing_routes (Stripe calls, admin
actions) -> server (ReferenceApp) -> serve (`golive sandbox app`).
"""
