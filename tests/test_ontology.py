"""The ontology itself: it parses, carries its metadata, and every term is declared and defined.

Each check first asserts it found something to check, and is also run on a deliberately broken
graph to show it fails there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib import namespace as ns

from custvalue_kg import assets

OWL, RDF, RDFS, SKOS, DCTERMS, VANN = ns.OWL, ns.RDF, ns.RDFS, ns.SKOS, ns.DCTERMS, ns.VANN

CV = "https://w3id.org/custvalue/ontology#"
CVS = "https://w3id.org/custvalue/scheme/"
CVSH = "https://w3id.org/custvalue/shapes#"
ARCHI = "https://w3id.org/custvalue/archimate#"
OURS = (CV, CVS, ARCHI)

# External vocabularies we reuse; rdflib ships their term lists, so typos are caught.
EXTERNAL = [
    ns.RDF, ns.RDFS, ns.OWL, ns.XSD, ns.SKOS, ns.SH, ns.DCTERMS, ns.ORG, ns.PROV, ns.SDO,
    ns.SOSA, ns.FOAF, ns.VANN, ns.DCAT, ns.VOID,
]
NOT_TERMS = {OWL.versionIRI, OWL.imports, RDFS.seeAlso, DCTERMS.source}  # objects: documents
DECLARING_TYPES = {
    OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
    SKOS.Concept, SKOS.ConceptScheme, OWL.Ontology, RDF.Property,
}
CONFLICTS = [
    (OWL.Class, OWL.ObjectProperty), (OWL.Class, OWL.DatatypeProperty),
    (OWL.Class, OWL.AnnotationProperty), (OWL.ObjectProperty, OWL.DatatypeProperty),
    (OWL.ObjectProperty, OWL.AnnotationProperty), (OWL.DatatypeProperty, OWL.AnnotationProperty),
    (SKOS.Concept, OWL.Class), (SKOS.ConceptScheme, OWL.Class), (SKOS.Concept, SKOS.ConceptScheme),
]


def ontology_graph() -> Graph:
    graph = Graph()
    for path in [*assets.ontology_files(), *assets.scheme_files()]:
        graph.parse(path, format="turtle")
    return graph


def declared_terms(graph: Graph) -> set[URIRef]:
    return {s for s, _, t in graph.triples((None, RDF.type, None))
            if t in DECLARING_TYPES and isinstance(s, URIRef)}


def is_known_external(term: URIRef) -> bool:
    return any(term in ns for ns in EXTERNAL)


def data_files() -> list[Path]:
    return [*assets.shape_files(), *sorted(assets.asset_dir("examples").glob("*.ttl"))]


def vocabulary_terms(graph: Graph) -> set[URIRef]:
    """Terms used as a vocabulary: predicates, classes, and anything in our namespaces."""
    used = set()
    for s, p, o in graph:
        used.add(p)
        if p in NOT_TERMS:
            continue
        if p == RDF.type:
            used.add(o)
        for term in (s, o):
            if isinstance(term, URIRef) and str(term).startswith(OURS):
                used.add(term)
    return {t for t in used if isinstance(t, URIRef)}


_PREFIX = re.compile(r"PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>", re.IGNORECASE)


def query_terms(text: str) -> set[URIRef]:
    """IRIs a SPARQL text uses, written in full or as prefixed names."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    prefixes = {p or "": iri for p, iri in _PREFIX.findall(body)}
    body = _PREFIX.sub(" ", body)
    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)  # no names inside string literals
    terms = {URIRef(iri) for iri in re.findall(r"<([^<>\s]+)>", body)}
    for prefix, local in re.findall(r"(?<![\w?$])([A-Za-z][\w-]*)?:([A-Za-z_][\w.-]*\w|\w)", body):
        if prefix in prefixes:
            terms.add(URIRef(prefixes[prefix] + local))
    return terms


def undeclared(used: set[URIRef], declared: set[URIRef]) -> set[URIRef]:
    """Used terms that neither our ontology nor a known external vocabulary declares."""
    return {t for t in used if t not in declared and not is_known_external(t)}


def undefined(graph: Graph, terms: set[URIRef]) -> set[URIRef]:
    """Declared terms without a label or without a definition."""
    missing = set()
    for term in terms:
        has_label = any(graph.value(term, p) for p in (RDFS.label, SKOS.prefLabel))
        has_definition = any(graph.value(term, p) for p in (SKOS.definition, RDFS.comment,
                                                            DCTERMS.description))
        if not (has_label and has_definition):
            missing.add(term)
    return missing


