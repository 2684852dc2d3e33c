"""`python -m golive.sandbox.app`: the same command as `golive sandbox app`, with its
error handling (a busy port is exit 2 naming it, never a traceback)."""

import sys

from golive.cli.entry import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(["sandbox", "app", *sys.argv[1:]]))
