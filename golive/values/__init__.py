"""Values of one environment: sources, interpolation, roles and logins, the variables
items read, read-only databases."""
