"""``python -m durandwatch`` runs the command line."""

from .cli import main

main()
