"""Validate a customer-value graph against the shipped SHACL shapes (plus a user's own).

Two engines give the same report. The native engine (shacl_native.py, the default) compiles
each constraint of each shape into one SPARQL query that Oxigraph runs over the whole store,
instead of evaluating every constraint once per focus node; the ontology sits in the store's
union, so ``sh:targetClass cv:WorkSystem`` reaches a ``cv:CustomerFacingSystem`` through
``rdf:type/rdfs:subClassOf*``. pyshacl is the reference, and runs whenever the shapes use
something the native engine does not implement (shacl_compile.UnsupportedShapes): without
inference, with SHACL Advanced Features and the ontology as ``ont_graph`` (it copies the
ontology's class and property axioms into a copy of the data graph). Either way the SKOS
schemes the shapes need must be in the data, and are added when missing.

Conformance follows the CLI contract: only Violations fail; Warnings and Infos are reported but
keep the graph conforming (exit code 0).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox
import rdflib
from oxrdflib import OxigraphStore
from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.util import guess_format

from .assets import ontology_files, scheme_files, shape_files
from .errors import InputError
from .namespaces import CVS, PREFIXES
from .shacl_compile import ShapesModel, UnsupportedShapes, compile_shapes
from .shacl_native import NativeValidator, RawResult, quiet_ill_typed
from .store import EmbeddedStore, Store
from .terms import from_oxigraph, to_oxigraph

__all__ = [
    "SEVERITIES",
    "ValidationReport",
    "ValidationResult",
    "copy_store",
    "load_ontology",
    "load_schemes",
    "load_shapes",
    "memory_copy",
    "severity_exit_code",
    "validate",
    "validate_store",
]

log = logging.getLogger(__name__)

SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

_PREFIXES = PREFIXES


# --------------------------------------------------------------------------------------------
# Loading shapes and ontology
# --------------------------------------------------------------------------------------------

def _parse_into(graph: Graph, source: Path | str) -> None:
    """Parse one RDF file into ``graph``; syntax errors name the file and line."""
    path = Path(source)
    fmt = guess_format(str(path)) or "turtle"
    try:
        graph.parse(path, format=fmt)
    except FileNotFoundError:
        raise InputError("no such file", source=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    except SyntaxError as exc:
        # rdflib's Turtle parser (BadSyntax) keeps a 0-based line in `lines`, the reason in `_why`.
        line = getattr(exc, "lines", None)
        why = getattr(exc, "_why", None) or str(exc)
        raise InputError(
            f"not valid {fmt}: {why}", source=str(path),
            line=line + 1 if isinstance(line, int) else getattr(exc, "lineno", None),
        ) from None
    except Exception as exc:  # other rdflib parsers (RDF/XML, JSON-LD) raise their own types
        line = getattr(exc, "getLineNumber", None)
        raise InputError(
            f"not valid {fmt}: {exc}", source=str(path),
            line=line() if callable(line) else None,
        ) from None


def _bind_prefixes(graph: Graph) -> Graph:
    for prefix, namespace in _PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


@functools.lru_cache(maxsize=4)
def _cached_graph(files: tuple[Path, ...]) -> Graph:
    # Shipped files are parsed once per process; callers must not modify the result.
    graph = _bind_prefixes(Graph())
    for path in files:
        _parse_into(graph, path)
    return graph


def _copy(graph: Graph) -> Graph:
    copy = _bind_prefixes(Graph())
    for triple in graph:
        copy.add(triple)
    return copy


def load_shapes(extra: Sequence[Path | str] = ()) -> Graph:
    """The shipped shapes plus ``extra`` shape files, as one new graph.

    Raises InputError naming the file and line of a syntax error in any of them.
    """
    graph = _copy(_shipped_shapes())
    for source in extra:
        _parse_into(graph, source)
    return _one_line_queries(graph)


@functools.lru_cache(maxsize=1)
def _shipped_shapes() -> Graph:
    return _one_line_queries(_copy(_cached_graph(tuple(shape_files()))))


def _one_line_queries(shapes: Graph) -> Graph:
    """Join the lines of each SHACL-SPARQL query without comments or long strings (in place).

    pyshacl checks every query with multi-line regular expressions once per focus node; their
    cost grows with lines x length, and was a third of the validation time. A query without
    '#' or triple quotes means the same on one line.
    """
    for select in (SH.select, SH.ask):
        for node, text in list(shapes.subject_objects(select)):
            if not isinstance(text, RdfLiteral) or "\n" not in text:
                continue
            if "#" in text or '"""' in text or "'''" in text:
                continue
            joined = " ".join(line.strip() for line in str(text).splitlines() if line.strip())
            one_line = RdfLiteral(joined, lang=text.language, datatype=text.datatype)
            shapes.set((node, select, one_line))
    return shapes


