"""Validate a customer-value graph against the shipped SHACL shapes (plus a user's own).

The validator is pyshacl, run without inference, with SHACL Advanced Features on and with the
ontology as ``ont_graph``: pyshacl copies its class and property axioms into (a copy of) the data
graph, which is what makes ``sh:targetClass cv:WorkSystem`` reach a ``cv:CustomerFacingSystem``.
It copies only axioms, so the SKOS schemes the shapes need must be in the data graph itself.

Conformance follows the CLI contract: only Violations fail; Warnings and Infos are reported but
keep the graph conforming (exit code 0).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Iterable, Sequence
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
from .terms import to_oxigraph

__all__ = [
    "SEVERITIES",
    "ValidationReport",
    "ValidationResult",
    "load_ontology",
    "load_schemes",
    "load_shapes",
    "severity_exit_code",
    "validate",
]

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

    def __init__(self, results: Iterable[ValidationResult], results_graph: Graph) -> None:
        self.results: list[ValidationResult] = sorted(results, key=_sort_key)
        self.results_graph = results_graph

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
    messages = [m for m in graph.objects(result, SH.resultMessage) if isinstance(m, RdfLiteral)]
    if not messages:
        return ""
    messages.sort(key=lambda lit: (lit.language not in (None, "en"), str(lit)))
    return str(messages[0])


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


def validate(
    data: Graph,
    *,
    extra_shapes: Sequence[Path | str] = (),
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    meta_shacl: bool = False,
    backend: Backend = "oxigraph",
) -> ValidationReport:
    """Validate ``data`` (instance data, normally with the SKOS schemes) against the shapes.

    ``shapes`` defaults to the shipped shapes; ``extra_shapes`` are user shape files added to
    them (a syntax error raises InputError naming the file and line). ``ontology`` defaults to
    the shipped ontology and alignments and is passed to pyshacl as ``ont_graph``. When
    ``data`` lacks the shipped SKOS schemes they are added, because the allowed-value shapes
    follow ``skos:inScheme``. With ``meta_shacl`` the shapes are first checked against
    SHACL-for-SHACL; shapes that fail it raise InputError. ``data`` is never modified.

    The validator is always pyshacl. With the default ``backend="oxigraph"`` it works on a
    private copy of the data in an in-memory Oxigraph store (through oxrdflib), so that each
    SHACL-SPARQL query runs natively instead of being re-parsed by rdflib for every focus node
    (about 10x faster on the invalid example, with identical results); ``backend="rdflib"``
    keeps pyshacl's own rdflib path.
    """
    import pyshacl  # deferred: importing pyshacl takes about a second
    from pyshacl.errors import ReportableRuntimeError

    if backend not in ("oxigraph", "rdflib"):
        raise ValueError(f"unknown validation backend {backend!r}; use 'oxigraph' or 'rdflib'")
    # Always a fresh copy: pyshacl adds a few axioms to the shapes graph it is given, and a
    # shared graph mutated by concurrent validations (the service) would not be safe.
    if shapes is None:
        shapes_graph = load_shapes(extra_shapes)
    else:
        shapes_graph = _copy(shapes)  # the caller's graph stays as it was
        for source in extra_shapes:
            _parse_into(shapes_graph, source)
        _one_line_queries(shapes_graph)
    ontology_graph = _cached_graph(tuple(ontology_files())) if ontology is None else ontology
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
