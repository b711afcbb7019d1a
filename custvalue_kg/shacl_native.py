"""The native SHACL engine: one SPARQL query per constraint, run by Oxigraph over a whole store.

pyshacl evaluates every constraint once per focus node, in Python; here each constraint of each
shape becomes one SELECT over the union of the store's graphs, whose rows are the validation
results (or, where a literal's value decides, candidates that a few lines of Python settle
exactly as pyshacl would). SHACL-SPARQL constraints run once, as a LATERAL subquery of the
shape's focus nodes: Oxigraph substitutes each focus node into the query, which is the
pre-binding pyshacl does with one query per node.

Results are RawResult trees (sh:node results carry the nested results as details), built as
pyshacl builds them: same focus nodes, values, paths, severities and messages.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from .shacl_compile import (
    Constraint,
    Shape,
    ShapesModel,
    SparqlConstraint,
    UnsupportedShapes,
    path_can_be_empty,
    path_sparql,
    shape_members,
    sparql_term,
)
from .terms import from_oxigraph

__all__ = ["NativeValidator", "RawResult", "quiet_ill_typed"]

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
_TYPE_PATH = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
_ALLOWED = (SH.Info, SH.Warning)  # severities pyshacl lets conform (allow_infos/warnings)
_VALUES_CHUNK = 2000  # terms per VALUES block when results are looked up by value


@dataclass
class RawResult:
    """One validation result as pyshacl makes it; details hang under sh:node results."""

    shape: Shape
    component: URIRef
    focus: OxTerm
    value: OxTerm | None
    path: Node | None
    messages: list[Literal]
    source_constraint: Node | None = None
    details: list[RawResult] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Focus nodes as SPARQL
# --------------------------------------------------------------------------------------------

class _Names:
    """Fresh helper variable names (so nested patterns never share one), and what the store
    says about subclasses."""

    def __init__(self, subclasses: Callable[[Node], list[OxTerm]]) -> None:
        self.count = 0
        self.subclasses = subclasses

    def __call__(self) -> str:
        self.count += 1
        return f"_cv{self.count}"


@dataclass(frozen=True)
class TargetFocus:
    """The focus nodes of a shape's targets (as pyshacl finds them, with subclasses)."""

    shape: Shape

    def pattern(self, var: str, names: _Names) -> str:
        classes = self.shape.target_classes
        if len(classes) == 1 and not self.shape.has_other_targets and all(
            sub == ox.NamedNode(str(classes[0])) for sub in names.subclasses(classes[0])
        ):
            # A class without subclasses: its type triples, no path, no subquery (the queries
            # are DISTINCT, as a triple can sit in several graphs of the union).
            return f"?{var} <{RDF.type}> {sparql_term(classes[0])} ."
        arms = [f"?{var} {_TYPE_PATH} {sparql_term(c)} ." for c in classes]
        arms += [f"?{var} {sparql_term(p)} ?{names()} ." for p in self.shape.target_subjects_of]
        arms += [f"?{names()} {sparql_term(p)} ?{var} ." for p in self.shape.target_objects_of]
        if self.shape.target_nodes:
            nodes = " ".join(sparql_term(n) for n in self.shape.target_nodes)
            arms.append(f"VALUES ?{var} {{ {nodes} }}")
        union = " UNION ".join(f"{{ {arm} }}" for arm in arms)
        return f"{{ SELECT DISTINCT ?{var} WHERE {{ {union} }} }}"


def values_along(subject: str, path: str, value: str, can_be_empty: bool) -> str:
    """The pattern binding ?value to the values of ?subject along a SPARQL path.

    A path that can match zero steps reaches its start, even a node that is not in the data (a
    sh:targetNode, a literal), which Oxigraph omits: the start is added, from each bound start.
    """
    if can_be_empty:
        return (f"LATERAL {{ SELECT ?{subject} ?{value} WHERE {{ {{ ?{subject} {path} ?{value} }}"
                f" UNION {{ BIND(?{subject} AS ?{value}) }} }} }}")
    return f"?{subject} {path} ?{value} ."


