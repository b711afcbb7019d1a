"""Import the result of a CONSTRUCT (or DESCRIBE) query on another SPARQL store.

The query is sent as written to the endpoint the user named (the command line is the user's
own request, so no allow-list applies here; the service's SERVICE allow-list still guards
federated queries). The answer is parsed completely before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import click
import pyoxigraph as ox

from ..cli_common import open_kg, store_option, update_endpoint_option
from ..errors import CustvalueError, InputError
from ..formats import rdf_format
from ..import_commands import require_valid_option, write_batch
from ..parameters import is_absolute_iri, query_form
from ..sources import parse_rdf
from ..store import RemoteStore
from .provenance import CV, ImportBatch

IMPORTER = "sparql"


def read_construct(reference: str) -> str:
    """The query text: read from a .rq file when ``reference`` names one, else itself."""
    path = Path(reference)
    if "\n" not in reference and len(reference) < 4096 and path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read: {exc}", source=str(path)) from None
    if reference.endswith(".rq"):
        raise CustvalueError(f"--construct {reference}: no such query file")
    return reference


def construct_batch(endpoint: str, query: str, graph: str, *, timeout: float = 300,
                    title: str | None = None) -> ImportBatch:
    """Run ``query`` on ``endpoint`` and hold its triples, in ``graph``, as an import batch."""
    if not endpoint.startswith(("http://", "https://")):
        raise CustvalueError(f"ENDPOINT {endpoint!r}: give the http(s) URL of a SPARQL endpoint")
    if not is_absolute_iri(graph):
        raise CustvalueError(f"--graph {graph!r}: give an absolute IRI")
    form = query_form(query)
    if form not in ("CONSTRUCT", "DESCRIBE"):
        raise CustvalueError(
            f"--construct: a {form or 'text that is no'} query; give a CONSTRUCT or DESCRIBE "
            "query, whose answer is RDF")
    batch = ImportBatch(importer=IMPORTER, graph=graph, source=endpoint,
                        title=title or f"CONSTRUCT from {endpoint}")
    answer = RemoteStore(endpoint, timeout=timeout).construct(query)
    parsed = parse_rdf(answer, fmt=rdf_format("ntriples"), graph=graph,
                       source_name=f"the answer of {endpoint}")
    batch.quads = parsed.get(graph, [])
    batch.counts = {"triples": len(batch.quads)}
    batch.details.append((CV + "sourceQuery", ox.Literal(query)))
    return batch


@click.command("sparql")
@click.argument("endpoint", metavar="ENDPOINT")
@click.option("--construct", "construct", required=True, metavar="QUERY|FILE",
              help="The CONSTRUCT (or DESCRIBE) query, as text or a .rq file.")
@click.option("--graph", required=True, metavar="IRI",
              help="The named graph the result lands in (replaced on re-import).")
@click.option("--timeout", type=float, default=300, show_default=True,
              help="Seconds to wait for the endpoint.")
@store_option
@update_endpoint_option
@require_valid_option
def import_sparql(endpoint, construct, graph, timeout, store, update_endpoint,
                  require_valid) -> None:
    """Pull the result of a CONSTRUCT query on another SPARQL store into a named graph."""
    query = read_construct(construct)
    batch = construct_batch(endpoint, query, graph, timeout=timeout)
    kg = open_kg(store, update_endpoint)
    write_batch(kg, batch, require_valid=require_valid)
    kg.close()
