"""Importers that bring enterprise metadata into the graph, one named graph per source.

Each importer turns its input (an ArchiMate exchange file, a folder of CSV templates, a remote
CONSTRUCT, an RDF document) into an :class:`ImportBatch`; ``KnowledgeGraph.import_batch`` adds
the PROV-O/DCAT description and writes the source's graph in one transaction, replacing what an
earlier import of the same source left there.
"""

from .provenance import (
    SOURCE_GRAPH_BASE,
    ImportBatch,
    SourceInfo,
    provenance_quads,
    source_graph_iri,
)

__all__ = [
    "SOURCE_GRAPH_BASE", "ImportBatch", "SourceInfo", "provenance_quads", "source_graph_iri",
]
