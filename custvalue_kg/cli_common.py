"""What the command-line modules share: options, progress output, exit codes, opening a store."""

from __future__ import annotations

import sys

import click

from .kg import KnowledgeGraph

EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2


class Progress:
    """Progress lines on stderr, only when it is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, source: str, count: int) -> None:
        if self.enabled:
            click.echo(f"\r  parsing {source}: {count:,} triples", err=True, nl=False)

    def step(self, text: str) -> None:
        if self.enabled:
            click.echo(f"\r{text}", err=True)


store_option = click.option(
    "--store", "store", envvar="CUSTVALUE_KG_STORE", metavar="DIR|URL",
    help="A store directory (embedded Oxigraph, created if missing) or the query endpoint URL "
         "of a SPARQL 1.1 store. Default: an in-memory store holding the ontology and the "
         "sample enterprise. Environment: CUSTVALUE_KG_STORE.",
)
update_endpoint_option = click.option(
    "--update-endpoint", envvar="CUSTVALUE_KG_UPDATE_ENDPOINT", metavar="URL",
    help="The SPARQL update endpoint of a remote store, when it is not the query URL with "
         "'/query' replaced by '/update' (or the query URL itself).",
)


def open_kg(store: str | None, update_endpoint: str | None) -> KnowledgeGraph:
    return KnowledgeGraph.open(store, update_endpoint=update_endpoint)
