"""Local stand-ins that golive's tests, demo and rehearsals run against, on 127.0.0.1:
a Stripe-compatible API (the `stripe` package) and a reference deployment (`app`)."""