def load_ontology() -> Graph:
    """The shipped ontology and its alignments (the ontology graph), as one new graph."""
    return _copy(_cached_graph(tuple(ontology_files())))


def load_schemes() -> Graph:
    """The shipped SKOS reference schemes, as one new graph."""
    return _copy(_cached_graph(tuple(scheme_files())))


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValidationResult:
    """One SHACL validation result, in plain strings."""

    severity: str  # "Violation" | "Warning" | "Info"
    focus_node: str  # an IRI, or "_:id" for a blank node
    focus_label: str | None
    path: str | None  # an IRI, or a SPARQL property path for complex paths
    value: str | None
    source_shape: str
    constraint_component: str  # local name, e.g. "MinCountConstraintComponent"
    message: str

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def _sort_key(result: ValidationResult) -> tuple[Any, ...]:
    return (
        _SEVERITY_RANK.get(result.severity, len(SEVERITIES)),
        result.source_shape,
        (result.focus_label or result.focus_node).casefold(),
        result.focus_node,
        result.path or "",
        result.value or "",
        result.message,
    )


class ValidationReport:
    """The outcome of a validation: results sorted by severity, shape and focus label."""

    def __init__(
        self, results: Iterable[ValidationResult], results_graph: Graph | Callable[[], Graph]
    ) -> None:
        self.results: list[ValidationResult] = sorted(results, key=_sort_key)
        # The native engine builds the SHACL report graph only when someone asks for it.
        self._results_graph = results_graph
        self.engine = "pyshacl" if isinstance(results_graph, Graph) else "native"

    @property
    def results_graph(self) -> Graph:
        """The standard sh:ValidationReport as an rdflib Graph."""
        if not isinstance(self._results_graph, Graph):
            self._results_graph = self._results_graph()
        return self._results_graph

    @property
    def conforms(self) -> bool:
        """True when there is no Violation; Warnings and Infos do not fail a graph."""
        return not any(r.severity == "Violation" for r in self.results)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for result in self.results:
            counts[result.severity] = counts.get(result.severity, 0) + 1
        return counts

    def __repr__(self) -> str:
        return f"<ValidationReport conforms={self.conforms} counts={self.counts()}>"

    # -- renderers ----------------------------------------------------------------------------

    def summary(self) -> str:
        counts = self.counts()
        parts = ", ".join(
            f"{counts[s]} {_plural(s.lower(), counts[s])}" for s in SEVERITIES
        )
        verdict = "conforms" if self.conforms else "does not conform"
        return f"Validation: the graph {verdict} ({parts})."

    def to_text(self) -> str:
        """A report for an architect: a summary line, then the results grouped by severity."""
        lines = [self.summary()]
        for severity in SEVERITIES:
            group = [r for r in self.results if r.severity == severity]
            if not group:
                continue
            lines += ["", f"{_plural(severity, len(group))} ({len(group)}):"]
            for r in group:
                who = f"<{r.focus_node}>"
                if r.focus_label:
                    who = f"'{r.focus_label}' {who}"
                lines.append(f"- {who}")
                lines.append(f"    {r.message}")
                details = [f"shape {_compact(r.source_shape)}"]
                if r.path:
                    details.append(f"path {_compact(r.path)}")
                if r.value is not None and r.value != r.focus_node:
                    details.append(f"value {_compact(r.value)}")
                lines.append(f"    ({'; '.join(details)})")
        return "\n".join(lines) + "\n"

    def to_turtle(self) -> str:
        """The standard SHACL validation report, as Turtle."""
        return self.results_graph.serialize(format="turtle")

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict: conforms, counts and the results as plain dicts."""
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }

    def to_json_text(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json(), indent=indent, ensure_ascii=False)


def severity_exit_code(report: ValidationReport) -> int:
    """The CLI exit code for a report: 0 without violations, 1 with violations."""
    return 0 if report.conforms else 1


def _plural(word: str, count: int) -> str:
    return word if count == 1 else word + "s"


def _compact(text: str) -> str:
    """An IRI, or the <IRI>s of a SPARQL path, written with the known prefixes."""
    if text.startswith(("<", "^<", "(")):
        return re.sub(r"<([^<>\s]+)>", lambda m: _compact_iri(m.group(1), m.group(0)), text)
    return _compact_iri(text, text)


def _compact_iri(iri: str, fallback: str) -> str:
    for prefix, namespace in _PREFIXES.items():
        local = iri[len(namespace):]
        if iri.startswith(namespace) and re.fullmatch(r"[\w.-]*", local):
            return f"{prefix}:{local}"
    return fallback


def _node_text(node: rdflib.term.Node) -> str:
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _value(graphs: Sequence[Graph], subject: rdflib.term.Node, predicate: URIRef) -> Any:
    for graph in graphs:
        found = graph.value(subject, predicate)
        if found is not None:
            return found
    return None


def _list_items(graphs: Sequence[Graph], head: rdflib.term.Node) -> list[rdflib.term.Node]:
    items = []
    while head is not None and head != RDF.nil:
        items.append(_value(graphs, head, RDF.first))
        head = _value(graphs, head, RDF.rest)
    return items


def _path_text(graphs: Sequence[Graph], path: rdflib.term.Node) -> str:
    """A SHACL path as text: an IRI for a simple path, SPARQL path syntax otherwise."""
    if isinstance(path, URIRef):
        return str(path)
    return _path_sparql(graphs, path)


def _path_sparql(graphs: Sequence[Graph], path: rdflib.term.Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if _value(graphs, path, RDF.first) is not None:
        return "/".join(_path_sparql(graphs, p) for p in _list_items(graphs, path))
    for predicate, fmt in (
        (SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = _value(graphs, path, predicate)
        if inner is not None:
            text = _path_sparql(graphs, inner)
            return fmt.format(text if isinstance(inner, URIRef) else f"({text})")
    alternatives = _value(graphs, path, SH.alternativePath)
    if alternatives is not None:
        options = [_path_sparql(graphs, p) for p in _list_items(graphs, alternatives)]
        return "(" + "|".join(options) + ")"
    return _node_text(path)


def _label(graphs: Sequence[Graph], node: rdflib.term.Node) -> str | None:
    """rdfs:label or skos:prefLabel, preferring English or untagged text."""
    for predicate in (RDFS.label, SKOS.prefLabel):
        labels = [o for g in graphs for o in g.objects(node, predicate)
                  if isinstance(o, RdfLiteral)]
        if labels:
            labels.sort(key=lambda lit: (lit.language not in (None, "en"), str(lit)))
            return str(labels[0])
    return None


def _message(graph: Graph, result: rdflib.term.Node) -> str:
    return _best_message(graph.objects(result, SH.resultMessage))


def _best_message(messages: Iterable[rdflib.term.Node]) -> str:
    """The English (or untagged) message, the first in alphabetical order."""
    texts = [m for m in messages if isinstance(m, RdfLiteral)]
    if not texts:
        return ""
    texts.sort(key=lambda lit: (lit.language not in (None, "en"), str(lit)))
    return str(texts[0])


def _results_from_graph(
    results_graph: Graph, shapes: Graph, label_graphs: Sequence[Graph]
) -> list[ValidationResult]:
    results = []
    for node in results_graph.subjects(RDF.type, SH.ValidationResult):
        severity = results_graph.value(node, SH.resultSeverity)
        focus = results_graph.value(node, SH.focusNode)
        path = results_graph.value(node, SH.resultPath)
        value = results_graph.value(node, SH.value)
        shape = results_graph.value(node, SH.sourceShape)
        component = results_graph.value(node, SH.sourceConstraintComponent)
        results.append(ValidationResult(
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            focus_node=_node_text(focus) if focus is not None else "",
            focus_label=_label(label_graphs, focus) if focus is not None else None,
            # pyshacl copies complex paths into the report graph; the shapes graph has them too.
            path=_path_text((results_graph, shapes), path) if path is not None else None,
            value=_node_text(value) if value is not None else None,
            source_shape=_node_text(shape) if shape is not None else "",
            constraint_component=str(component).rsplit("#", 1)[-1] if component else "",
            message=_message(results_graph, node),
        ))
    return results


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

Backend = Literal["oxigraph", "rdflib"]
Engine = Literal["native", "pyshacl"]


def validate(
    data: Graph,
    *,
    extra_shapes: Sequence[Path | str] = (),
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    meta_shacl: bool = False,
    backend: Backend = "oxigraph",
    engine: Engine = "native",
) -> ValidationReport:
    """Validate ``data`` (instance data, normally with the SKOS schemes) against the shapes.

    ``shapes`` defaults to the shipped shapes; ``extra_shapes`` are user shape files added to
    them (a syntax error raises InputError naming the file and line). ``ontology`` defaults to
    the shipped ontology and alignments (pyshacl's ``ont_graph``; the native engine puts it in
    the store's union). When ``data`` lacks the shipped SKOS schemes they are added, because
    the allowed-value shapes follow ``skos:inScheme``. With ``meta_shacl`` the shapes are first
    checked against SHACL-for-SHACL; shapes that fail it raise InputError. ``data`` is never
    modified.

    ``engine="native"`` (the default) copies the data into an in-memory Oxigraph store and runs
    one query per constraint there; shapes it does not support fall back to pyshacl, as does
    ``engine="pyshacl"``. pyshacl's ``backend="oxigraph"`` works on a private Oxigraph copy
    through oxrdflib, so that its SHACL-SPARQL queries run natively; ``backend="rdflib"`` keeps
    pyshacl's own rdflib path (and so always means pyshacl).
    """
    if backend not in ("oxigraph", "rdflib"):
        raise ValueError(f"unknown validation backend {backend!r}; use 'oxigraph' or 'rdflib'")
    if engine not in ("native", "pyshacl"):
        raise ValueError(f"unknown validation engine {engine!r}; use 'native' or 'pyshacl'")
    shapes_graph = _shapes_graph(shapes, extra_shapes)
    ontology_graph = _cached_graph(tuple(ontology_files())) if ontology is None else ontology
    model = _native_model(shapes, extra_shapes, shapes_graph) \
        if engine == "native" and backend == "oxigraph" else None
    if model is not None:
        if meta_shacl:
            _check_meta_shacl(shapes_graph)
        store = _store_for(data, ontology_graph)
        report = _native_report(model, store, _data_namespaces(ontology_graph))
        if report is not None:
            return report
    return _pyshacl_report(data, shapes_graph, ontology_graph, meta_shacl, backend)


def validate_store(
    store: ox.Store,
    *,
    extra_shapes: Sequence[Path | str] = (),
    shapes: Graph | None = None,
    meta_shacl: bool = False,
    ontology_graph: str | None = None,
    timings: list[tuple[float, str, int]] | None = None,
) -> ValidationReport:
    """Validate the union of a pyoxigraph store's graphs in place, with read-only queries.

    The store must hold the ontology (in the graph named ``ontology_graph``, if any); when it
    lacks the SKOS schemes, a copy with them is validated instead. When the shapes need pyshacl,
    the store is copied into rdflib with the ontology graph left out (pyshacl takes the shipped
    ontology as ``ont_graph``). ``timings``, if given, receives (seconds, constraint, rows) for
    every native query.
    """
    shapes_graph = _shapes_graph(shapes, extra_shapes)
    ontology = _cached_graph(tuple(ontology_files()))
    model = _native_model(shapes, extra_shapes, shapes_graph)
    if model is not None:
        if meta_shacl:
            _check_meta_shacl(shapes_graph)
        if not _has_schemes(store):
            store = copy_store(store, add=_scheme_quads())
        report = _native_report(model, store, _data_namespaces(ontology), timings)
        if report is not None:
            return report
    skip = {ontology_graph} if ontology_graph else set()
    data = _bind_prefixes(Graph())
    for q in store:
        if not isinstance(q.graph_name, ox.NamedNode) or q.graph_name.value not in skip:
            data.add((from_oxigraph(q.subject), from_oxigraph(q.predicate),
                      from_oxigraph(q.object)))
    return _pyshacl_report(data, shapes_graph, ontology, meta_shacl, "oxigraph")


def copy_store(
    store: ox.Store, *, drop: Iterable[str] = (), add: Iterable[ox.Quad] = ()
) -> ox.Store:
    """A new in-memory store with ``store``'s quads, minus the graphs ``drop``, plus ``add``."""
    dropped = set(drop)
    copy = ox.Store()
    copy.bulk_extend(q for q in store if not (
        isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in dropped))
    copy.bulk_extend(add)
    return copy


def memory_copy(
    store: Store, *, ontology_graph: str, drop: Iterable[str] = (), add: Iterable[ox.Quad] = ()
) -> ox.Store:
    """An in-memory Oxigraph copy of any store to validate natively (minus ``drop``, plus ``add``).

    An embedded store is copied as it is; a remote one without its ontology graph, which is
    replaced by the shipped ontology (the ontology validation has always used).
    """
    if isinstance(store, EmbeddedStore):
        return copy_store(store.oxigraph, drop=drop, add=add)
    skip = {ontology_graph, *drop}
    copy = ox.Store()
    for name, _count in store.named_graphs():
        if name not in skip:
            copy.bulk_extend(store.graph_quads(name))
    copy.bulk_extend(store.default_graph_quads())
    copy.bulk_extend(_oxigraph_quads(_cached_graph(tuple(ontology_files())),
                                     ox.NamedNode(ontology_graph)))
    copy.bulk_extend(add)
    return copy


def _shapes_graph(shapes: Graph | None, extra_shapes: Sequence[Path | str]) -> Graph:
    # Always a fresh copy: pyshacl adds a few axioms to the shapes graph it is given, and a
    # shared graph mutated by concurrent validations (the service) would not be safe.
    if shapes is None:
        return load_shapes(extra_shapes)
    shapes_graph = _copy(shapes)  # the caller's graph stays as it was
    for source in extra_shapes:
        _parse_into(shapes_graph, source)
    return _one_line_queries(shapes_graph)


def _native_model(
    shapes: Graph | None, extra_shapes: Sequence[Path | str], shapes_graph: Graph
) -> ShapesModel | None:
    """The compiled shapes, or None when they need pyshacl."""
    try:
        if shapes is None and not extra_shapes:
            return _shipped_model()
        return compile_shapes(shapes_graph)
    except UnsupportedShapes as exc:
        log.info("validating with pyshacl: %s", exc)
        return None


@functools.lru_cache(maxsize=1)
def _shipped_model() -> ShapesModel:
    # Read-only once compiled; its graph is the cached shipped shapes.
    return compile_shapes(_shipped_shapes())


def _native_report(
    model: ShapesModel,
    store: ox.Store,
    namespaces: dict[str, str],
    timings: list[tuple[float, str, int]] | None = None,
) -> ValidationReport | None:
    """The native engine's report on ``store``, or None when the data needs pyshacl."""
    validator = NativeValidator(model, store, prefixes=namespaces,
                                data_view=lambda: _data_view(store, namespaces))
    try:
        raw = validator.run()
    except UnsupportedShapes as exc:
        log.info("validating with pyshacl: %s", exc)
        return None
    finally:
        if timings is not None:
            timings.extend(validator.timings)
    label = _store_labels(store)
    with quiet_ill_typed():
        results = [_native_result(r, model.graph, label) for r in _walk(raw)]
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(results, lambda: _native_results_graph(raw, model.graph, conforms))


def _pyshacl_report(
    data: Graph, shapes_graph: Graph, ontology_graph: Graph, meta_shacl: bool, backend: Backend
) -> ValidationReport:
    import pyshacl  # deferred: importing pyshacl takes about a second
    from pyshacl.errors import ReportableRuntimeError

    data_graph, private = _prepare_data(data, backend)
    try:
        _conforms, results_graph, _text = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            ont_graph=ontology_graph,
            inference="none",
            advanced=True,
            meta_shacl=meta_shacl,
            allow_infos=True,
            allow_warnings=True,
            # A private copy may take the ontology's axioms in place; the caller's data may not.
            inplace=private,
        )
    except ReportableRuntimeError as exc:
        raise InputError(f"the shapes cannot be used: {exc.message}", source="shapes") from None
    if not isinstance(results_graph, Graph):  # pyshacl returns the failure in place of a graph
        raise InputError(f"validation failed: {results_graph}", source="shapes")
    _bind_prefixes(results_graph)
    label_graphs = (data_graph, ontology_graph, _cached_graph(tuple(scheme_files())))
    results = _results_from_graph(results_graph, shapes_graph, label_graphs)
    return ValidationReport(results, results_graph)


