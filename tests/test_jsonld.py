"""The JSON-LD @context: in step with the ontology, usable without RDF tooling, round trips."""

from __future__ import annotations

import json
from decimal import Decimal

import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from custvalue_kg import assets
from custvalue_kg.jsonld import CONTEXT_IRI, build_context, shipped_context
from custvalue_kg.kg import SAMPLE_GRAPH, KnowledgeGraph

CV = "https://w3id.org/custvalue/ontology#"
XSD_DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")


def ontology() -> Graph:
    graph = Graph()
    for path in assets.ontology_files():
        graph.parse(path, format="turtle")
    return graph


def canonical_decimals(graph: Graph) -> Graph:
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD_DECIMAL:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD_DECIMAL)
        out.add((s, p, o))
    return out


def test_shipped_context_matches_the_ontology() -> None:
    # Regenerate with `python -m custvalue_kg.jsonld` after changing the ontology.
    assert shipped_context() == build_context(ontology())
    context = shipped_context()["@context"]
    assert context["coversStage"] == {"@id": "cv:coversStage", "@type": "@id"}
    assert context["activeFrom"] == {"@id": "cv:activeFrom", "@type": "xsd:date"}
    assert context["CustomerJourney"] == "cv:CustomerJourney"


def test_plain_json_naming_the_published_context_loads_without_any_fetch() -> None:
    kg = KnowledgeGraph.open(None, sample=False)
    document = {
        "@context": CONTEXT_IRI,
        "id": "https://example.org/web/fn",
        "type": "Function",
        "label": "Web support",
        "coversStage": "https://example.org/web/stage",
        "activeFrom": "2026-01-05",
    }
    kg.load_data(json.dumps(document).encode(), fmt="jsonld", graph="https://example.org/web")
    rows = kg.query(
        "SELECT ?t ?stage ?from WHERE { <https://example.org/web/fn> a ?t ; "
        f"<{CV}coversStage> ?stage ; <{CV}activeFrom> ?from }}").rows
    assert [tuple(str(v) for v in row) for row in rows] == [
        (CV + "Function", "https://example.org/web/stage", "2026-01-05")]
    assert isinstance(rows[0][1], URIRef)
    assert str(rows[0][2].datatype) == "http://www.w3.org/2001/XMLSchema#date"


def test_sample_round_trips_through_compact_json_ld() -> None:
    original = Graph().parse(assets.sample_files()[0], format="turtle")
    compact = original.serialize(format="json-ld", context=shipped_context()["@context"],
                                 auto_compact=True)
    document = json.loads(compact)
    document["@context"] = CONTEXT_IRI  # as a web developer would write it
    kg = KnowledgeGraph.open(None, sample=False)
    kg.load_data(json.dumps(document).encode(), fmt="jsonld", graph="https://example.org/rt")
    back = Graph()
    for s, p, o in kg.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://example.org/rt> "
                            "{ ?s ?p ?o } }").graph:
        back.add((s, p, o))
    assert len(back) == len(original) > 1000
    # JSON numbers carry decimals by value: 38.0 comes back as 38, the same xsd:decimal.
    assert isomorphic(canonical_decimals(back), canonical_decimals(original))


def test_the_service_publishes_the_context(live_server) -> None:
    response = requests.get(live_server.base + "/context.jsonld", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")
    assert response.json() == shipped_context()
    assert SAMPLE_GRAPH  # the live server holds the sample the context describes