def conflicting(graph: Graph) -> set[URIRef]:
    return {s for a, b in CONFLICTS for s in graph.subjects(RDF.type, a)
            if (s, RDF.type, b) in graph}


# --- the checks on the shipped assets ----------------------------------------------------------

def test_each_ontology_file_parses() -> None:
    files = [*assets.ontology_files(), *assets.scheme_files()]
    assert [p.name for p in files[:2]] == ["custvalue.ttl", "linking.ttl"]
    for path in files:
        assert len(Graph().parse(path, format="turtle")) > 30, path


def test_every_module_has_a_metadata_header() -> None:
    for path in assets.ontology_files():
        graph = Graph().parse(path, format="turtle")
        headers = list(graph.subjects(RDF.type, OWL.Ontology))
        assert len(headers) == 1, path
        for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, OWL.versionIRI):
            assert graph.value(headers[0], prop) is not None, f"{path.name} header lacks {prop}"


def test_metadata_header() -> None:
    graph = ontology_graph()
    onto = URIRef("https://w3id.org/custvalue/ontology")
    assert (onto, RDF.type, OWL.Ontology) in graph
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator,
                 OWL.versionIRI, OWL.versionInfo, VANN.preferredNamespacePrefix,
                 VANN.preferredNamespaceUri):
        assert graph.value(onto, prop) is not None, f"ontology header lacks {prop}"
    assert str(graph.value(onto, VANN.preferredNamespaceUri)) == CV
    assert str(graph.value(onto, VANN.preferredNamespacePrefix)) == "cv"


def test_every_term_used_anywhere_is_declared() -> None:
    graph = ontology_graph()
    declared = declared_terms(graph)
    used = vocabulary_terms(graph)
    for path in data_files():
        used |= vocabulary_terms(Graph().parse(path, format="turtle"))
    query_paths = assets.query_files()
    assert len(query_paths) >= 14
    for path in query_paths:
        used |= query_terms(path.read_text())
    ours = {t for t in used if str(t).startswith(OURS)}
    assert len(ours) > 80, "found too few of our terms to check: is the scan broken?"
    assert undeclared(used, declared) == set()


def test_archimate_module_header() -> None:
    graph = Graph().parse(assets.asset_dir("ontology") / "archimate.ttl", format="turtle")
    onto = URIRef("https://w3id.org/custvalue/archimate")
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator,
                 OWL.versionIRI, OWL.versionInfo):
        assert graph.value(onto, prop) is not None, f"archimate.ttl header lacks {prop}"
    assert str(graph.value(onto, VANN.preferredNamespaceUri)) == ARCHI
    assert str(graph.value(onto, VANN.preferredNamespacePrefix)) == "archi"


def test_archimate_classes_are_the_importers_types() -> None:
    from custvalue_kg.imports.archimate_model import ELEMENT_LAYERS, RELATIONSHIP_TYPES

    graph = ontology_graph()

    def subclasses(parent: str) -> set[str]:
        found = graph.subjects(RDFS.subClassOf, URIRef(ARCHI + parent))
        return {str(c)[len(ARCHI):] for c in found}

    assert subclasses("Element") == set(ELEMENT_LAYERS)
    for layer, types in ELEMENT_LAYERS.items():
        assert subclasses(layer) == set(types), layer
    assert subclasses("Relationship") == set(RELATIONSHIP_TYPES)
    assert len([t for types in ELEMENT_LAYERS.values() for t in types]) == 62


def archimate_import_terms() -> set[URIRef]:
    """The terms an import of the shipped example writes (data and links, not provenance)."""
    from custvalue_kg.imports.archimate import import_archimate
    from custvalue_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph.open()
    batch = import_archimate(kg, assets.asset_dir("examples") / "archimate" /
                             "skyward-architecture.xml")
    graph = Graph()
    for s, p, o in kg.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{batch.graph}> "
                            f"{{ ?s ?p ?o FILTER(?s != <{batch.graph}>) }} }}").graph:
        graph.add((s, p, o))
    return vocabulary_terms(graph)


