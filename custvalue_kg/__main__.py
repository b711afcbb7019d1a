"""`python -m custvalue_kg` is the same as the `custvalue-kg` command."""

from .cli import main

main()
