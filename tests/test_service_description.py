"""The Service Description at GET /sparql: the W3C service-description manifest cases
(returns-rdf, has-endpoint-triple, conforms-to-schema) plus VoID counts and conneg."""

from __future__ import annotations

import urllib.request

import pytest
import requests
from conftest import TOKEN
from rdflib import Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = "http://www.w3.org/ns/formats/"

# The SD vocabulary (https://www.w3.org/TR/sparql11-service-description/#vocab).
SD_CLASSES = {SD[n] for n in ("Service", "Feature", "Language", "Function", "Aggregate",
                              "EntailmentRegime", "EntailmentProfile", "GraphCollection",
                              "Dataset", "Graph", "NamedGraph")}
SD_PROPERTIES = {SD[n] for n in (
    "endpoint", "feature", "defaultEntailmentRegime", "entailmentRegime",
    "defaultSupportedEntailmentProfile", "supportedEntailmentProfile", "extensionFunction",
    "extensionAggregate", "languageExtension", "supportedLanguage", "propertyFeature",
    "defaultDataset", "availableGraphs", "resultFormat", "inputFormat", "defaultGraph",
    "namedGraph", "name", "graph")}
SD_INSTANCES = {SD[n] for n in ("SPARQL10Query", "SPARQL11Query", "SPARQL11Update",
                                "DereferencesURIs", "UnionDefaultGraph", "RequiresDataset",
                                "EmptyGraphs", "BasicFederatedQuery")}
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}


def description(server, accept: str = "text/turtle") -> Graph:
    response = requests.get(server.sparql, headers={"Accept": accept}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == f"{accept}; charset=utf-8"
    return Graph().parse(data=response.content, format=RDF_FORMATS[accept])


def the_service(graph: Graph) -> URIRef:
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    return services[0]


@pytest.mark.parametrize("accept", list(RDF_FORMATS))
def test_returns_rdf_in_every_format_by_conneg(live_server, accept: str) -> None:
    graph = description(live_server, accept)
    assert isomorphic(graph, description(live_server, "text/turtle"))
    assert len(graph) > 30


def test_has_endpoint_triple(live_server) -> None:
    graph = description(live_server)
    assert (the_service(graph), SD.endpoint, URIRef(live_server.sparql)) in graph


def test_conforms_to_the_sd_vocabulary(live_server) -> None:
    graph = description(live_server)
    service = the_service(graph)
    # every sd: term used is one the vocabulary defines
    for s, p, o in graph:
        for term in (s, p, o):
            if isinstance(term, URIRef) and str(term).startswith(str(SD)):
                assert term in SD_CLASSES | SD_PROPERTIES | SD_INSTANCES, term
    # ranges and types the recommendation gives
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query,
                                                                SD.SPARQL11Update}
    assert {str(f) for f in graph.objects(service, SD.resultFormat)} == {
        FORMATS + name for name in (
            "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
            "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG")}
    assert set(graph.objects(service, SD.feature)) == {SD.UnionDefaultGraph}
    assert not list(graph.objects(service, SD.extensionFunction))
    assert (service, URIRef("http://purl.org/dc/terms/title"), None) in graph
    dataset = graph.value(service, SD.defaultDataset)
    assert (dataset, RDF.type, SD.Dataset) in graph
    default = graph.value(dataset, SD.defaultGraph)
    assert (default, RDF.type, SD.Graph) in graph and (default, RDF.type, VOID.Dataset) in graph
    for entry in graph.objects(dataset, SD.namedGraph):
        assert (entry, RDF.type, SD.NamedGraph) in graph
        assert isinstance(graph.value(entry, SD.name), URIRef)
        assert (graph.value(entry, SD.graph), RDF.type, SD.Graph) in graph


