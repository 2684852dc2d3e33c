"""Running the checklist: the probe API, the registry of kinds, the probe context and
its clients (Stripe, database), the runner."""
