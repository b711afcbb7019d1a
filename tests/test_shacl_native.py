"""The native SHACL engine gives exactly pyshacl's report: examples, every component, at scale."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from custvalue_kg import assets
from custvalue_kg.kg import ONTOLOGY_GRAPH, KnowledgeGraph
from custvalue_kg.shacl_compile import UnsupportedShapes, compile_shapes
from custvalue_kg.sources import StagedData
from custvalue_kg.terms import from_oxigraph
from custvalue_kg.validation import (
    ValidationReport,
    _results_from_graph,
    load_ontology,
    load_schemes,
    load_shapes,
    validate,
    validate_store,
)

EX = "https://example.org/t/"
ROOT = Path(__file__).resolve().parent.parent


def key(result, blank_shapes: bool = False) -> tuple:
    shape = result.source_shape
    if blank_shapes and shape.startswith("_:"):
        shape = "_:"  # a shapes file parsed again gets new blank node ids
    return (result.severity, result.focus_node, result.focus_label, result.path, result.value,
            shape, result.constraint_component, result.message)


def assert_same(
    native: ValidationReport, reference: ValidationReport, blank_shapes: bool = False
) -> None:
    """Same multiset of results, field by field (blank nodes included: same shapes graph)."""
    assert native.engine == "native"
    assert reference.engine == "pyshacl"
    ours = Counter(key(r, blank_shapes) for r in native.results)
    theirs = Counter(key(r, blank_shapes) for r in reference.results)
    assert ours - theirs == Counter(), "only the native engine reports these"
    assert theirs - ours == Counter(), "only pyshacl reports these"


def both(data: Graph, **options) -> ValidationReport:
    """The native report, after checking pyshacl gives the same one."""
    native = validate(data, **options)
    assert_same(native, validate(data, engine="pyshacl", **options))
    return native


def data(*files: Path | str, turtle: str = "") -> Graph:
    graph = load_schemes()
    for path in files:
        graph.parse(path, format="turtle")
    if turtle:
        graph.parse(data=turtle, format="turtle")
    return graph


# ------------------------------------------------------------------------------------------
# The examples
# ------------------------------------------------------------------------------------------

def test_sample_enterprise_is_identical() -> None:
    report = both(data(*assets.sample_files()))
    assert report.counts() == {"Violation": 0, "Warning": 12, "Info": 5}


def test_invalid_example_is_identical() -> None:
    report = both(data(assets.invalid_example_file()))
    assert report.counts() == {"Violation": 14, "Warning": 7, "Info": 2}


def test_sample_with_gaps_extra_is_identical() -> None:
    gaps = assets.asset_dir("examples") / "gaps-extra.ttl"
    report = both(data(*assets.sample_files(), gaps))
    assert report.counts() == {"Violation": 2, "Warning": 12, "Info": 5}


def test_hostile_labels_with_the_sample_are_identical() -> None:
    report = both(data(*assets.sample_files(), ROOT / "tests" / "data" / "hostile-labels.ttl"))
    assert report.counts()["Violation"] == 0
    assert any("<script>" in r.message for r in report.results)


def test_the_store_is_validated_in_place() -> None:
    kg = KnowledgeGraph.open()
    size = len(kg.store.oxigraph)
    report = kg.validate()
    assert report.engine == "native"
    assert report.counts() == {"Violation": 0, "Warning": 12, "Info": 5}
    assert_same(report, validate(kg.data_graph(), engine="pyshacl"))
    assert len(kg.store.oxigraph) == size


@pytest.mark.parametrize("limit", [5_000_000, 0], ids=["memory-copy", "in-place"])
def test_a_disk_store_is_validated_on_a_copy_or_in_place(tmp_path, monkeypatch, limit) -> None:
    """Up to DISK_COPY_LIMIT quads a disk store is copied into memory first (faster); above
    it, validated in place. Both give the reference report."""
    import custvalue_kg.kg as kg_module

    monkeypatch.setattr(kg_module, "DISK_COPY_LIMIT", limit)
    kg = KnowledgeGraph.open(tmp_path / "store")
    kg.install_reference_graphs(sample=True)
    report = kg.validate()
    assert report.counts() == {"Violation": 0, "Warning": 12, "Info": 5}
    assert_same(report, validate(kg.data_graph(), engine="pyshacl"))
    kg.close()


def test_staged_data_is_validated_without_being_written() -> None:
    kg = KnowledgeGraph.open()
    before = len(kg.store.oxigraph)
    staged = StagedData()
    quads = list(ox.parse(path=str(assets.invalid_example_file()), format=ox.RdfFormat.TURTLE))
    staged.add("urn:test:invalid", [ox.Quad(q.subject, q.predicate, q.object,
                                            ox.NamedNode("urn:test:invalid")) for q in quads],
               "invalid-example.ttl")
    report = kg.validate_staged(staged)
    reference = validate(kg.data_graph() + Graph().parse(assets.invalid_example_file()),
                         engine="pyshacl")
    assert_same(report, reference)
    assert report.counts()["Violation"] == 14
    assert len(kg.store.oxigraph) == before


def test_a_triple_in_two_graphs_counts_once() -> None:
    # The union of a store's graphs repeats such a triple; pyshacl sees one merged graph.
    kg = KnowledgeGraph.open()
    for graph in ("urn:test:one", "urn:test:two"):
        kg.load([assets.invalid_example_file()], graph=graph)
    assert_same(kg.validate(), validate(kg.data_graph(), engine="pyshacl"))


def test_a_remote_store_is_validated_on_a_copy(remote_sample_kg: KnowledgeGraph) -> None:
    report = remote_sample_kg.validate()
    assert_same(report, validate(remote_sample_kg.data_graph(), engine="pyshacl"))


# ------------------------------------------------------------------------------------------
# Every component, path kind and target kind, failing and passing
# ------------------------------------------------------------------------------------------

PROLOGUE = f"""
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix ex:   <{EX}> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
"""

# Most shapes have no sh:message, so pyshacl's generic messages are compared too.
SHAPES = PROLOGUE + """
ex:Declarations a owl:Ontology ;
    sh:declare [ sh:prefix "ex" ; sh:namespace "https://example.org/t/"^^xsd:anyURI ] .

ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:property ex:Class, ex:Datatype, ex:NodeKind, ex:MinCount, ex:MinCountOne, ex:MaxCount,
        ex:HasValue, ex:In, ex:Pattern, ex:PatternFlags, ex:MinInclusive, ex:MinExclusive,
        ex:MaxInclusive, ex:MaxExclusive, ex:LessThan, ex:LessThanOrEquals, ex:UniqueLang,
        ex:Node, ex:Or, ex:And, ex:Not, ex:Xone, ex:Inverse, ex:Alternative, ex:Sequence,
        ex:ZeroOrMore, ex:OneOrMore, ex:ZeroOrOne, ex:Warned, ex:Informed, ex:Off, ex:Messages,
        ex:SparqlPath, ex:SparqlShapeMessage .