def void_counts(graph: Graph) -> tuple[int, dict[str, int]]:
    dataset = graph.value(the_service(graph), SD.defaultDataset)
    default = int(graph.value(graph.value(dataset, SD.defaultGraph), VOID.triples))
    named = {str(graph.value(entry, SD.name)):
             int(graph.value(graph.value(entry, SD.graph), VOID.triples))
             for entry in graph.objects(dataset, SD.namedGraph)}
    return default, named


def test_every_named_graph_with_its_triple_count(live_server) -> None:
    default, named = void_counts(description(live_server))
    assert named == dict(live_server.kg.store.named_graphs())
    assert set(named) == {"https://w3id.org/custvalue/graph/ontology",
                          "https://w3id.org/custvalue/graph/schemes",
                          "https://w3id.org/custvalue/graph/sample"}
    assert default == len(live_server.kg.store.union_graph())  # distinct triples of the union


def test_counts_follow_writes(writable_server) -> None:
    graph_iri = "https://example.org/g/new"
    # the same triple in a second graph: counted in both graphs, once in the default graph
    update = (f"INSERT DATA {{ GRAPH <{graph_iri}> {{ <urn:a> <urn:b> 1 . <urn:a> <urn:b> 2 }} "
              "GRAPH <https://example.org/g/copy> { <urn:a> <urn:b> 1 } }")
    before, _ = void_counts(description(writable_server))
    response = requests.post(writable_server.sparql, data=update.encode(), timeout=10,
                             headers={"Content-Type": "application/sparql-update",
                                      "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204
    default, named = void_counts(description(writable_server))
    assert named[graph_iri] == 2 and named["https://example.org/g/copy"] == 1
    assert default == before + 2


def test_basic_federated_query_only_with_an_allow_list(make_server) -> None:
    server = make_server(federation_allowlist=("http://127.0.0.1:9/sparql",))
    graph = description(server)
    assert set(graph.objects(the_service(graph), SD.feature)) == {SD.UnionDefaultGraph,
                                                                 SD.BasicFederatedQuery}


def test_default_format_format_parameter_and_406(live_server) -> None:
    # no Accept header at all (urllib sends none): Turtle
    with urllib.request.urlopen(live_server.sparql, timeout=10) as response:
        assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
        Graph().parse(data=response.read(), format="turtle")
    for fmt, media in (("jsonld", "application/ld+json"), ("rdfxml", "application/rdf+xml"),
                       ("ntriples", "application/n-triples"), ("turtle", "text/turtle")):
        response = requests.get(live_server.sparql, params={"format": fmt}, timeout=10,
                                headers={"Accept": "text/html"})
        assert response.headers["Content-Type"] == f"{media}; charset=utf-8"
        assert response.headers["Vary"] == "Accept"
    weighted = requests.get(live_server.sparql, timeout=10, headers={
        "Accept": "text/turtle;q=0.4, application/ld+json;q=0.9"})
    assert weighted.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    refused = requests.get(live_server.sparql, headers={"Accept": "*/*;q=0"}, timeout=10)
    assert refused.status_code == 406
    assert refused.headers["Content-Type"] == "text/plain; charset=utf-8"
    unknown = requests.get(live_server.sparql, params={"format": "yaml"}, timeout=10)
    assert unknown.status_code == 400


def test_a_browser_gets_an_escaped_html_page(writable_server) -> None:
    insert = "INSERT DATA { GRAPH <https://example.org/g?a=1&b=2> { <urn:a> <urn:b> 1 } }"
    response = requests.post(writable_server.sparql, data=insert.encode(), timeout=10,
                             headers={"Content-Type": "application/sparql-update",
                                      "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204, response.text
    page = requests.get(writable_server.sparql, timeout=10, headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert writable_server.sparql in page.text
    assert "https://example.org/g?a=1&amp;b=2" in page.text
    assert "a=1&b" not in page.text
    assert '<textarea name="query"' in page.text


def test_head_of_the_description(live_server) -> None:
    response = requests.head(live_server.sparql, timeout=10)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"

