"""The shared vocabulary every layer uses: results and exit codes, errors, secrets,
Stripe key shapes, bounded input files, repository globs."""