def _check_meta_shacl(shapes_graph: Graph) -> None:
    """SHACL-for-SHACL on the shapes, as pyshacl's meta_shacl option does it."""
    from pyshacl.entrypoints import meta_validate

    conforms, _graph, text = meta_validate(shapes_graph, inference="none", advanced=True)
    if not conforms:
        raise InputError(
            "the shapes cannot be used: SHACL File does not validate against the SHACL Shapes "
            f"SHACL (MetaSHACL) file.\n{text}", source="shapes")


_SCHEMES_MARKER = (CVS["system-types"], RDF.type, SKOS.ConceptScheme)
_VALIDATION_GRAPH = URIRef("urn:custvalue:validation")


def _prepare_data(data: Graph, backend: Backend) -> tuple[Graph, bool]:
    """The graph pyshacl validates, and whether it is a private copy it may modify."""
    # pyshacl validates each named graph of a Dataset on its own, which would hide rules that
    # cross graphs (instance data in one graph, schemes in another): validate their union.
    is_dataset = isinstance(data, rdflib.graph.ConjunctiveGraph)
    needs_schemes = _SCHEMES_MARKER not in data
    if backend == "rdflib" and not is_dataset and not needs_schemes:
        return data, False  # pyshacl makes its own copy
    triples: Iterable[tuple[Any, Any, Any]] = (
        ((s, p, o) for s, p, o, _g in data.quads()) if is_dataset else data
    )
    if needs_schemes:
        triples = itertools.chain(triples, _cached_graph(tuple(scheme_files())))
    if backend == "rdflib":
        flat = _bind_prefixes(Graph())
        for triple in triples:
            flat.add(triple)
        return flat, True
    store = ox.Store()
    name = ox.NamedNode(str(_VALIDATION_GRAPH))
    store.bulk_extend(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), name)  # type: ignore[arg-type]
        for s, p, o in triples
    )
    graph = _OxigraphGraph(store=OxigraphStore(store=store), identifier=_VALIDATION_GRAPH)
    return _bind_prefixes(graph), True


