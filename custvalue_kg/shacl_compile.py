"""Read a SHACL shapes graph into a model the native validator turns into SPARQL.

The model follows what pyshacl (the reference engine) does with a shapes graph: which nodes are
shapes, their targets, severity, messages and constraint parameters. Anything pyshacl would
evaluate that the native engine does not implement raises UnsupportedShapes, so that the caller
validates with pyshacl instead; nothing is ever skipped silently.

This module is pure (no store): SPARQL fragments for paths, terms and the SHACL-SPARQL query
texts are built here; shacl_native.py runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

__all__ = [
    "Constraint",
    "Shape",
    "ShapesModel",
    "SparqlConstraint",
    "UnsupportedShapes",
    "compile_shapes",
    "path_can_be_empty",
    "path_sparql",
    "sparql_term",
]


class UnsupportedShapes(Exception):
    """The shapes use something the native engine does not implement: validate with pyshacl."""


# Constraint parameters the native engine evaluates, mapped to their constraint component.
COMPONENTS: dict[URIRef, URIRef] = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
}

# Parameters pyshacl evaluates (core and SHACL-AF) that the native engine does not.
_REFUSED_PARAMETERS = (
    SH.closed, SH.ignoredProperties, SH.qualifiedValueShape, SH.qualifiedMinCount,
    SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint, SH.minLength, SH.maxLength,
    SH.languageIn, SH.equals, SH.disjoint, SH.expression, SH.target, SH.rule, SH.js,
)
# Declarations that change what pyshacl evaluates for every shape (custom components, SHACL
# functions and target types, rules).
_REFUSED_TYPES = (
    SH.ConstraintComponent, SH.SPARQLFunction, SH.Function, SH.JSFunction, SH.TargetType,
    SH.SPARQLTargetType, SH.JSTargetType, SH.SPARQLRule, SH.TripleRule, SH.JSRule,
)
_REFUSED_PREDICATES = (SH.parameter, SH.rule, SH.target)

_NODE_KINDS = (SH.IRI, SH.BlankNode, SH.Literal, SH.BlankNodeOrIRI, SH.BlankNodeOrLiteral,
               SH.IRIOrLiteral)
_PATH_OPERATORS = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath,
                   SH.zeroOrOnePath)


@dataclass(frozen=True)
class Constraint:
    """One constraint component of a shape and its parameter values (as pyshacl groups them)."""

    component: URIRef
    parameter: URIRef
    values: tuple[Node, ...]
    flags: str = ""  # sh:flags of sh:pattern


@dataclass(frozen=True)
class SparqlConstraint:
    """A sh:sparql constraint: its node, prologue, SELECT text, messages and prefixes."""

    node: Node
    prologue: str  # the PREFIX/BASE lines of the text itself, hoisted around the subquery
    select: str  # the SELECT query, $PATH already replaced
    messages: tuple[Literal, ...]
    prefixes: tuple[tuple[str, str], ...]  # pyshacl's: rdf, rdfs, owl, then sh:declare


@dataclass
class Shape:
    node: Node
    path: Node | None  # None for a node shape
    severity: Node
    messages: tuple[Literal, ...]
    deactivated: bool
    target_classes: tuple[Node, ...] = ()
    target_subjects_of: tuple[Node, ...] = ()
    target_objects_of: tuple[Node, ...] = ()
    target_nodes: tuple[Node, ...] = ()
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Node] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        return self.path is not None

    @property
    def has_other_targets(self) -> bool:
        """Targets other than classes."""
        return bool(self.target_subjects_of or self.target_objects_of or self.target_nodes)

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.target_subjects_of or self.target_objects_of
                    or self.target_nodes)


@dataclass
class ShapesModel:
    """Every shape of a shapes graph, the graph itself, and the shapes validated from targets."""

    graph: Graph
    shapes: dict[Node, Shape]

    @property
    def roots(self) -> list[Shape]:
        return [s for s in self.shapes.values() if s.has_targets and not s.deactivated]

    def shape(self, node: Node) -> Shape:
        try:
            return self.shapes[node]
        except KeyError:
            raise UnsupportedShapes(f"{node} is used as a shape but is not one") from None


# --------------------------------------------------------------------------------------------
# Terms and paths as SPARQL
# --------------------------------------------------------------------------------------------

def sparql_term(node: Node) -> str:
    """An IRI or literal of the shapes graph as SPARQL text (blank nodes have none)."""
    if isinstance(node, URIRef):
        return f"<{_iri(node)}>"
    if isinstance(node, Literal):
        text = str(node).replace("\\", "\\\\").replace('"', '\\"')
        text = text.replace("\n", "\\n").replace("\r", "\\r")
        if node.language:
            return f'"{text}"@{node.language}'
        if node.datatype is not None:
            return f'"{text}"^^<{_iri(node.datatype)}>'
        return f'"{text}"'
    raise UnsupportedShapes(f"a blank node ({node}) cannot be written into a query")


def _iri(iri: Node) -> str:
    text = str(iri)
    if re.search(r'[<>"{}|^`\\\s]', text):
        raise UnsupportedShapes(f"the IRI <{text}> cannot be written into a query")
    return text


def _list(graph: Graph, head: Node) -> list[Node]:
    items: list[Node] = []
    seen = set()
    while head != RDF.nil:
        if head in seen or (first := graph.value(head, RDF.first)) is None:
            raise UnsupportedShapes(f"{head} is not a well-formed RDF list")
        seen.add(head)
        items.append(first)
        head = graph.value(head, RDF.rest)
        if head is None:
            raise UnsupportedShapes("an RDF list has no rdf:rest")
    return items


def path_sparql(graph: Graph, path: Node) -> str:
    """A SHACL property path as a SPARQL property path (full IRIs, always parenthesised)."""
    if isinstance(path, URIRef):
        return f"<{_iri(path)}>"
    if isinstance(path, Literal):
        raise UnsupportedShapes(f"a literal ({path}) is not a path")
    if graph.value(path, RDF.first) is not None:
        steps = _list(graph, path)
        if len(steps) < 2:
            raise UnsupportedShapes("a sequence path has fewer than two steps")
        return "(" + "/".join(path_sparql(graph, step) for step in steps) + ")"
    found = [(p, o) for p, o in graph.predicate_objects(path) if p in _PATH_OPERATORS]
    if len(found) != 1:
        raise UnsupportedShapes(f"{path} is not a SHACL path the native engine reads")
    operator, inner = found[0]
    if operator == SH.alternativePath:
        options = _list(graph, inner)
        if len(options) < 2:
            raise UnsupportedShapes("an alternative path has fewer than two options")
        return "(" + "|".join(path_sparql(graph, option) for option in options) + ")"
    text = path_sparql(graph, inner)
    if operator == SH.inversePath:
        return f"(^{text})"
    suffix = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}[operator]
    return f"({text}{suffix})"


def path_can_be_empty(graph: Graph, path: Node) -> bool:
    """Whether a path can match zero steps (then it reaches its start, even outside the data)."""
    if isinstance(path, URIRef):
        return False
    if graph.value(path, RDF.first) is not None:
        return all(path_can_be_empty(graph, step) for step in _list(graph, path))
    if (path, SH.zeroOrMorePath, None) in graph or (path, SH.zeroOrOnePath, None) in graph:
        return True
    options = graph.value(path, SH.alternativePath)
    if options is not None:
        return any(path_can_be_empty(graph, option) for option in _list(graph, options))
    inner = graph.value(path, SH.inversePath) or graph.value(path, SH.oneOrMorePath)
    return inner is not None and path_can_be_empty(graph, inner)


# --------------------------------------------------------------------------------------------
# SHACL-SPARQL query texts
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                  |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
      | (?P<name>[A-Za-z_][A-Za-z0-9_.\-]*:?[A-Za-z0-9_.\-]*)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)

# pyshacl binds $this only where this pattern finds it, and substitutes $PATH the same way.
_BINDS_THIS = re.compile(r"([\s{}()])[\$\?]this", flags=re.M)
_PATH_VARIABLE = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)
_PRE_BOUND = {"this", "value", "shapesGraph", "currentShape"}


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of every token that is not space or comment."""
    return [(m.lastgroup or "", m.group()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("space", "comment")]


def split_prologue(text: str) -> tuple[str, str]:
    """The PREFIX/BASE declarations at the start of a query text, and the rest."""
    position = 0
    for match in re.finditer(
        r"\s*(?:\#[^\n]*\n\s*)*(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)", text, re.I,
    ):
        if match.start() != position:
            break
        position = match.end()
    return text[:position], text[position:]


def projected_variables(tokens: list[tuple[str, str]]) -> list[str] | None:
    """The variables a SELECT projects (None for SELECT *)."""
    names: list[str] = []
    depth = 0
    start = next(i for i, (kind, text) in enumerate(tokens) if text.upper() == "SELECT")
    previous = ""
    for kind, text in tokens[start + 1:]:
        upper = text.upper()
        if depth == 0 and (upper == "WHERE" or text == "{"):
            break
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif text == "*" and depth == 0:
            return None
        elif kind == "var" and (depth == 0 or previous == "AS"):
            names.append(text[1:])
        previous = upper
    return names


def _check_select(tokens: list[tuple[str, str]], where: str) -> None:
    """Refuse what pyshacl rejects or evaluates differently (it then reports the problem)."""
    words = [text.upper() for kind, text in tokens if kind == "name"]
    if not words or words[0] != "SELECT":
        raise UnsupportedShapes(f"{where}: sh:select is not a SELECT query")
    for keyword in ("MINUS", "VALUES", "SERVICE"):
        if keyword in words:
            raise UnsupportedShapes(f"{where}: SHACL-SPARQL forbids {keyword}")
    # In a store's union a triple held by two graphs is two rows, where pyshacl sees one
    # merged graph: rows are compared as sets, so refuse what counts or cuts them.
    for keyword in ("COUNT", "SUM", "AVG", "GROUP_CONCAT", "LIMIT", "OFFSET"):
        if keyword in words:
            raise UnsupportedShapes(f"{where}: {keyword} could count a triple twice")
    if words.count("SELECT") > 1:
        raise UnsupportedShapes(f"{where}: nested SELECT")
    variables = {text[1:] for kind, text in tokens if kind == "var"}
    if variables & {"shapesGraph", "currentShape"}:
        raise UnsupportedShapes(f"{where}: $shapesGraph and $currentShape are not supported")
    for i, (_kind, text) in enumerate(tokens[:-1]):
        if text.upper() == "AS" and tokens[i + 1][1][1:] in _PRE_BOUND:
            raise UnsupportedShapes(f"{where}: AS {tokens[i + 1][1]} re-binds a pre-bound variable")


def sparql_constraint(graph: Graph, shape: Node, path: Node | None, node: Node) -> SparqlConstraint:
    """Read one sh:sparql constraint the way pyshacl does, refusing what it cannot run alike."""
    where = f"sh:sparql of {shape}"
    selects = list(graph.objects(node, SH.select))
    if len(selects) != 1 or not isinstance(selects[0], Literal) or not isinstance(
        selects[0].value, str
    ):
        raise UnsupportedShapes(f"{where}: needs exactly one sh:select string")
    messages = tuple(graph.objects(node, SH.message))
    if any(not isinstance(m, Literal) or not isinstance(m.value, str) for m in messages):
        raise UnsupportedShapes(f"{where}: sh:message must be text")
    if list(graph.objects(node, SH.ask)):
        raise UnsupportedShapes(f"{where}: sh:ask")
    text = str(selects[0].value)
    if not _BINDS_THIS.search(text):
        # pyshacl runs the query unbound once per focus node: nothing to gain natively.
        raise UnsupportedShapes(f"{where}: the query does not use $this")
    if _PATH_VARIABLE.search(text):
        if path is None:
            raise UnsupportedShapes(f"{where}: $PATH on a node shape")
        path_text = path_sparql(graph, path)
        text = _PATH_VARIABLE.sub(lambda m: m.group(1) + path_text, text)
    prologue, select = split_prologue(text)
    tokens = _tokens(select)
    _check_select(tokens, where)
    projected = projected_variables(tokens)
    used = {text[1:] for kind, text in tokens if kind == "var"}
    if "this" not in (used if projected is None else projected):
        # pyshacl pre-binds $this with Oxigraph substitutions, which need it projected.
        raise UnsupportedShapes(f"{where}: the query does not select $this")
    if "failure" in (used if projected is None else projected):
        raise UnsupportedShapes(f"{where}: ?failure is not supported")
    return SparqlConstraint(
        node=node, prologue=prologue, select=select, messages=messages,
        prefixes=tuple(_declared_prefixes(graph, node).items()),
    )


def _declares(graph: Graph, subject: Node) -> set[Node]:
    return set(graph.objects(subject, SH.declare))


def _declared_prefixes(graph: Graph, constraint: Node) -> dict[str, str]:
    """rdf, rdfs, owl, then the sh:declare of sh:prefixes, as pyshacl collects them."""
    prefixes = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    every = _declares(graph, graph.identifier).union(*(_declares(graph, o) for o in ontologies))
    for source in graph.objects(constraint, SH.prefixes):
        own = _declares(graph, source)
        declares = own | _declares(graph, graph.identifier) if own and source in ontologies \
            else every | own
        for declare in declares:
            names = list(graph.objects(declare, SH.prefix))
            spaces = list(graph.objects(declare, SH.namespace))
            if len(names) != 1 or len(spaces) != 1 or not isinstance(names[0], Literal) \
                    or not isinstance(spaces[0], Literal):
                raise UnsupportedShapes(f"sh:declare {declare} is malformed")
            prefixes[str(names[0])] = str(spaces[0])
    return prefixes


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------

def _shape_nodes(graph: Graph) -> set[Node]:
    """Every node pyshacl treats as a shape."""
    nodes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape))
    for predicate in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf,
                      SH.property, SH.node):
        nodes.update(s for s, _ in graph.subject_objects(predicate))
    for predicate in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
        nodes.update(o for _, o in graph.subject_objects(predicate))
    for predicate in (SH["and"], SH["or"], SH.xone):
        for _, head in graph.subject_objects(predicate):
            nodes.update(_list(graph, head))
    return nodes


