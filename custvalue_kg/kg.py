"""The knowledge graph: a store plus the shipped ontology, schemes, shapes and named queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from . import assets
from .catalog import QueryCatalog
from .errors import CustvalueError, StoreError
from .formats import RdfFormat, rdf_format
from .imports.provenance import (
    GRAPH_BASE,
    SOURCES_QUERY,
    ImportBatch,
    SourceInfo,
    provenance_quads,
    sources_from_rows,
)
from .parameters import is_absolute_iri
from .results import QueryResult
from .sources import (
    ProgressCallback,
    StagedData,
    bulk_loadable,
    expand_sources,
    graph_iri_for_file,
    parse_rdf,
    stage_files,
)
from .store import EmbeddedStore, Store, open_store

if TYPE_CHECKING:
    from .validation import ValidationReport

ONTOLOGY_GRAPH = GRAPH_BASE + "ontology"
SCHEMES_GRAPH = GRAPH_BASE + "schemes"
SAMPLE_GRAPH = GRAPH_BASE + "sample"
REFERENCE_GRAPHS = (ONTOLOGY_GRAPH, SCHEMES_GRAPH)
# Above this many quads an on-disk store is validated in place, keeping memory bounded.
DISK_COPY_LIMIT = 5_000_000
LINKS_GRAPH = GRAPH_BASE + "links"  # links set by hand (`custvalue-kg link`)
LINK_PROPERTIES = {
    "exactMatch": "http://www.w3.org/2004/02/skos/core#exactMatch",
    "sameAs": "http://www.w3.org/2002/07/owl#sameAs",
    "realises": "https://w3id.org/custvalue/ontology#realises",
    "supports": "https://w3id.org/custvalue/ontology#supports",
}


class ValidationFailed(CustvalueError):
    """Data was rejected because it has SHACL violations (``--require-valid``)."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        counts = report.counts()
        super().__init__(
            f"rejected: the data has {counts.get('Violation', 0)} SHACL violation(s); "
            "nothing was written"
        )


@dataclass
class LoadSummary:
    """What a load wrote: triples per named graph and the sources behind them."""

    graphs: dict[str, int] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())

    def describe(self) -> str:
        lines = [f"loaded {self.triples} triples into {len(self.graphs)} named graph(s)"]
        for name, count in self.graphs.items():
            verb = "replaced" if name in self.replaced else "new"
            lines.append(f"  {name}: {count} triples ({verb}) from {', '.join(self.sources[name])}")
        return "\n".join(lines)


@dataclass
class GraphStats:
    """Size of the graph: named graphs with triple counts, and instances per ontology class."""

    graphs: list[tuple[str, int]]
    classes: list[tuple[str, str, int]]

    @property
    def triples(self) -> int:
        return sum(n for _, n in self.graphs)

    def to_dict(self) -> dict:
        return {
            "triples": self.triples,
            "graphs": [{"graph": g, "triples": n} for g, n in self.graphs],
            "classes": [{"class": c, "label": label, "instances": n}
                        for c, label, n in self.classes],
        }


CLASS_COUNTS_QUERY = f"""
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class (SAMPLE(?label) AS ?classLabel) (COUNT(DISTINCT ?instance) AS ?instances)
WHERE {{
  GRAPH <{ONTOLOGY_GRAPH}> {{ ?class a owl:Class . OPTIONAL {{ ?class rdfs:label ?label }} }}
  ?instance a ?class .
}}
GROUP BY ?class ORDER BY DESC(?instances) ?class
"""