class _OxigraphGraph(Graph):
    """An Oxigraph-backed graph that counts its triples once, not on every call.

    oxrdflib counts with a SPARQL query over the whole store, and pyshacl tests the data graph's
    truth value (hence its length) for every result it makes: quadratic without the cache.
    """

    _length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            self._length = super().__len__()
        return self._length

    def add(self, triple: Any) -> Graph:
        self._length = None
        return super().add(triple)

    def addN(self, quads: Iterable[Any]) -> Graph:
        self._length = None
        return super().addN(quads)

    def remove(self, triple: Any) -> Graph:
        self._length = None
        return super().remove(triple)


# --------------------------------------------------------------------------------------------
# The native engine's data and report
# --------------------------------------------------------------------------------------------

_NATIVE_DATA_GRAPH = ox.NamedNode("urn:custvalue:validation:data")
_NATIVE_ONTOLOGY_GRAPH = ox.NamedNode("urn:custvalue:validation:ontology")
_RDFLIB_TO_OX = {RDFS.label: ox.NamedNode(str(RDFS.label)),
                 SKOS.prefLabel: ox.NamedNode(str(SKOS.prefLabel))}


def _oxigraph_quads(triples: Iterable[tuple[Any, Any, Any]], graph: ox.NamedNode):
    for s, p, o in triples:
        yield ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph)  # type: ignore[arg-type]