def _one(graph: Graph, node: Node, predicate: URIRef, default: Node | None = None) -> Node | None:
    values = list(graph.objects(node, predicate))
    if len(values) > 1:
        raise UnsupportedShapes(f"{node} has several {predicate}")
    return values[0] if values else default


def _implicit_class_target(graph: Graph, node: Node) -> bool:
    classes = set(graph.subjects(RDFS.subClassOf, RDFS.Class)) | {RDFS.Class}
    return any(t in classes for t in graph.objects(node, RDF.type))


def _constraints(graph: Graph, node: Node, is_property: bool) -> list[Constraint]:
    found: list[Constraint] = []
    for parameter, component in COMPONENTS.items():
        values = tuple(graph.objects(node, parameter))
        if not values:
            continue
        _check_parameter(graph, node, parameter, values, is_property)
        flags = ""
        if parameter == SH.pattern:
            flag_values = list(graph.objects(node, SH.flags))
            flags = str(flag_values[0]) if flag_values else ""
        found.append(Constraint(component, parameter, values, flags))
    return found


def _is_integer(value: Node) -> bool:
    return isinstance(value, Literal) and value.datatype == XSD.integer \
        and isinstance(value.value, int) and value.value >= 0


def _check_parameter(
    graph: Graph, node: Node, parameter: URIRef, values: tuple[Node, ...], is_property: bool
) -> None:
    """Refuse the parameter values pyshacl would reject (it reports them better)."""
    name = parameter.split("#")[-1]
    single = (SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.uniqueLang, SH["in"])
    if parameter in single and len(values) != 1:
        raise UnsupportedShapes(f"{node}: several sh:{name}")
    if parameter in (SH.minCount, SH.maxCount, SH.uniqueLang) and not is_property:
        raise UnsupportedShapes(f"{node}: sh:{name} on a node shape")
    if parameter in (SH.minCount, SH.maxCount) and not _is_integer(values[0]):
        raise UnsupportedShapes(f"{node}: sh:{name} is not a non-negative xsd:integer")
    if parameter == SH.uniqueLang and not (
        isinstance(values[0], Literal) and isinstance(values[0].value, bool)
    ):
        raise UnsupportedShapes(f"{node}: sh:uniqueLang is not a boolean")
    if parameter in (SH.minInclusive, SH.minExclusive, SH.maxInclusive, SH.maxExclusive,
                     SH.pattern) and not all(isinstance(v, Literal) for v in values):
        raise UnsupportedShapes(f"{node}: sh:{name} is not a literal")
    if parameter in (SH.lessThan, SH.lessThanOrEquals, SH["class"], SH.datatype) and not all(
        isinstance(v, URIRef) for v in values
    ):
        raise UnsupportedShapes(f"{node}: sh:{name} is not an IRI")
    if parameter in (SH.hasValue, SH.lessThan, SH.lessThanOrEquals, SH["class"]):
        for value in values:
            sparql_term(value)  # a blank node cannot be matched in a query: refuse it
    if parameter == SH["in"]:
        _list(graph, values[0])
    if parameter in (SH["and"], SH["or"], SH.xone):
        for head in values:
            if not _list(graph, head):
                raise UnsupportedShapes(f"{node}: empty sh:{name} list")


