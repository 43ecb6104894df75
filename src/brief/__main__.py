"""`python -m brief` runs the command-line interface."""

from brief.cli import main

main()