def mapping_terms() -> set[URIRef]:
    from custvalue_kg.imports.archimate_mapping import load_mapping

    mapping = load_mapping(assets.mapping_file("archimate"))
    terms = {*mapping.labels, *(r.link for r in mapping.rules), mapping.handoffs.link}
    terms |= {t.iri for r in mapping.rules for t in r.targets}
    return {URIRef(t) for t in terms}


def test_every_archimate_term_the_importer_and_mapping_use_is_declared_and_defined() -> None:
    graph = ontology_graph()
    declared = declared_terms(graph)
    used = archimate_import_terms() | mapping_terms()
    archi = {t for t in used if str(t).startswith(ARCHI)}
    assert len(archi) > 60, "found too few archi: terms to check: is the import broken?"
    assert undeclared(used, declared) == set()
    assert undefined(graph, {t for t in used if str(t).startswith(OURS)}) == set()


def test_every_declared_term_has_label_and_definition() -> None:
    graph = ontology_graph()
    terms = {t for t in declared_terms(graph) if str(t).startswith(OURS)}
    assert len(terms) > 200
    assert undefined(graph, terms) == set()


def test_no_term_has_conflicting_types() -> None:
    graph = ontology_graph()
    assert len(list(graph.subjects(RDF.type, OWL.Class))) > 20
    assert conflicting(graph) == set()


def test_every_concept_is_in_a_declared_scheme() -> None:
    graph = ontology_graph()
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(concepts) > 40 and len(schemes) >= 10
    assert {c for c in concepts if not set(graph.objects(c, SKOS.inScheme)) & schemes} == set()


def test_stage_models_are_mapped_across() -> None:
    graph = ontology_graph()
    eight = set(graph.subjects(SKOS.inScheme, URIRef(CVS + "eight-part-model")))
    assert len(eight) == 8
    for concept in eight:
        targets = set(graph.objects(concept, SKOS.broadMatch))
        assert targets, f"{concept} has no broadMatch in the five-stage model"
        for target in targets:
            assert (target, SKOS.narrowMatch, concept) in graph
            # a cross-model match never crosses the purchase: phases agree
            assert graph.value(target, URIRef(CV + "phase")) == \
                graph.value(concept, URIRef(CV + "phase"))


def test_alignments_stay_out_of_the_core() -> None:
    core = Graph().parse(assets.asset_dir("ontology") / "custvalue.ttl", format="turtle")
    alignments = Graph().parse(assets.asset_dir("ontology") / "alignments.ttl", format="turtle")
    assert not list(core.triples((None, URIRef(CV + "closeMatch"), None)))
    assert len(list(alignments.triples((None, URIRef(CV + "closeMatch"), None)))) > 5
    # skos:closeMatch on a class would make an RDFS reasoner call the class a skos:Concept
    classes = set(core.subjects(RDF.type, OWL.Class))
    merged = core + alignments
    assert not [c for c in classes if any(merged.objects(c, SKOS.closeMatch))]


# --- the checkers fail where they should ---------------------------------------------------

BROKEN = """
@prefix cv: <https://w3id.org/custvalue/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
cv:Declared a owl:Class ; rdfs:label "Declared" .
cv:both a owl:ObjectProperty, owl:DatatypeProperty ; rdfs:label "both" ; skos:definition "x" .
cv:Declared cv:notDeclared cv:Declared ; prov:usedd cv:Declared .
"""


@pytest.mark.parametrize("check", ["undeclared", "undefined", "conflicting"])
def test_checkers_catch_a_broken_graph(check: str) -> None:
    graph = Graph().parse(data=BROKEN, format="turtle")
    if check == "undeclared":
        found = undeclared(vocabulary_terms(graph), declared_terms(graph))
        assert found == {URIRef(CV + "notDeclared"), URIRef("http://www.w3.org/ns/prov#usedd")}
    elif check == "undefined":
        assert undefined(graph, {URIRef(CV + "Declared")}) == {URIRef(CV + "Declared")}
    else:
        assert conflicting(graph) == {URIRef(CV + "both")}


def test_query_term_scanner_reads_prefixed_and_full_names() -> None:
    text = ('PREFIX cv: <https://w3id.org/custvalue/ontology#>\n'
            'SELECT ?x WHERE { ?x cv:coversStage <https://w3id.org/custvalue/scheme/use> ; '
            'cv:typo "cv:notATerm" }')
    assert query_terms(text) == {URIRef(CV + "coversStage"), URIRef(CV + "typo"),
                                 URIRef(CVS + "use")}