@dataclass(frozen=True)
class ValuesFocus:
    """The value nodes of a focus set along a path: the focus nodes of a nested shape."""

    parent: TargetFocus | ValuesFocus | BranchFocus
    path: str | None  # None: a node shape's value is its focus node
    can_be_empty: bool = False

    def pattern(self, var: str, names: _Names) -> str:
        if self.path is None:
            return self.parent.pattern(var, names)
        outer = names()
        values = values_along(outer, self.path, var, self.can_be_empty)
        return (f"{{ SELECT DISTINCT ?{var} WHERE {{ {self.parent.pattern(outer, names)} "
                f"{values} }} }}")


@dataclass(frozen=True)
class BranchFocus:
    """The focus nodes of several parents of a property shape, each parent a branch (?_cvb).

    pyshacl validates a shared property shape once per parent, so a node two parents target
    gets its results twice: one row per branch keeps that multiplicity in a single query.
    """

    focuses: tuple[TargetFocus, ...]

    def pattern(self, var: str, names: _Names) -> str:
        arms = " UNION ".join(f"{{ {focus.pattern(var, names)} BIND({i} AS ?_cvb) }}"
                              for i, focus in enumerate(self.focuses))
        return f"{{ {arms} }}"


Focus = TargetFocus | ValuesFocus | BranchFocus


# --------------------------------------------------------------------------------------------
# Literal checks pyshacl makes in Python (exact replicas of its semantics, on rdflib terms)
# --------------------------------------------------------------------------------------------

class _QuietIllTyped(logging.Filter):
    """Drop rdflib's warning (with traceback) for every ill-typed literal it converts, while the
    native engine runs on this thread: such literals are what validation reports."""

    def __init__(self) -> None:
        super().__init__()
        self.active = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.active, "on", False)


_QUIET = _QuietIllTyped()
logging.getLogger("rdflib.term").addFilter(_QUIET)


@contextmanager
def quiet_ill_typed() -> Iterator[None]:
    """Silence rdflib's ill-typed literal warnings on this thread."""
    before = getattr(_QUIET.active, "on", False)
    _QUIET.active.on = True
    try:
        yield
    finally:
        _QUIET.active.on = before


def _as_pyshacl_sees(term: OxTerm) -> Node:
    """The rdflib term pyshacl's rdflib backend sees: a plain literal has no datatype.

    Through oxrdflib pyshacl gets "a"^^xsd:string instead, which rdflib does not equate with
    "a" (RDF 1.1 makes them one term), so there sh:in ("a") rejects "a"; the native engine
    follows RDF 1.1, as pyshacl does on rdflib.
    """
    return from_oxigraph(term)  # type: ignore[return-value]


def _as_oxrdflib_gives(term: OxTerm) -> Node:
    """The rdflib term pyshacl gets through oxrdflib, which its generic messages print."""
    if isinstance(term, ox.Literal) and not term.language:
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return from_oxigraph(term)  # type: ignore[return-value]


_PYTHON_TYPES: dict[URIRef, Any] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int,
    XSD.float: float, XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date,
    XSD.time: clock, XSD.dateTime: datetime,
}


def _value_has_type(value: Literal, datatype: URIRef) -> bool:
    expected = _PYTHON_TYPES.get(datatype)
    return True if expected is None else isinstance(value.value, expected)