def _read_shape(graph: Graph, node: Node) -> Shape:
    path = _one(graph, node, SH.path)
    if path is not None and (node, RDF.type, SH.NodeShape) in graph:
        raise UnsupportedShapes(f"{node} is a node shape with a sh:path")
    if path is not None:
        path_sparql(graph, path)  # refuse an unreadable path now
    deactivated = _one(graph, node, SH.deactivated)
    if deactivated is not None and not isinstance(deactivated, Literal):
        raise UnsupportedShapes(f"{node}: sh:deactivated is not a literal")
    for parameter in _REFUSED_PARAMETERS:
        if (node, parameter, None) in graph:
            raise UnsupportedShapes(f"{node} uses {parameter}, which the native engine lacks")
    shape = Shape(
        node=node,
        path=path,
        severity=_one(graph, node, SH.severity, SH.Violation),  # type: ignore[arg-type]
        messages=tuple(graph.objects(node, SH.message)),
        deactivated=bool(deactivated.value) if deactivated is not None else False,
        target_classes=tuple(graph.objects(node, SH.targetClass)),
        target_subjects_of=tuple(graph.objects(node, SH.targetSubjectsOf)),
        target_objects_of=tuple(graph.objects(node, SH.targetObjectsOf)),
        target_nodes=tuple(graph.objects(node, SH.targetNode)),
        constraints=_constraints(graph, node, path is not None),
        properties=list(graph.objects(node, SH.property)),
    )
    if _implicit_class_target(graph, node):
        shape.target_classes = (*shape.target_classes, node)
    for target in (*shape.target_classes, *shape.target_subjects_of, *shape.target_objects_of):
        sparql_term(target)
    for target in shape.target_nodes:
        sparql_term(target)
    for constraint in graph.objects(node, SH.sparql):
        off = _one(graph, constraint, SH.deactivated)
        if off is not None and not (isinstance(off, Literal) and isinstance(off.value, bool)):
            raise UnsupportedShapes(f"{constraint}: sh:deactivated is not a boolean")
        if off is None or not off.value:  # pyshacl skips deactivated SPARQL constraints
            shape.sparql.append(sparql_constraint(graph, node, path, constraint))
    return shape


