"""Sign-off: dated records, attestations, waivers, SSH signatures, the diff of two reports."""