ex:Class sh:path ex:class ; sh:class ex:Thing .
ex:Datatype sh:path ex:date ; sh:datatype xsd:date .
ex:NodeKind sh:path ex:kind ; sh:nodeKind sh:IRI .
ex:MinCount sh:path ex:required ; sh:minCount 2 .
ex:MinCountOne sh:path ex:requiredOne ; sh:minCount 1 .
ex:MaxCount sh:path ex:single ; sh:maxCount 1 .
ex:HasValue sh:path ex:status ; sh:hasValue ex:active .
ex:In sh:path ex:colour ; sh:in ( ex:red ex:green 3 ) .
ex:Pattern sh:path ex:code ; sh:pattern "^[A-Z]{3}-[0-9]+$" .
ex:PatternFlags sh:path ex:name ; sh:pattern "^acme" ; sh:flags "i" .
ex:MinInclusive sh:path ex:size ; sh:minInclusive 1 .
ex:MinExclusive sh:path ex:size ; sh:minExclusive 0.5 .
ex:MaxInclusive sh:path ex:size ; sh:maxInclusive 10 .
ex:MaxExclusive sh:path ex:until ; sh:maxExclusive "2030-01-01"^^xsd:date .
ex:LessThan sh:path ex:start ; sh:lessThan ex:end .
ex:LessThanOrEquals sh:path ex:from ; sh:lessThanOrEquals ex:to .
ex:UniqueLang sh:path rdfs:label ; sh:uniqueLang true .
ex:Node sh:path ex:part ; sh:node ex:PartShape .
ex:PartShape a sh:NodeShape ; sh:class ex:Part ;
    sh:property [ sh:path ex:partName ; sh:minCount 1 ] .
