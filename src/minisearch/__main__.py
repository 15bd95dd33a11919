"""`python -m minisearch` runs the command line."""

from .cli import main

main()