def _store_for(data: Graph, ontology: Graph) -> ox.Store:
    """A private store with the data, the ontology and, if the data lacks them, the schemes."""
    triples: Iterable[tuple[Any, Any, Any]] = (
        ((s, p, o) for s, p, o, _g in data.quads())
        if isinstance(data, rdflib.graph.ConjunctiveGraph) else data
    )
    store = ox.Store()
    store.bulk_extend(_oxigraph_quads(triples, _NATIVE_DATA_GRAPH))
    store.bulk_extend(_oxigraph_quads(ontology, _NATIVE_ONTOLOGY_GRAPH))
    if not _has_schemes(store):
        store.bulk_extend(_scheme_quads())
    return store


def _has_schemes(store: ox.Store) -> bool:
    s, p, o = (to_oxigraph(t) for t in _SCHEMES_MARKER)
    return next(iter(store.quads_for_pattern(s, p, o, None)), None) is not None  # type: ignore[arg-type]


def _scheme_quads() -> list[ox.Quad]:
    return list(_oxigraph_quads(_cached_graph(tuple(scheme_files())),
                                ox.NamedNode("urn:custvalue:validation:schemes")))


def _data_namespaces(ontology: Graph) -> dict[str, str]:
    """The prefixes of the data graph pyshacl validates: its queries and messages use them."""
    graph = _bind_prefixes(
        _OxigraphGraph(store=OxigraphStore(store=ox.Store()), identifier=_VALIDATION_GRAPH))
    known = {prefix for prefix, _ in graph.namespaces()}
    for prefix, namespace in ontology.namespaces():  # pyshacl adds the ontology's missing ones
        if prefix not in known:
            graph.bind(prefix, namespace)
    return {prefix: str(namespace) for prefix, namespace in graph.namespaces()}