ex:Or sh:path ex:amount ; sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:decimal ] ) .
ex:And sh:path ex:ref ; sh:and ( [ sh:nodeKind sh:IRI ] [ sh:class ex:Thing ] ) .
ex:Not sh:path ex:other ; sh:not [ sh:class ex:Thing ] .
ex:Xone sh:path ex:either ; sh:xone ( [ sh:class ex:Thing ] [ sh:class ex:Part ] ) .
ex:Inverse sh:path [ sh:inversePath ex:owns ] ; sh:maxCount 1 .
ex:Alternative sh:path [ sh:alternativePath ( ex:alt1 ex:alt2 ) ] ; sh:minCount 1 .
ex:Sequence sh:path ( ex:seq1 ex:seq2 ) ; sh:class ex:Part .
ex:ZeroOrMore sh:path [ sh:zeroOrMorePath ex:broader ] ; sh:hasValue ex:top .
ex:OneOrMore sh:path [ sh:oneOrMorePath ex:next ] ; sh:nodeKind sh:IRI .
ex:ZeroOrOne sh:path [ sh:zeroOrOnePath ex:maybe ] ; sh:nodeKind sh:IRI .
ex:Warned sh:path ex:warn ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "Warn me"@en .
ex:Informed sh:path ex:info ; sh:minCount 1 ; sh:severity sh:Info .
ex:Off sh:path ex:off ; sh:minCount 1 ; sh:deactivated true .
ex:Messages sh:path ex:msg ; sh:minCount 1 ;
    sh:message "Zweite Nachricht"@de, "Second message"@en, "first message, untagged" .
ex:SparqlPath sh:path ex:score ;
    sh:sparql [ sh:prefixes ex:Declarations ;
                sh:select "SELECT $this ?value WHERE { $this $PATH ?value FILTER(?value > 5) }" ] .
ex:SparqlShapeMessage sh:path ex:score ; sh:message "{$this} scores {?value}"@en ;
    sh:sparql [ sh:prefixes ex:Declarations ;
                sh:select "SELECT $this ?value WHERE { $this ex:score ?value FILTER(?value>6) }" ] .

ex:NodeLevel a sh:NodeShape ;
    sh:targetSubjectsOf ex:nodeLevel ;
    sh:class ex:Special ; sh:nodeKind sh:IRI ; sh:hasValue ex:special ;
    sh:in ( ex:special ex:ok ) ; sh:pattern "special$" ; sh:not [ sh:class ex:Part ] ;
    sh:node ex:NamedShape .
ex:NamedShape a sh:NodeShape ; sh:property [ sh:path ex:nodeLevel ; sh:maxCount 1 ] .

ex:Literals a sh:NodeShape ;
    sh:targetObjectsOf ex:value ;
    sh:datatype xsd:integer ; sh:nodeKind sh:Literal ; sh:minInclusive 0 ; sh:maxInclusive 100 .

ex:Listed a sh:NodeShape ;
    sh:targetNode ex:listed, ex:missing ;
    sh:property [ sh:path ex:p ; sh:minCount 1 ] .

# Zero-length paths reach their start even when it is not in the data (ex:missing, "lit").
ex:ZeroLength a sh:NodeShape ;
    sh:targetNode ex:missing, ex:here, "lit" ;
    sh:property ex:ZeroClass, ex:ZeroIn, ex:ZeroCount, ex:ZeroHasValue .
ex:ZeroClass sh:path [ sh:zeroOrMorePath ex:p ] ; sh:class ex:Thing ; sh:message "class" .
ex:ZeroIn sh:path [ sh:zeroOrOnePath ex:p ] ; sh:in ( ex:a ) ; sh:message "in" .
ex:ZeroCount sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 2 ; sh:message "count" .
ex:ZeroHasValue sh:path [ sh:zeroOrMorePath ex:p ] ; sh:hasValue ex:missing ;
    sh:message "has value" .

ex:Implicit a rdfs:Class, sh:NodeShape ;
    sh:property [ sh:path ex:q ; sh:minCount 1 ] .