class KnowledgeGraph:
    """Load, validate, query and export the customer-value graph held in a store."""

    def __init__(self, store: Store, catalog: QueryCatalog | None = None) -> None:
        self.store = store
        self.catalog = catalog if catalog is not None else QueryCatalog.default()

    @classmethod
    def open(
        cls,
        location: str | Path | None = None,
        *,
        update_endpoint: str | None = None,
        sample: bool | None = None,
        catalog: QueryCatalog | None = None,
    ) -> KnowledgeGraph:
        """Open a store and make sure it holds the ontology and schemes.

        Without a location: an in-memory store with the sample enterprise (``sample``
        defaults to True there and to False for a directory). A remote store is not written to
        unless it lacks the reference graphs.
        """
        store = open_store(location, update_endpoint=update_endpoint)
        kg = cls(store, catalog)
        if sample is None:
            sample = location is None
        kg.install_reference_graphs(sample=sample)
        return kg

    # --- writing --------------------------------------------------------------------------

    def install_reference_graphs(self, *, sample: bool = False, force: bool = False) -> None:
        """Write the ontology and schemes graphs (and the sample) unless already present."""
        wanted = {ONTOLOGY_GRAPH: assets.ontology_files(), SCHEMES_GRAPH: assets.scheme_files()}
        if sample:
            wanted[SAMPLE_GRAPH] = assets.sample_files()
        present = {g for g, n in self.store.named_graphs() if n > 0}
        staged = StagedData()
        for graph, files in wanted.items():
            if force or graph not in present:
                for path in files:
                    staged.add(graph, *_parsed_single_graph(path, graph))
        if staged.graphs:
            self.store.write_graphs(staged.graphs, replace=True)

    def load(
        self,
        sources: Sequence[str | Path],
        *,
        graph: str | None = None,
        fmt: str | None = None,
        replace: bool = True,
        require_valid: bool = False,
        progress: ProgressCallback | None = None,
    ) -> LoadSummary:
        """Load files, folders or globs; each file into its own graph unless ``graph`` is given.

        All files are parsed before anything is written, and the write is one transaction, so a
        bad file (or, with ``require_valid``, a SHACL violation) leaves the store untouched.
        With ``replace`` (the default) a target graph's previous content is replaced.
        """
        files = expand_sources(sources)
        if not require_valid:
            plan = self._bulk_plan(files, graph, fmt)
            if plan is not None:
                assert isinstance(self.store, EmbeddedStore)
                counts = self.store.bulk_load_new_graphs(plan)
                sources_by_graph: dict[str, list[str]] = {}
                for path, _, target in plan:
                    sources_by_graph.setdefault(target, []).append(str(path))
                return LoadSummary(graphs=counts, sources=sources_by_graph)
        staged = stage_files(files, graph=graph, fmt=fmt, progress=progress)
        return self.write(staged, replace=replace, require_valid=require_valid)

    def _bulk_plan(
        self, files: Sequence[Path], graph: str | None, fmt: str | None
    ) -> list[tuple[Path, RdfFormat, str]] | None:
        """(file, format, graph) for Oxigraph's bulk loader, or None when it cannot be used.

        It can when the store is embedded, every file holds plain triples (no named graphs, no
        JSON-LD context to resolve) and every target graph is new, so undoing a failure is
        dropping them.
        """
        if not isinstance(self.store, EmbeddedStore):
            return None
        existing = {g for g, _ in self.store.named_graphs()}
        plan = []
        for path in files:
            rdf = bulk_loadable(path, fmt)
            target = graph or graph_iri_for_file(path)
            if rdf is None or target in existing:
                return None
            plan.append((path, rdf, target))
        return plan

    def load_data(
        self,
        data: bytes | str,
        *,
        fmt: str | RdfFormat,
        graph: str,
        source_name: str = "request body",
        replace: bool = True,
        require_valid: bool = False,
        base_iri: str | None = None,
    ) -> LoadSummary:
        """Load a document held in memory (an upload, a request body) into ``graph``."""
        rdf = fmt if isinstance(fmt, RdfFormat) else rdf_format(fmt)
        staged = StagedData()
        parsed = parse_rdf(data, fmt=rdf, graph=graph, source_name=source_name, base_iri=base_iri)
        for name, quads in (parsed or {graph: []}).items():
            staged.add(name, quads, source_name)
        return self.write(staged, replace=replace, require_valid=require_valid)

    def write(
        self, staged: StagedData, *, replace: bool = True, require_valid: bool = False
    ) -> LoadSummary:
        """Write parsed data in one transaction, optionally only if it passes validation."""
        if require_valid:
            report = self.validate_staged(staged, replace=replace)
            if not report.conforms:
                raise ValidationFailed(report)
        existing = {g for g, _ in self.store.named_graphs()}
        self.store.write_graphs(staged.graphs, replace=replace)
        return LoadSummary(
            graphs={g: len(q) for g, q in staged.graphs.items()},
            sources=dict(staged.sources),
            replaced=[g for g in staged.graphs if g in existing and replace],
        )

    def import_batch(self, batch: ImportBatch, *, require_valid: bool = False) -> LoadSummary:
        """Write an importer's output with its provenance into the source's own named graph.

        One transaction replaces whatever an earlier import of the same source left there, so a
        re-import never shows a mix of old and new (and a failure leaves the old one intact).
        """
        staged = StagedData()
        staged.add(batch.graph, [*batch.quads, *provenance_quads(batch)], batch.source)
        return self.write(staged, replace=True, require_valid=require_valid)

    def sources(self) -> list[SourceInfo]:
        """Every imported source, with when, how and how much was imported."""
        return sources_from_rows(self.store.query(SOURCES_QUERY).rows)

    def remove_source(self, reference: str) -> SourceInfo:
        """Drop one imported source's graph, named by its graph IRI or its source (file/URL)."""
        known = self.sources()
        for info in known:
            if reference in (info.graph, info.source):
                self.store.drop_graphs([info.graph])
                return info
        listed = ", ".join(i.graph for i in known) or "none"
        raise CustvalueError(f"no imported source {reference!r} (imported sources: {listed})")

    def link(self, element: str, kind: str, resource: str, *, remove: bool = False) -> bool:
        """Add (or remove) a hand-made link in the links graph; True when something changed.

        Both ends must already be in the store, so a typo in an IRI is an error, not a link
        to nothing.
        """
        if kind not in LINK_PROPERTIES:
            raise CustvalueError(f"--as {kind!r}: one of {', '.join(LINK_PROPERTIES)}")
        for name, iri in (("ELEMENT", element), ("RESOURCE", resource)):
            if not is_absolute_iri(iri):
                raise CustvalueError(f"{name} {iri!r}: give an absolute IRI")
            used = f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} }}"
            if not self.store.query(used).boolean:
                raise CustvalueError(f"{name} <{iri}> is not in the store")
        triple = f"<{element}> <{LINK_PROPERTIES[kind]}> <{resource}>"
        present = self.store.query(f"ASK {{ GRAPH <{LINKS_GRAPH}> {{ {triple} }} }}").boolean
        if remove and present:
            self.store.update(f"DELETE DATA {{ GRAPH <{LINKS_GRAPH}> {{ {triple} }} }}")
        elif not remove and not present:
            self.store.update(f"INSERT DATA {{ GRAPH <{LINKS_GRAPH}> {{ {triple} }} }}")
        return present == remove

    def remove_graphs(self, graphs: Sequence[str]) -> None:
        """Drop named graphs in one transaction."""
        self.store.drop_graphs(graphs)

    # --- reading --------------------------------------------------------------------------

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run an ad hoc query over the union of all graphs."""
        return self.store.query(sparql, bindings)

    def run_named(self, name: str, params: Mapping[str, str | None] | None = None) -> QueryResult:
        """Run a named query with parameters given as text; they are typed and bound as terms."""
        named = self.catalog.get(name)
        return self.store.query(named.text, named.bind(params or {}))

    def export(
        self, fmt: str = "trig", graphs: Sequence[str] | None = None, *, context: bool = False
    ) -> bytes:
        """Serialise the named graphs (all by default) in an RDF format.

        With ``context`` (JSON-LD only) the document is compacted with our published @context.
        """
        known = {g for g, _ in self.store.named_graphs()}
        for g in graphs or ():
            if g not in known:
                raise StoreError(f"no named graph <{g}> in {self.store.location}")
        if context:
            if rdf_format(fmt).name != "jsonld":
                raise CustvalueError("--context applies to JSON-LD only (--format jsonld)")
            from .jsonld import compact_dataset

            return compact_dataset(self.store.dump(rdf_format("nquads"), graphs))
        return self.store.dump(rdf_format(fmt), graphs)

    def stats(self) -> GraphStats:
        """Named graphs with triple counts, and instance counts per ontology class."""
        classes = [
            (str(c), str(label) if label is not None else "", int(n))
            for c, label, n in self.store.query(CLASS_COUNTS_QUERY).rows
        ]
        return GraphStats(graphs=self.store.named_graphs(), classes=classes)

    # --- validating -----------------------------------------------------------------------

    def data_graph(self) -> Graph:
        """Everything but the ontology, as an rdflib Graph (the ontology goes in as ont_graph)."""
        return self.store.union_graph(exclude=[ONTOLOGY_GRAPH])

    def validate(self, extra_shapes: Sequence[str | Path] = ()) -> ValidationReport:
        """Validate the whole store against the shipped shapes plus ``extra_shapes``.

        An in-memory store is validated in place (read-only queries, no copy); a remote one is
        copied into an in-memory Oxigraph store first, and so is an on-disk one up to
        ``DISK_COPY_LIMIT`` quads: the constraint queries run about 5x faster in memory than
        on RocksDB, which more than pays for the copy (1M triples: 27.8 s instead of 51 s).
        """
        from .validation import memory_copy, validate_store

        embedded = isinstance(self.store, EmbeddedStore)
        if embedded and (self.store.path is None or len(self.store.oxigraph) > DISK_COPY_LIMIT):
            store = self.store.oxigraph
        else:
            store = memory_copy(self.store, ontology_graph=ONTOLOGY_GRAPH)
        return validate_store(store, extra_shapes=extra_shapes, ontology_graph=ONTOLOGY_GRAPH)

    def validate_staged(
        self, staged: StagedData, *, replace: bool = True,
        extra_shapes: Sequence[str | Path] = (),
    ) -> ValidationReport:
        """Validate the store as it would be after writing ``staged``, without writing it.

        The check runs on an in-memory copy: the store minus the graphs ``staged`` replaces,
        plus the staged quads.
        """
        from .validation import memory_copy, validate_store

        store = memory_copy(
            self.store, ontology_graph=ONTOLOGY_GRAPH,
            drop=list(staged.graphs) if replace else [],
            add=[q for quads in staged.graphs.values() for q in quads],
        )
        return validate_store(store, extra_shapes=extra_shapes, ontology_graph=ONTOLOGY_GRAPH)

    def close(self) -> None:
        self.store.close()


def validate_files(
    files: Sequence[str | Path], extra_shapes: Sequence[str | Path] = (),
    progress: Callable[[str, int], None] | None = None,
) -> ValidationReport:
    """Validate files on their own (with the schemes), without any store."""
    from .validation import validate

    staged = stage_files(expand_sources(files), progress=progress)
    data = Graph()
    for path in assets.scheme_files():
        data.parse(path, format="turtle")
    _add_quads(data, (q for quads in staged.graphs.values() for q in quads))
    return validate(data, extra_shapes=extra_shapes)


def _add_quads(graph: Graph, quads) -> None:
    from .terms import from_oxigraph

    for q in quads:
        graph.add((from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)))


def _parsed_single_graph(path: Path, graph: str) -> tuple[list[ox.Quad], str]:
    parsed = parse_rdf(path, fmt=rdf_format("turtle"), graph=graph, source_name=str(path),
                       base_iri=None)
    return parsed.get(graph, []), str(path)