def _data_view(store: ox.Store, namespaces: dict[str, str]) -> Graph:
    """The store as rdflib sees it, for pyshacl's rendering of nodes in generic messages."""
    view = rdflib.Dataset(store=OxigraphStore(store=store), default_union=True)
    for prefix, namespace in namespaces.items():
        view.bind(prefix, namespace, override=True)
    return view


def _store_labels(store: ox.Store) -> Callable[[Any], str | None]:
    """rdfs:label or skos:prefLabel of a node, as _label() picks it, read from the store."""
    @functools.cache
    def label(node: Any) -> str | None:
        if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            return None
        for predicate in _RDFLIB_TO_OX.values():
            labels = [q.object for q in store.quads_for_pattern(node, predicate, None, None)
                      if isinstance(q.object, ox.Literal)]
            if labels:
                labels.sort(key=lambda lit: (lit.language not in (None, "en"), lit.value))
                return labels[0].value
        return None

    return label


def _walk(results: Iterable[RawResult]) -> Iterable[RawResult]:
    """Every result with its nested results (pyshacl's report lists them all)."""
    for result in results:
        yield result
        yield from _walk(result.details)


def _local(iri: rdflib.term.Node) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _native_result(
    raw: RawResult, shapes: Graph, label: Callable[[Any], str | None]
) -> ValidationResult:
    focus = from_oxigraph(raw.focus)
    value = from_oxigraph(raw.value) if raw.value is not None else None
    return ValidationResult(
        severity=_local(raw.shape.severity),
        focus_node=_node_text(focus),  # type: ignore[arg-type]
        focus_label=label(raw.focus),
        path=_path_text((shapes,), raw.path) if raw.path is not None else None,
        value=_node_text(value) if value is not None else None,
        source_shape=_node_text(raw.shape.node),
        constraint_component=_local(raw.component),
        message=_best_message(raw.messages),
    )