ex:SparqlNode a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:sparql [
        sh:prefixes ex:Declarations ;
        sh:message "{$this} is friends with {?value} ({?label}), not a thing"@en ;
        sh:select \"\"\"
            SELECT $this ?value ?label WHERE {
                $this ex:friend ?value .
                FILTER NOT EXISTS { ?value a ex:Thing }
                OPTIONAL { ?value rdfs:label ?label }
            }\"\"\" ] ,
      [ sh:deactivated true ; sh:select "SELECT $this WHERE { $this ?p ?o }" ] .

ex:WarnShape a sh:NodeShape ; sh:targetClass ex:Flagged ; sh:severity sh:Warning ;
    sh:class ex:Part ; sh:message "Flagged, not a part"@en .

ex:OffShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ;
    sh:property [ sh:path ex:zzz ; sh:minCount 1 ] .
"""

DATA = PROLOGUE + """
ex:SubThing rdfs:subClassOf ex:Thing .

ex:good a ex:Thing ;
    rdfs:label "Good"@en, "Gut"@de ;
    ex:class ex:good2 ; ex:date "2024-01-31"^^xsd:date ; ex:kind ex:good2 ;
    ex:required 1, 2 ; ex:requiredOne 1 ; ex:single 1 ; ex:status ex:active ;
    ex:colour ex:red, 3 ; ex:code "ABC-12" ; ex:name "ACME corp" ; ex:size 5 ;
    ex:until "2029-01-01"^^xsd:date ; ex:start 1 ; ex:end 2 ;
    ex:from "2024-01-01"^^xsd:date ; ex:to "2024-01-01"^^xsd:date ;
    ex:part ex:part1 ; ex:amount 5, 2.5 ; ex:ref ex:good2 ; ex:other ex:part1 ;
    ex:either ex:part1 ; ex:alt2 1 ; ex:seq1 ex:s1 ; ex:broader ex:mid ; ex:next ex:n0 ;
    ex:maybe ex:m0 ; ex:warn 1 ; ex:info 1 ; ex:msg 1 ; ex:score 3 ; ex:friend ex:good2 .
ex:good2 a ex:Thing ; rdfs:label "Good too" ;
    ex:class ex:good ; ex:required 1, 2 ; ex:requiredOne 1 ; ex:status ex:active ;
    ex:alt1 1 ; ex:broader ex:top ; ex:warn 1 ; ex:info 1 ; ex:msg 1 .
ex:o1 ex:owns ex:good .
ex:s1 ex:seq2 ex:part1 .
ex:mid ex:broader ex:top .
ex:part1 a ex:Part ; ex:partName "Part one" .

ex:bad a ex:SubThing ;
    rdfs:label "Bad"@en, "Schlecht"@en, "x"@de, "y"@DE ;
    ex:class ex:part1, "literal" ;
    ex:date "2024-02-30"^^xsd:date, "2024-01-31", 5 ;
    ex:kind "text", [ ex:x 1 ] ;
    ex:required 1 ; ex:single 1, 2 ; ex:status ex:inactive ;
    ex:colour ex:blue, "red", 4 ;
    ex:code "abc-12", ex:iri, [ ] ; ex:name "corp acme" ;
    ex:size 0, 11, "big" ;
    ex:until "2031-01-01"^^xsd:date, "soon"^^xsd:date ;
    ex:start 3, "a" ; ex:end 2 ;
    ex:from "2024-02-01"^^xsd:date ; ex:to "2024-01-01"^^xsd:date ;
    ex:part ex:part2, ex:nonpart ;
    ex:amount "five" ; ex:ref "lit", ex:part1 ; ex:other ex:good ;
    ex:either ex:both, ex:none ;
    ex:seq1 ex:s2 ; ex:next ex:n1 ; ex:maybe "lit" ;
    ex:score 7 ; ex:friend ex:stranger, ex:nameless .
ex:o2 ex:owns ex:bad . ex:o3 ex:owns ex:bad .
ex:s2 ex:seq2 ex:good .
ex:n1 ex:next "x" .
ex:part2 a ex:Part .
ex:nonpart ex:partName "Not a part" .
ex:both a ex:Thing, ex:Part ; rdfs:label "Both" .
ex:stranger rdfs:label "Stranger" .

ex:special ex:nodeLevel 1 ; a ex:Special ; rdfs:label "Special" .
ex:elsewhere ex:nodeLevel 1, 2 .
ex:partly ex:nodeLevel 1 ; a ex:Part .
[ ex:nodeLevel 3 ; rdfs:label "anonymous" ] .

ex:good ex:value 5 .
ex:bad ex:value 200, "x", ex:iri .

ex:listed ex:p 1 .
ex:here ex:p ex:a . ex:a a ex:Thing .
ex:imp a ex:Implicit .
ex:flag a ex:Flagged .
"""

# (source shape, constraint component) that must fire at least once on ex:bad & co.
EXPECTED = {
    ("Class", "ClassConstraintComponent"), ("Datatype", "DatatypeConstraintComponent"),
    ("NodeKind", "NodeKindConstraintComponent"), ("MinCount", "MinCountConstraintComponent"),
    ("MinCountOne", "MinCountConstraintComponent"),
    ("MaxCount", "MaxCountConstraintComponent"), ("HasValue", "HasValueConstraintComponent"),
    ("In", "InConstraintComponent"), ("Pattern", "PatternConstraintComponent"),
    ("PatternFlags", "PatternConstraintComponent"),
    ("MinInclusive", "MinInclusiveConstraintComponent"),
    ("MinExclusive", "MinExclusiveConstraintComponent"),
    ("MaxInclusive", "MaxInclusiveConstraintComponent"),
    ("MaxExclusive", "MaxExclusiveConstraintComponent"),
    ("LessThan", "LessThanConstraintComponent"),
    ("LessThanOrEquals", "LessThanOrEqualsConstraintComponent"),
    ("UniqueLang", "UniqueLangConstraintComponent"), ("Node", "NodeConstraintComponent"),
    ("PartShape", "ClassConstraintComponent"), ("Or", "OrConstraintComponent"),
    ("And", "AndConstraintComponent"), ("Not", "NotConstraintComponent"),
    ("Xone", "XoneConstraintComponent"), ("Inverse", "MaxCountConstraintComponent"),
    ("Alternative", "MinCountConstraintComponent"), ("Sequence", "ClassConstraintComponent"),
    ("ZeroOrMore", "HasValueConstraintComponent"), ("OneOrMore", "NodeKindConstraintComponent"),
    ("ZeroOrOne", "NodeKindConstraintComponent"), ("Warned", "MinCountConstraintComponent"),
    ("Informed", "MinCountConstraintComponent"), ("Messages", "MinCountConstraintComponent"),
    ("SparqlPath", "SPARQLConstraintComponent"),
    ("SparqlShapeMessage", "SPARQLConstraintComponent"),
    ("NodeLevel", "ClassConstraintComponent"), ("NodeLevel", "NodeKindConstraintComponent"),
    ("NodeLevel", "HasValueConstraintComponent"), ("NodeLevel", "InConstraintComponent"),
    ("NodeLevel", "PatternConstraintComponent"), ("NodeLevel", "NotConstraintComponent"),
    ("NodeLevel", "NodeConstraintComponent"),
    ("Literals", "DatatypeConstraintComponent"), ("Literals", "NodeKindConstraintComponent"),
    ("Literals", "MinInclusiveConstraintComponent"),
    ("Literals", "MaxInclusiveConstraintComponent"),
    ("SparqlNode", "SPARQLConstraintComponent"), ("WarnShape", "ClassConstraintComponent"),
    ("ZeroClass", "ClassConstraintComponent"), ("ZeroIn", "InConstraintComponent"),
    ("ZeroCount", "MinCountConstraintComponent"), ("ZeroHasValue", "HasValueConstraintComponent"),
}


@pytest.fixture(scope="module")
def components_data() -> Graph:
    return data(turtle=DATA)


@pytest.fixture(scope="module")
def components_report(components_data: Graph) -> ValidationReport:
    shapes = Graph().parse(data=SHAPES, format="turtle")
    return both(components_data, shapes=shapes)


def _name(iri: str) -> str:
    return iri[len(EX):] if iri.startswith(EX) else iri


def test_every_component_and_path_kind_fails_where_it_should(components_report) -> None:
    fired = {(_name(r.source_shape), r.constraint_component) for r in components_report.results}
    assert EXPECTED - fired == set()


def test_nothing_fails_where_everything_holds(components_report) -> None:
    good = {EX + "good", EX + "good2", EX + "listed", EX + "special", EX + "part1"}
    assert [r for r in components_report.results if r.focus_node in good] == []


def test_targets_of_every_kind(components_report) -> None:
    foci = {(_name(r.source_shape), _name(r.focus_node)) for r in components_report.results}
    assert ("MinCount", "bad") in foci  # sh:targetClass through rdfs:subClassOf
    assert ("NodeLevel", "elsewhere") in foci  # sh:targetSubjectsOf
    assert ("Literals", "200") in foci  # sh:targetObjectsOf, literal focus nodes
    assert (EX + "missing") in {r.focus_node for r in components_report.results}  # sh:targetNode
    assert ("ZeroClass", "missing") in foci  # a zero-length path reaches a node not in the data
    assert ("ZeroHasValue", "missing") not in foci  # ... and its start is one of its values
    assert ("Implicit", "imp") not in foci  # results come from its (blank) property shape
    assert EX + "imp" in {r.focus_node for r in components_report.results}  # implicit target


def test_severities_deactivation_and_messages(components_report) -> None:
    by_shape = {}
    for r in components_report.results:
        by_shape.setdefault(_name(r.source_shape), []).append(r)
    assert {r.severity for r in by_shape["Warned"]} == {"Warning"}
    assert {r.severity for r in by_shape["Informed"]} == {"Info"}
    assert {r.severity for r in by_shape["WarnShape"]} == {"Warning"}
    assert "Off" not in by_shape and "OffShape" not in by_shape
    assert all(r.source_shape != EX + "zzz" for r in components_report.results)
    assert by_shape["Messages"][0].message == "Second message"
    assert by_shape["Warned"][0].message == "Warn me"
    friends = {r.message for r in by_shape["SparqlNode"]}
    assert f"{EX}bad is friends with {EX}stranger (Stranger), not a thing" in friends
    assert f"{EX}bad is friends with {EX}nameless ({{?label}}), not a thing" in friends
    assert by_shape["SparqlShapeMessage"][0].message == f"{EX}bad scores 7"
    assert by_shape["SparqlPath"][0].message == ""
    generic = {r.focus_node: r.message for r in by_shape["MinCount"]}  # pyshacl's own words
    assert generic[EX + "bad"] == f"Less than 2 values on <{EX}bad>-><{EX}required>"


def test_nested_results_of_sh_node_are_reported(components_report) -> None:
    nested = [r for r in components_report.results
              if r.focus_node == EX + "part2" and r.constraint_component ==
              "MinCountConstraintComponent"]
    assert len(nested) == 1 and nested[0].source_shape.startswith("_:")
    assert nested[0].path == EX + "partName"


def test_the_turtle_report_lists_the_same_results(components_report, components_data) -> None:
    parsed = Graph().parse(data=components_report.to_turtle(), format="turtle")
    assert len(list(parsed.subjects(RDF.type, SH.ValidationResult))) == len(
        components_report.results)
    again = _results_from_graph(components_report.results_graph, Graph(), (components_data,))
    assert Counter(map(key, again)) == Counter(map(key, components_report.results))
    report = next(parsed.subjects(RDF.type, SH.ValidationReport))
    assert parsed.value(report, SH.conforms).toPython() is False


def test_plain_strings_in_sh_in_and_sh_has_value_follow_rdf() -> None:
    # Through oxrdflib pyshacl sees "a" as "a"^^xsd:string and rejects it; on rdflib it (and
    # the native engine) accepts it, as RDF 1.1 says they are the same term.
    shapes = Graph().parse(data=PROLOGUE + """
        ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ;
            sh:property [ sh:path ex:p ; sh:in ( "a" "b" ) ; sh:message "a or b" ] ,
                [ sh:path ex:p ; sh:hasValue "a" ; sh:message "a" ] .
        """, format="turtle")
    graph = data(turtle=PROLOGUE + 'ex:x ex:p "a" . ex:y ex:p "c" .')
    native = validate(graph, shapes=shapes)
    assert_same(native, validate(graph, shapes=shapes, engine="pyshacl", backend="rdflib"))
    assert {(r.focus_node, r.constraint_component) for r in native.results} == {
        (EX + "y", "InConstraintComponent"), (EX + "y", "HasValueConstraintComponent")}


def test_a_node_two_shapes_target_gets_their_shared_results_twice() -> None:
    graph = data(turtle=PROLOGUE + """
        @prefix cv: <https://w3id.org/custvalue/ontology#> .
        ex:x a cv:Function, cv:Initiative ; cv:orientation "inward", ex:nothing .""")
    report = both(graph)
    required = [r for r in report.results if r.source_shape.endswith("#RequiredLabel")]
    assert len(required) == 2
    nested = [r for r in report.results if r.constraint_component == "HasValueConstraintComponent"]
    assert len(nested) == 4  # the orientation concept check, per parent and value


# ------------------------------------------------------------------------------------------
# Fallback, user shapes, scale
# ------------------------------------------------------------------------------------------

UNSUPPORTED = [
    "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ; "
    "sh:property [ sh:path ex:required ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:code ; "
    "sh:minLength 4 ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:select "
    '"SELECT $this WHERE { { SELECT $this WHERE { $this <https://example.org/t/score> ?s } } }"'
    " ] .",
    "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:sparql [ sh:select "
    '"SELECT $this (COUNT(?s) AS ?n) WHERE { $this <https://example.org/t/size> ?s } '
    'GROUP BY $this HAVING (COUNT(?s) > 1)" ] .',
    "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property ex:Outer . "
    "ex:Outer sh:path ex:part ; sh:property [ sh:path ex:partName ; sh:minCount 1 ] .",
]


@pytest.mark.parametrize("turtle", UNSUPPORTED)
def test_unsupported_shapes_fall_back_to_pyshacl(turtle: str) -> None:
    shapes = Graph().parse(data=PROLOGUE + turtle, format="turtle")
    with pytest.raises(UnsupportedShapes):
        compile_shapes(shapes)
    graph = data(turtle=DATA)
    report = validate(graph, shapes=shapes)
    assert report.engine == "pyshacl"
    assert Counter(map(key, report.results)) == Counter(
        map(key, validate(graph, shapes=shapes, engine="pyshacl").results))
    assert report.results


def test_the_shipped_shapes_compile() -> None:
    model = compile_shapes(load_shapes())
    assert len(model.roots) > 50
    assert sum(len(s.sparql) for s in model.shapes.values()) >= 39


def test_user_shapes_files_still_work(tmp_path: Path) -> None:
    mine = tmp_path / "mine.ttl"
    mine.write_text(PROLOGUE + """
        @prefix cv: <https://w3id.org/custvalue/ontology#> .
        ex:StageComment a sh:NodeShape ; sh:targetClass cv:JourneyStage ;
            sh:property [ sh:path ex:reviewedBy ; sh:minCount 1 ; sh:severity sh:Info ] .
        """)
    graph = data(*assets.sample_files())
    report = validate(graph, extra_shapes=[mine])
    assert_same(report, validate(graph, extra_shapes=[mine], engine="pyshacl"), blank_shapes=True)
    added = [r for r in report.results if r.source_shape.startswith("_:")]
    assert len(added) == 26 and {r.severity for r in added} == {"Info"}
    kg = KnowledgeGraph.open()
    assert_same(kg.validate(extra_shapes=[mine]),
                validate(kg.data_graph(), extra_shapes=[mine], engine="pyshacl"),
                blank_shapes=True)


def _bench():
    spec = importlib.util.spec_from_file_location("bench_validation",
                                                  ROOT / "bench" / "validation.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_a_synthetic_enterprise_of_20k_triples_is_identical() -> None:
    bench = _bench()
    store = bench.build_store(bench.copies_for(20_000))
    assert 19_000 <= len(store) <= 21_000
    native = validate_store(store, ontology_graph=ONTOLOGY_GRAPH)
    rest = Graph()
    for q in store:
        if q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH):
            rest.add((from_oxigraph(q.subject), from_oxigraph(q.predicate),
                      from_oxigraph(q.object)))
    assert_same(native, validate(rest, ontology=load_ontology(), engine="pyshacl"))
    counts = native.counts()
    assert counts["Violation"] > 0 and counts["Warning"] > 0 and counts["Info"] > 0
    components = {r.constraint_component for r in native.results}
    assert {"NodeConstraintComponent", "OrConstraintComponent", "DatatypeConstraintComponent",
            "MinInclusiveConstraintComponent", "MaxCountConstraintComponent",
            "NodeKindConstraintComponent", "SPARQLConstraintComponent"} <= components


def test_labels_of_focus_nodes_come_from_the_store() -> None:
    report = validate(data(assets.invalid_example_file()))
    labelled = {r.focus_node: r.focus_label for r in report.results}
    assert labelled[str(URIRef("https://example.org/invalid/portal"))] == "Holiday booking portal"
