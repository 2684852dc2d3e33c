"""`python -m golive.sandbox.stripe`: the same command as `golive sandbox stripe`, with its
error handling (a busy port is exit 2 naming it, never a traceback)."""

import sys

from golive.cli.entry import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(["sandbox", "stripe", *sys.argv[1:]]))
