"""Import an RDF document (JSON-LD with our context, Turtle, ...) as a source with provenance.

Unlike ``custvalue-kg load``, which files data by file name, an import records where the data
came from and when, so ``custvalue-kg sources`` lists it and ``remove-source`` takes it out.
Named graphs inside a dataset (TriG, N-Quads, JSON-LD) are merged into the source's graph.
"""

from __future__ import annotations

from pathlib import Path

import click
import pyoxigraph as ox

from ..cli_common import Progress, open_kg, store_option, update_endpoint_option
from ..errors import CustvalueError
from ..formats import RDF_FORMATS, rdf_format, rdf_format_for_path
from ..import_commands import require_valid_option, write_batch
from ..parameters import is_absolute_iri
from ..sources import parse_rdf
from .provenance import ImportBatch, source_graph_iri

IMPORTER = "rdf"


def document_batch(path: Path, *, graph: str | None = None, fmt: str | None = None,
                   progress: Progress | None = None) -> ImportBatch:
    """Parse one RDF document into an import batch for its own source graph."""
    if not path.is_file():
        raise CustvalueError(f"{path}: no such file")
    if graph is not None and not is_absolute_iri(graph):
        raise CustvalueError(f"--graph {graph!r}: give an absolute IRI")
    target = graph or source_graph_iri(IMPORTER, path.stem)
    rdf = rdf_format(fmt) if fmt else rdf_format_for_path(path)
    parsed = parse_rdf(path, fmt=rdf, graph=target, source_name=str(path),
                       base_iri=path.resolve().as_uri(), progress=progress)
    named = ox.NamedNode(target)
    quads = [ox.Quad(q.subject, q.predicate, q.object, named)
             for group in parsed.values() for q in group]
    return ImportBatch(importer=IMPORTER, graph=target, source=path.resolve().as_uri(),
                       title=path.name, quads=quads,
                       counts={"triples": len(set(quads)), "graphs in the document": len(parsed)})


@click.command("rdf")
@click.argument("file", type=click.Path(dir_okay=False), metavar="FILE")
@click.option("--graph", metavar="IRI",
              help="The named graph to import into (default: .../graph/source/rdf/<file name>).")
@click.option("--format", "fmt", type=click.Choice(sorted(RDF_FORMATS)),
              help="The RDF syntax (default: from the file's extension).")
@store_option
@update_endpoint_option
@require_valid_option
def import_rdf(file, graph, fmt, store, update_endpoint, require_valid) -> None:
    """Import an RDF document (JSON-LD, Turtle, TriG, ...) as a source with provenance."""
    batch = document_batch(Path(file), graph=graph, fmt=fmt, progress=Progress())
    kg = open_kg(store, update_endpoint)
    write_batch(kg, batch, require_valid=require_valid)
    kg.close()