def datatype_matches(value: Node, datatype: URIRef) -> bool:
    """Whether pyshacl's sh:datatype accepts ``value``."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        return getattr(value, "ill_typed", None) is not True and _value_has_type(value, datatype)
    if datatype == RDFS.Literal or (datatype == RDFS.Datatype and value.datatype):
        return True
    if value.datatype is None and value.language is None and datatype == XSD.string:
        return _value_has_type(value, datatype)
    return datatype == RDF.langString and bool(value.language) and _value_has_type(value, datatype)


_RANGE_TESTS: dict[URIRef, Callable[[int], bool]] = {
    SH.minExclusive: lambda c: c > 0, SH.minInclusive: lambda c: c >= 0,
    SH.maxExclusive: lambda c: c < 0, SH.maxInclusive: lambda c: c <= 0,
}


def range_holds(value: Node, bound: Literal, parameter: URIRef) -> bool:
    """Whether pyshacl's sh:minInclusive (and friends) accepts ``value``."""
    if not isinstance(value, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(value.value, str):
        return False
    from pyshacl.rdfutil.compare import compare_literal  # the reference's own ordering

    try:
        return _RANGE_TESTS[parameter](compare_literal(value, bound))
    except (TypeError, NotImplementedError):  # pyshacl's answer for incomparable literals
        return False


def _comparable(node: Node) -> tuple[bool, Any]:
    if isinstance(node, BNode):
        raise UnsupportedShapes("pyshacl refuses to compare a blank node (sh:lessThan...)")
    if isinstance(node, URIRef):
        return True, str(node)
    if isinstance(node, Literal) and isinstance(node.value, str):
        return True, node.value
    return False, node


def pair_holds(value: Node, other: Node, strict: bool) -> bool:
    """Whether pyshacl's sh:lessThan (strict) or sh:lessThanOrEquals accepts the pair."""
    value_is_text, left = _comparable(value)
    other_is_text, right = _comparable(other)
    if value_is_text != other_is_text:
        return False
    try:
        return bool(left < right if strict else left <= right)
    except TypeError:
        raise UnsupportedShapes("pyshacl cannot compare these values either") from None


def pattern_text(value: Node) -> str:
    """The text pyshacl matches sh:pattern against."""
    if isinstance(value, Literal) and value.value is not None and value.datatype in (
        None, RDF.langString, XSD.string
    ):
        return str(value.value)
    return str(value)


# A SPARQL test that is true only for literals pyshacl surely accepts as ``datatype``: rows it
# keeps are settled in Python (COALESCE keeps the rows where the test itself fails).
_SAFE_LEXICAL = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.decimal: r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
    XSD.date: r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
}


def _surely_typed(var: str, datatype: URIRef) -> str:
    if datatype in (XSD.string, RDF.langString):
        return f"DATATYPE(?{var}) = <{datatype}>"
    pattern = _SAFE_LEXICAL.get(datatype)
    if pattern is None:
        return "false"
    test = f'DATATYPE(?{var}) = <{datatype}> && REGEX(STR(?{var}), "{pattern}")'
    if datatype == XSD.date:  # Oxigraph knows the days of each month; the cast fails otherwise
        test += f" && <{XSD.date}>(STR(?{var})) = <{XSD.date}>(STR(?{var}))"
    return test


def _keep_unsure(test: str) -> str:
    return f"FILTER(!COALESCE({test}, false))"


# --------------------------------------------------------------------------------------------
# pyshacl's messages
# --------------------------------------------------------------------------------------------

def fill_message(text: str, bindings: Iterable[tuple[str, Node]]) -> str:
    """Substitute {?var} and {$var} as pyshacl does (the value is a re.sub template)."""
    for name, value in bindings:
        try:
            text = re.sub("{[?$]" + name + "}", str(value), text)
        except re.error:
            raise UnsupportedShapes("pyshacl cannot fill this message either") from None
    return text


class Stringify:
    """pyshacl's rendering of nodes in its generic messages (for shapes without sh:message)."""

    def __init__(self, shapes: Graph, data: Callable[[], Graph]) -> None:
        self.shapes = shapes
        self._data_factory = data
        self._data: Graph | None = None

    def shape_node(self, node: Node) -> str:
        from pyshacl.rdfutil import stringify_node

        return stringify_node(self.shapes, node)

    def data_node(self, term: OxTerm | Node) -> str:
        from pyshacl.rdfutil import stringify_node

        node = _as_oxrdflib_gives(term) if isinstance(term, (ox.NamedNode, ox.BlankNode,
                                                             ox.Literal)) else term
        if self._data is None:
            self._data = self._data_factory()
        try:
            return stringify_node(self._data, node)
        except (LookupError, ValueError):
            return str(node)

    def items(self, head: Node) -> str:
        return " , ".join(self.shape_node(item) for item in self.shapes.items(head))

    def lists(self, heads: tuple[Node, ...]) -> str:
        if len(heads) < 2:
            return self.items(heads[0])
        return " and ".join(f"({self.items(head)})" for head in heads)