def _copy_blank(source: Graph, node: rdflib.term.Node, target: Graph, done: set) -> None:
    """Copy a blank node of the shapes graph (a path, a shape) and all it holds."""
    if not isinstance(node, BNode) or node in done:
        return
    done.add(node)
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        _copy_blank(source, o, target, done)


def _native_results_graph(raw: list[RawResult], shapes: Graph, conforms: bool) -> Graph:
    """The sh:ValidationReport pyshacl would write for these results."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in shapes.namespaces():
        graph.bind(prefix, namespace)
    _bind_prefixes(graph)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, RdfLiteral(conforms)))
    copied: set = set()

    def add(result: RawResult) -> BNode:
        node = BNode()
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.sourceConstraintComponent, result.component))
        graph.add((node, SH.sourceShape, result.shape.node))
        graph.add((node, SH.resultSeverity, result.shape.severity))
        graph.add((node, SH.focusNode, from_oxigraph(result.focus)))  # type: ignore[arg-type]
        if result.value is not None:
            graph.add((node, SH.value, from_oxigraph(result.value)))  # type: ignore[arg-type]
        if result.path is not None:
            graph.add((node, SH.resultPath, result.path))
        if result.source_constraint is not None:
            graph.add((node, SH.sourceConstraint, result.source_constraint))
        for shape_node in (result.shape.node, result.path, result.source_constraint):
            if shape_node is not None:
                _copy_blank(shapes, shape_node, graph, copied)
        for message in result.messages:
            graph.add((node, SH.resultMessage, message))
        for detail in result.details:
            graph.add((node, SH.detail, add(detail)))
        return node

    for result in raw:
        graph.add((report, SH.result, add(result)))
    return graph
