"""`python -m golive`."""

from golive.cli import main

main()