def generic_message(text: Stringify, shape: Shape, constraint: Constraint, focus: OxTerm,
                    value: OxTerm | None, rule: Node | None = None) -> str:
    """The message pyshacl writes for a constraint of a shape without sh:message."""
    c, values = constraint.parameter, constraint.values
    path = text.shape_node(shape.path) if shape.path is not None else None
    if c == SH["class"]:
        if len(values) < 2:
            return f"Value does not have class {text.shape_node(values[0])}"
        return f"Value class is not in classes ({', '.join(text.shape_node(v) for v in values)})"
    if c == SH.datatype:
        return f"Value is not Literal with datatype {text.shape_node(values[0])}"
    if c == SH.nodeKind:
        return f"Value is not of Node Kind {text.shape_node(values[0])}"
    if c in (SH.minCount, SH.maxCount):
        word = "Less" if c == SH.minCount else "More"
        where = f"{text.data_node(focus)}->{path}" if path else text.data_node(focus)
        return f"{word} than {values[0].value} values on {where}"  # type: ignore[union-attr]
    if c in _RANGE_TESTS:
        sign = {SH.minExclusive: ">", SH.minInclusive: ">=", SH.maxExclusive: "<",
                SH.maxInclusive: "<="}[c]
        if len(values) < 2:
            return f"Value is not {sign} {text.shape_node(values[0])}"
        return f"Value is not {sign} in ({', '.join(text.shape_node(v) for v in values)})"
    if c == SH.pattern:
        if len(values) < 2:
            return f"Value does not match pattern '{values[0].value}'"  # type: ignore[union-attr]
        joined = "', '".join(str(v.value) for v in values)  # type: ignore[union-attr]
        return f"Value does not match every pattern in ('{joined}')"
    if c == SH.uniqueLang:
        return "More than one String shares the same Language"
    if c in (SH.lessThan, SH.lessThanOrEquals):
        sign = "<=" if c == SH.lessThan else "<"
        rules = text.shape_node(values[0]) if len(values) < 2 else ", ".join(
            text.shape_node(v) for v in values)
        return f"Value of {text.data_node(focus)}->{rules} {sign} {text.data_node(value)}"  # type: ignore[arg-type]
    if c == SH.hasValue:
        the_set = [text.shape_node(v) for v in values]
        if path:
            return (f"Node {text.data_node(focus)}->{path} does not contain a value in the "
                    f"set: {the_set}")
        return f"Node {text.data_node(focus)} value is not a in the set of values: {the_set}"
    if c == SH["in"]:
        members = [text.shape_node(v) for v in set(text.shapes.items(values[0]))]
        return f"Value {text.data_node(value)} not in list {members}"  # type: ignore[arg-type]
    if c == SH.node:
        if len(values) < 2:
            message = f"Value does not conform to Shape {text.shape_node(values[0])}."
        else:
            message = ("Value must conform to every Shape in ('"
                       + "', '".join(text.shape_node(v) for v in values) + "').")
        return message + " See details for more information."
    value_text = text.data_node(value)  # type: ignore[arg-type]
    if c == SH["not"]:
        if len(values) == 1:
            return (f"Node {value_text} must not conform to shape "
                    f"{text.shape_node(values[0])}")
        return (f"Node {value_text} must not conform to any shapes in "
                f"{' , '.join(text.shape_node(v) for v in values)}")
    phrase = {SH["and"]: "all shapes", SH["or"]: "one or more shapes",
              SH.xone: "exactly one shape"}[c]
    return f"Node {value_text} must conform to {phrase} in {text.lists(values)}"


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------

