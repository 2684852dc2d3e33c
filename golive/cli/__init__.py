"""The `golive` command line: thin commands that parse options and call the core.

One module per group of commands registers them on `app` (golive.cli.app); shared
options live in golive.cli.options; `main()` (golive.cli.entry) maps errors to exit codes.
"""

from __future__ import annotations

# Importing a group's module registers its commands; this order is the order of --help.
# isort: off
from golive.cli import run  # check, rehearse
from golive.cli import signoff  # attest, sign, verify, report, diff
from golive.cli import init  # init
from golive.cli import adapt  # list, vars, validate, schema, probes, trust
from golive.cli import sandbox  # demo, sandbox stripe|app
from golive.cli import watch  # watch

# isort: on
from golive.cli.app import app, finish_help
from golive.cli.entry import main

finish_help(app)

__all__ = ["adapt", "app", "init", "main", "run", "sandbox", "signoff", "watch"]
