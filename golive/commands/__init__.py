"""What each command does behind its thin command line: check, init, demo, export,
schema, and writing outputs."""