class NativeValidator:
    """Validate a pyoxigraph store (union of its graphs) against a compiled shapes model."""

    def __init__(
        self,
        model: ShapesModel,
        store: ox.Store,
        *,
        prefixes: dict[str, str],
        data_view: Callable[[], Graph],
    ) -> None:
        self.model = model
        self.store = store
        self.prefixes = prefixes  # the data graph's namespaces, as pyshacl's queries see them
        self.text = Stringify(model.graph, data_view)
        self.names = _Names(self._subclasses)
        self._subclass_cache: dict[Node, list[OxTerm]] = {}
        self.timings: list[tuple[float, str, int]] = []  # (seconds, what, rows) per query

    def run(self) -> list[RawResult]:
        """Every result of every shape with targets (unsorted, nested results as details)."""
        results: list[RawResult] = []
        parents: dict[Node, list[TargetFocus]] = {}
        with quiet_ill_typed():
            for root in self.model.roots:
                focus = TargetFocus(root)
                results += self.own(root, focus)
                for child in root.properties:
                    parents.setdefault(child, []).append(focus)
            # A property shape shared by several roots runs once over all their focus nodes.
            for child, focuses in parents.items():
                focus = focuses[0] if len(focuses) == 1 else BranchFocus(tuple(focuses))
                results += self.shape(self.model.shape(child), focus)
        return results

    # -- plumbing ----------------------------------------------------------------------------

    def _subclasses(self, cls: Node) -> list[OxTerm]:
        """The class and its subclasses in the store (what sh:targetClass reaches)."""
        if cls not in self._subclass_cache:
            rows = self.select(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* "
                               f"{sparql_term(cls)} }}", f"subclasses of {cls}")
            self._subclass_cache[cls] = [r["c"] for r in rows]
        return self._subclass_cache[cls]

    def select(self, text: str, what: str) -> list[dict[str, OxTerm]]:
        started = time.perf_counter()
        try:
            answer = self.store.query(text, use_default_graph_as_union=True,
                                      prefixes=self.prefixes)
            names = [v.value for v in answer.variables]  # type: ignore[union-attr]
            rows = [{n: t for n, t in zip(names, row, strict=True) if t is not None}
                    for row in answer]  # type: ignore[union-attr]
        except (SyntaxError, OSError, RuntimeError) as exc:
            raise UnsupportedShapes(f"{what}: Oxigraph cannot run the query: {exc}") from None
        self.timings.append((time.perf_counter() - started, what, len(rows)))
        return rows

    def result(self, shape: Shape, constraint: Constraint, focus: OxTerm,
               value: OxTerm | None = None) -> RawResult:
        messages = list(shape.messages) or [Literal(
            generic_message(self.text, shape, constraint, focus, value))]
        return RawResult(shape, constraint.component, focus, value, shape.path, messages)

    def shape(self, shape: Shape, focus: Focus) -> list[RawResult]:
        """The results of ``shape`` on ``focus`` (its own, then its property shapes')."""
        results = self.own(shape, focus)
        for child in shape.properties:
            results += self.shape(self.model.shape(child), focus)
        return results

    def own(self, shape: Shape, focus: Focus) -> list[RawResult]:
        """The results of the constraints of ``shape`` itself."""
        if shape.deactivated:
            return []
        results: list[RawResult] = []
        for constraint in shape.constraints:
            results += self.constraint(shape, constraint, focus)
        for sparql in shape.sparql:
            results += self.sparql(shape, sparql, focus)
        return results

    def _head(self, shape: Shape, focus: Focus) -> str:
        """Focus nodes as ?this and, for a property shape, its values as ?value."""
        pattern = focus.pattern("this", self.names)
        if shape.path is None:
            return f"{pattern} BIND(?this AS ?value)"
        graph = self.model.graph
        return f"{pattern} " + values_along(
            "this", path_sparql(graph, shape.path), "value", path_can_be_empty(graph, shape.path))

    def _what(self, shape: Shape, constraint: Constraint | str) -> str:
        name = constraint if isinstance(constraint, str) else constraint.parameter.split("#")[-1]
        return f"{shape.node} sh:{name}"

    def _value_rows(self, shape: Shape, focus: Focus, constraint: Constraint, test: str,
                    ) -> list[dict[str, OxTerm]]:
        return self.select(
            f"SELECT DISTINCT ?_cvb ?this ?value WHERE {{ {self._head(shape, focus)} {test} }}",
            self._what(shape, constraint),
        )

    # -- core constraint components ----------------------------------------------------------

    def constraint(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        handler = {
            SH["class"]: self._class, SH.datatype: self._datatype, SH.nodeKind: self._node_kind,
            SH.minCount: self._min_count, SH.maxCount: self._max_count,
            SH.pattern: self._pattern, SH.uniqueLang: self._unique_lang,
            SH.hasValue: self._has_value, SH["in"]: self._in, SH.node: self._node,
            SH.lessThan: self._pairs, SH.lessThanOrEquals: self._pairs,
        }.get(c.parameter)
        if handler is not None:
            return handler(shape, c, focus)
        if c.parameter in _RANGE_TESTS:
            return self._range(shape, c, focus)
        return self._logical(shape, c, focus)

    def _class(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        results = []
        for cls in c.values:  # pyshacl reports each class separately
            # MINUS (not allowed in SHACL-SPARQL, fine here) anti-joins the class's instances
            # once, where FILTER NOT EXISTS walks types and superclasses row by row.
            test = f"MINUS {{ ?value {_TYPE_PATH} {sparql_term(cls)} }}"
            rows = self._value_rows(shape, focus, c, test)
            results += [self.result(shape, c, r["this"], r["value"]) for r in rows]
        return results

    def _datatype(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        datatype = c.values[0]
        rows = self._value_rows(shape, focus, c, _keep_unsure(_surely_typed("value", datatype)))  # type: ignore[arg-type]
        return [self.result(shape, c, r["this"], r["value"]) for r in rows
                if not datatype_matches(_as_pyshacl_sees(r["value"]), datatype)]  # type: ignore[arg-type]

    def _node_kind(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        tests = {SH.IRI: "isIRI(?value)", SH.BlankNode: "isBlank(?value)",
                 SH.Literal: "isLiteral(?value)", SH.BlankNodeOrIRI: "!isLiteral(?value)",
                 SH.BlankNodeOrLiteral: "!isIRI(?value)", SH.IRIOrLiteral: "!isBlank(?value)"}
        test = tests.get(c.values[0], "false")  # type: ignore[call-overload]
        rows = self._value_rows(shape, focus, c, f"FILTER(!({test}))")
        return [self.result(shape, c, r["this"], r["value"]) for r in rows]

    def _min_count(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        count = int(c.values[0].value)  # type: ignore[union-attr]
        if count == 0:
            return []
        path = path_sparql(self.model.graph, shape.path)  # type: ignore[arg-type]
        pattern = focus.pattern("this", self.names)
        if path_can_be_empty(self.model.graph, shape.path):  # type: ignore[arg-type]
            # Every focus node is one of its own values: count them with the rest.
            text = (f"SELECT ?_cvb ?this WHERE {{ {self._head(shape, focus)} }} "
                    f"GROUP BY ?_cvb ?this HAVING (COUNT(DISTINCT ?value) < {count})")
        elif count == 1:
            text = (f"SELECT DISTINCT ?_cvb ?this WHERE {{ {pattern} "
                    f"FILTER NOT EXISTS {{ ?this {path} ?v }} }}")
        else:
            text = (f"SELECT ?_cvb ?this WHERE {{ {pattern} OPTIONAL {{ ?this {path} ?v }} }} "
                    f"GROUP BY ?_cvb ?this HAVING (COUNT(DISTINCT ?v) < {count})")
        return [self.result(shape, c, r["this"]) for r in self.select(text, self._what(shape, c))]

    def _max_count(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        count = int(c.values[0].value)  # type: ignore[union-attr]
        path = shape.path
        if count == 1 and not path_can_be_empty(self.model.graph, path):  # type: ignore[arg-type]
            # A second, different value: a join, cheaper than grouping every value.
            other = path_sparql(self.model.graph, path)  # type: ignore[arg-type]
            text = (f"SELECT DISTINCT ?_cvb ?this WHERE {{ {self._head(shape, focus)} "
                    f"?this {other} ?other FILTER(!sameTerm(?value, ?other)) }}")
        else:
            text = (f"SELECT ?_cvb ?this WHERE {{ {self._head(shape, focus)} }} "
                    f"GROUP BY ?_cvb ?this HAVING (COUNT(DISTINCT ?value) > {count})")
        return [self.result(shape, c, r["this"]) for r in self.select(text, self._what(shape, c))]

    def _range(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        results = []
        operator = {SH.minExclusive: ">", SH.minInclusive: ">=", SH.maxExclusive: "<",
                    SH.maxInclusive: "<="}[c.parameter]
        for bound in c.values:
            assert isinstance(bound, Literal)
            test = "false"
            if bound.datatype in (XSD.integer, XSD.decimal) and bound.value is not None:
                test = " || ".join(
                    f"({_surely_typed('value', dt)})" for dt in (XSD.integer, XSD.decimal))
                test = f"({test}) && ?value {operator} {sparql_term(bound)}"
            rows = self._value_rows(shape, focus, c, _keep_unsure(test))
            results += [self.result(shape, c, r["this"], r["value"]) for r in rows
                        if not range_holds(_as_pyshacl_sees(r["value"]), bound, c.parameter)]
        return results

    def _pattern(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        flags = 0
        if "i" in c.flags.lower():
            flags |= re.I
        if "m" in c.flags.lower():
            flags |= re.M
        rows = self._value_rows(shape, focus, c, "")
        results = []
        for pattern in c.values:
            try:
                matcher = re.compile(str(pattern), flags)
            except re.error:
                raise UnsupportedShapes(f"{shape.node}: sh:pattern {pattern!s}") from None
            for r in rows:
                value = _as_pyshacl_sees(r["value"])
                if isinstance(value, BNode) or not matcher.search(pattern_text(value)):
                    results.append(self.result(shape, c, r["this"], r["value"]))
        return results

    def _unique_lang(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        if not c.values[0].value:  # type: ignore[union-attr]
            return []
        text = (f"SELECT ?_cvb ?this ?lang WHERE {{ {self._head(shape, focus)} "
                f'FILTER(LANG(?value) != "") }} '
                f"GROUP BY ?_cvb ?this (LCASE(LANG(?value)) AS ?lang) "
                f"HAVING (COUNT(DISTINCT ?value) > 1)")
        return [self.result(shape, c, r["this"]) for r in self.select(text, self._what(shape, c))]

    def _has_value(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        results = []
        pattern = focus.pattern("this", self.names)
        for expected in c.values:
            term = sparql_term(expected)
            if shape.path is None:
                test = f"FILTER(!sameTerm(?this, {term}))"
            else:
                test = (f"FILTER NOT EXISTS {{ ?this "
                        f"{path_sparql(self.model.graph, shape.path)} {term} }}")
                if path_can_be_empty(self.model.graph, shape.path):  # the focus is a value too
                    test += f" FILTER(!sameTerm(?this, {term}))"
            rows = self.select(f"SELECT DISTINCT ?_cvb ?this WHERE {{ {pattern} {test} }}",
                               self._what(shape, c))
            results += [self.result(shape, c, r["this"]) for r in rows]
        return results

    def _in(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        # Blank nodes of the shapes graph never equal a data node: they match nothing.
        members = [sparql_term(m) for m in self.model.graph.items(c.values[0])
                   if not isinstance(m, BNode)]
        test = " || ".join(f"sameTerm(?value, {m})" for m in members) or "false"
        rows = self._value_rows(shape, focus, c, f"FILTER(!({test}))")
        return [self.result(shape, c, r["this"], r["value"]) for r in rows]

    def _pairs(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        strict = c.parameter == SH.lessThan
        operator = "<" if strict else "<="
        results = []
        for other in c.values:
            safe = " || ".join(
                f"({_surely_typed('value', dt)} && {_surely_typed('other', dt)})"
                for dt in (XSD.integer, XSD.decimal, XSD.date))
            test = (f"OPTIONAL {{ ?this {sparql_term(other)} ?other }} "
                    + _keep_unsure(f"({safe}) && ?value {operator} ?other"))
            text = (f"SELECT DISTINCT ?_cvb ?this ?value ?other WHERE {{ "
                    f"{self._head(shape, focus)} "
                    f"{test} }}")
            for r in self.select(text, self._what(shape, c)):
                value = _as_pyshacl_sees(r["value"])
                if isinstance(value, BNode):
                    raise UnsupportedShapes("pyshacl refuses to compare a blank node")
                if "other" in r and not pair_holds(value, _as_pyshacl_sees(r["other"]), strict):
                    results.append(self.result(shape, c, r["this"], r["value"]))
        return results

    # -- shape-taking components -------------------------------------------------------------

    def _nested(self, member: Shape, shape: Shape, focus: Focus) -> dict[OxTerm, list[RawResult]]:
        """The results of ``member`` on each value node of ``shape``, by value node."""
        graph = self.model.graph
        values = ValuesFocus(focus, None) if shape.path is None else ValuesFocus(
            focus, path_sparql(graph, shape.path), path_can_be_empty(graph, shape.path))
        by_value: dict[OxTerm, list[RawResult]] = {}
        for result in self.shape(member, values):
            by_value.setdefault(result.focus, []).append(result)
        return by_value

    def _pairs_with_values(self, shape: Shape, focus: Focus, values: Iterable[OxTerm],
                           what: str) -> list[dict[str, OxTerm]]:
        """The (focus node, value node) pairs of ``shape`` whose value is one of ``values``."""
        named = [v for v in values if not isinstance(v, ox.BlankNode)]
        blank = {v for v in values if isinstance(v, ox.BlankNode)}
        rows = []
        for start in range(0, len(named), _VALUES_CHUNK):
            chunk = " ".join(str(v) for v in named[start:start + _VALUES_CHUNK])
            rows += self.select(f"SELECT DISTINCT ?_cvb ?this ?value WHERE {{ "
                                f"{self._head(shape, focus)} VALUES ?value {{ {chunk} }} }}", what)
        if blank:  # a blank node cannot be written into a query: pick them out here
            rows += [r for r in self.select(
                f"SELECT DISTINCT ?_cvb ?this ?value WHERE {{ {self._head(shape, focus)} "
                f"FILTER(isBlank(?value)) }}", what) if r["value"] in blank]
        return rows

    def _node(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        results = []
        for (member,) in shape_members(self.model, c):
            failing = self._nested(member, shape, focus)
            if not failing:
                continue
            for r in self._pairs_with_values(shape, focus, failing, self._what(shape, c)):
                result = self.result(shape, c, r["this"], r["value"])
                result.details = failing[r["value"]]
                results.append(result)
        return results

    def _nonconforming(self, member: Shape, shape: Shape, focus: Focus) -> set[OxTerm]:
        """The value nodes that do not conform to ``member``, by pyshacl's severity rules."""
        if member.severity in _ALLOWED:
            return set()  # pyshacl lets a shape of Info or Warning severity always conform
        return {value for value, results in self._nested(member, shape, focus).items()
                if any(r.shape.severity not in _ALLOWED for r in results)}

    def _all_values(self, shape: Shape, focus: Focus, what: str) -> set[OxTerm]:
        rows = self.select(f"SELECT DISTINCT ?value WHERE {{ {self._head(shape, focus)} }}", what)
        return {r["value"] for r in rows}

    def _logical(self, shape: Shape, c: Constraint, focus: Focus) -> list[RawResult]:
        what = self._what(shape, c)
        failing_sets: list[set[OxTerm]] = []
        for members in shape_members(self.model, c):
            bad = [self._nonconforming(m, shape, focus) for m in members]
            if c.parameter == SH["or"]:
                failing_sets.append(set.intersection(*bad))
            elif c.parameter == SH["and"]:
                failing_sets.append(set.union(*bad))
            else:
                values = self._all_values(shape, focus, what)
                if c.parameter == SH["not"]:
                    failing_sets.append(values - bad[0])
                else:  # xone: exactly one member conforms
                    failing_sets.append({v for v in values
                                         if sum(v not in b for b in bad) != 1})
        results = []
        for failing in failing_sets:
            if failing:
                rows = self._pairs_with_values(shape, focus, failing, what)
                results += [self.result(shape, c, r["this"], r["value"]) for r in rows]
        return results

    # -- SHACL-SPARQL ------------------------------------------------------------------------

    def sparql(self, shape: Shape, c: SparqlConstraint, focus: Focus) -> list[RawResult]:
        prefixes = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in c.prefixes)
        text = (f"{prefixes}{c.prologue}\nSELECT * WHERE {{ {focus.pattern('this', self.names)} "
                f"LATERAL {{ {c.select} }} }}")
        seen: set[tuple[Any, ...]] = set()
        results = []
        for row in self.select(text, self._what(shape, "sparql")):
            branch = row.pop("_cvb", None)
            this, path, value = row.pop("this"), row.pop("path", None), row.pop("value", None)
            key = (branch, this, path, value, frozenset(row.items()))
            if key in seen:  # pyshacl drops repeated rows of one focus node
                continue
            seen.add(key)
            if value is None and shape.path is None:
                value = this
            bindings = [(name, from_oxigraph(term)) for name, term in row.items()]
            bindings += [(name, from_oxigraph(term)) for name, term in
                         (("this", this), ("path", path), ("value", value)) if term is not None]
            results.append(RawResult(
                shape, SH.SPARQLConstraintComponent, this, value,
                from_oxigraph(path) if path is not None else shape.path,
                _sparql_messages(shape, c, bindings), source_constraint=c.node,
            ))
        return results


def _sparql_messages(shape: Shape, c: SparqlConstraint, bindings: list[tuple[str, Any]],
                     ) -> list[Literal]:
    """The constraint's messages, then the shape's, filled in (pyshacl drops their language)."""
    own = list(shape.messages)
    chosen = [m for m in c.messages if m not in own] if c.messages else []
    if not c.messages and not own:
        return []
    return [Literal(fill_message(str(m.value), bindings)) for m in (*chosen, *own)]