def _check_nesting(model: ShapesModel) -> None:
    """Refuse recursive shapes and property shapes inside property shapes.

    pyshacl cuts recursion with a warning, and evaluates a property shape of a property shape
    once per (focus, value) pair; the native engine reproduces neither.
    """
    def visit(shape: Shape, trail: tuple[Node, ...]) -> None:
        if shape.node in trail:
            raise UnsupportedShapes(f"recursive shapes through {shape.node}")
        trail = (*trail, shape.node)
        for child in shape.properties:
            prop = model.shape(child)
            if not prop.is_property:
                raise UnsupportedShapes(f"sh:property {child} is not a property shape")
            if shape.is_property:
                raise UnsupportedShapes(f"{shape.node}: sh:property on a property shape")
            visit(prop, trail)
        for constraint in shape.constraints:
            for member in _shape_parameters(model.graph, constraint):
                nested = model.shape(member)
                if constraint.parameter == SH.node and nested.is_property:
                    raise UnsupportedShapes(f"sh:node {member} is a property shape")
                visit(nested, trail)

    for shape in model.shapes.values():
        visit(shape, ())


def _shape_parameters(graph: Graph, constraint: Constraint) -> list[Node]:
    if constraint.parameter in (SH.node, SH["not"]):
        return list(constraint.values)
    if constraint.parameter in (SH["and"], SH["or"], SH.xone):
        return [member for head in constraint.values for member in _list(graph, head)]
    return []


def shape_members(model: ShapesModel, constraint: Constraint) -> list[list[Shape]]:
    """The shapes a shape-taking constraint names: one list per parameter value."""
    if constraint.parameter in (SH.node, SH["not"]):
        return [[model.shape(v)] for v in constraint.values]
    return [[model.shape(m) for m in _list(model.graph, head)] for head in constraint.values]


def compile_shapes(graph: Graph) -> ShapesModel:
    """Read every shape of ``graph``; raise UnsupportedShapes for anything not supported."""
    for kind in _REFUSED_TYPES:
        if (None, RDF.type, kind) in graph:
            raise UnsupportedShapes(f"the shapes declare a {kind}")
    for predicate in _REFUSED_PREDICATES:
        if (None, predicate, None) in graph:
            raise UnsupportedShapes(f"the shapes use {predicate}")
    shapes = {node: _read_shape(graph, node) for node in _shape_nodes(graph)}
    model = ShapesModel(graph=graph, shapes=shapes)
    _check_nesting(model)
    return model
