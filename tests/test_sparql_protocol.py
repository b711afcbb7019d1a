"""The SPARQL 1.1 Protocol endpoint /sparql, through real clients against the real server.

The W3C protocol test manifest (sparql11/protocol/manifest.ttl) is covered case by case: the
test names below carry the manifest's names. Its data graphs data1..data3.rdf are written
through the endpoint itself (on a fresh writable server) rather than fetched from kasei.us.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
import xml.dom.minidom
from urllib.parse import urljoin

import pytest
import requests
from conftest import TOKEN
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from custvalue_kg.kg import KnowledgeGraph

SKY = "https://example.org/skyward/"
ENTERPRISE = SKY + "skyward-dynamics"
SYSTEMS_QUERY = f"""PREFIX cv: <https://w3id.org/custvalue/ontology#>
SELECT ?system WHERE {{ <{ENTERPRISE}> cv:hasSystem ?system }} ORDER BY ?system"""
CONSTRUCT_QUERY = f"CONSTRUCT {{ <{ENTERPRISE}> ?p ?o }} WHERE {{ <{ENTERPRISE}> ?p ?o }}"
DESCRIBE_QUERY = f"DESCRIBE <{ENTERPRISE}>"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FORM = "application/x-www-form-urlencoded"

DATA = "http://kasei.us/2009/09/sparql/data/"
D0, D1, D2, D3 = (DATA + f"data{i}.rdf" for i in range(4))
FOAF_DATA = f"""PREFIX foaf: <http://xmlns.com/foaf/0.1/>
INSERT DATA {{
  GRAPH <{D1}> {{ <{D1}> a foaf:Document }}
  GRAPH <{D2}> {{ <{D2}> a foaf:Document }}
  GRAPH <{D3}> {{ <{D3}> a foaf:Document }}
}}"""


@pytest.fixture(scope="module")
def expected() -> KnowledgeGraph:
    """The same sample the servers serve, asked directly, for the expected answers."""
    return KnowledgeGraph.open()


def wrapper(endpoint: str, query: str, fmt: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


def update(server, text: str, *, params: dict | None = None, headers: dict | None = None,
           content_type: str = "application/sparql-update") -> requests.Response:
    return requests.post(server.sparql, data=text.encode("utf-8"), params=params, timeout=20,
                         headers={"Content-Type": content_type, **AUTH, **(headers or {})})


def ask(server, query: str, **params: object) -> bool:
    response = requests.get(server.sparql, params={"query": query, **params}, timeout=20,
                            headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def graph_counts(server) -> dict[str, int]:
    """Triples per named graph, read over the protocol."""
    response = requests.get(server.sparql, timeout=20, params={
        "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"},
        headers={"Accept": "application/sparql-results+json"})
    rows = response.json()["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def base_type(response: requests.Response) -> str:
    return response.headers["Content-Type"].split(";")[0].strip()


# --- SPARQLWrapper: every query form, every result format, GET and POST -------------------

@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_result_format(live_server, expected, fmt: str, method: str) -> None:
    systems = [str(s) for s in expected.query(SYSTEMS_QUERY).column("system")]
    assert len(systems) == 11
    result = wrapper(live_server.sparql, SYSTEMS_QUERY, fmt, method).query()
    media = {JSON: "application/sparql-results+json", XML: "application/sparql-results+xml",
             CSV: "text/csv", TSV: "text/tab-separated-values"}[fmt]
    assert result.info()["content-type"] == f"{media}; charset=utf-8"
    answer = result.convert()
    if fmt == JSON:
        got = [b["system"]["value"] for b in answer["results"]["bindings"]]
    elif fmt == XML:
        got = [u.firstChild.data for u in answer.getElementsByTagName("uri")]
    elif fmt == CSV:
        got = answer.decode().splitlines()[1:]
    else:
        got = [line.strip("<>") for line in answer.decode().splitlines()[1:]]
    assert got == systems


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask_in_json_and_xml(live_server, fmt: str, method: str) -> None:
    for query, truth in ((f"ASK {{ <{ENTERPRISE}> ?p ?o }}", True),
                         ("ASK { <https://example.org/nothing> ?p ?o }", False)):
        answer = wrapper(live_server.sparql, query, fmt, method).query().convert()
        if fmt == JSON:
            assert answer["boolean"] is truth
        else:
            text = answer.getElementsByTagName("boolean")[0].firstChild.data
            assert text == str(truth).lower()


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("query", [CONSTRUCT_QUERY, DESCRIBE_QUERY], ids=["construct", "describe"])
@pytest.mark.parametrize("fmt", [TURTLE, N3, RDFXML, XML, JSONLD])
def test_graph_queries_in_every_rdf_format(live_server, expected, query: str, fmt: str,
                                           method: str) -> None:
    reference = expected.query(CONSTRUCT_QUERY).graph
    assert len(reference) > 5
    result = wrapper(live_server.sparql, query, fmt, method).query()
    media = {TURTLE: "text/turtle", N3: "text/turtle", RDFXML: "application/rdf+xml",
             XML: "application/rdf+xml", JSONLD: "application/ld+json"}[fmt]
    assert result.info()["content-type"] == f"{media}; charset=utf-8"
    answer = result.convert()
    graph = answer if isinstance(answer, Graph) else Graph().parse(data=answer, format="turtle")
    # Oxigraph's DESCRIBE is the concise bounded description: here the same triples.
    assert isomorphic(graph, reference)


@pytest.mark.parametrize("method", [GET, POST])
def test_graph_queries_in_n_triples_n_quads_and_trig(live_server, expected, method) -> None:
    reference = expected.query(CONSTRUCT_QUERY).graph
    for media, parser in (("application/n-triples", "nt"), ("application/n-quads", "nquads"),
                          ("application/trig", "trig")):
        client = wrapper(live_server.sparql, CONSTRUCT_QUERY, TURTLE, method)
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", media)
        result = client.query()
        assert result.info()["content-type"] == f"{media}; charset=utf-8"
        body = result.response.read()
        if parser == "nt":
            graph = Graph().parse(data=body, format="nt")
        else:
            from rdflib import Dataset

            graph = Graph()
            for triple in Dataset().parse(data=body, format=parser).triples((None, None, None)):
                graph.add(triple)
        assert isomorphic(graph, reference), media


def test_post_directly_and_malformed_query_errors_reach_sparqlwrapper(live_server) -> None:
    client = wrapper(live_server.sparql, SYSTEMS_QUERY, JSON, POST)
    client.setRequestMethod(POSTDIRECTLY)
    assert len(client.query().convert()["results"]["bindings"]) == 11
    bad = wrapper(live_server.sparql, "SELECT * WHERE { ?s ?p }", JSON, GET)
    with pytest.raises(QueryBadFormed) as error:
        bad.query()
    assert "error at 1:" in str(error.value)


# --- rdflib's SPARQLStore and SPARQLUpdateStore --------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparql_store_reads_the_sample(live_server, expected, method: str) -> None:
    store = SPARQLStore(query_endpoint=live_server.sparql, method=method)
    graph = Graph(store=store)
    rows = [str(row[0]) for row in graph.query(SYSTEMS_QUERY)]
    assert rows == [str(s) for s in expected.query(SYSTEMS_QUERY).column("system")]
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    assert list(graph.objects(URIRef(ENTERPRISE), label)) == [
        Literal("Skyward Dynamics", lang="en")]
    constructed = graph.query(CONSTRUCT_QUERY).graph
    assert isomorphic(constructed, expected.query(CONSTRUCT_QUERY).graph)
    store.close()


@pytest.mark.embedded_only  # Oxigraph server refuses USING with a union default graph
def test_rdflib_sparql_update_store_writes_with_the_token(writable_server) -> None:
    target = URIRef("https://example.org/g/written-by-rdflib")
    subject = URIRef("https://example.org/thing")
    predicate = URIRef("https://example.org/says")
    store = SPARQLUpdateStore(query_endpoint=writable_server.sparql,
                              update_endpoint=writable_server.sparql,
                              headers={"Authorization": f"Bearer {TOKEN}"})
    graph = Graph(store=store, identifier=target)
    graph.add((subject, predicate, Literal("hello")))
    graph.add((subject, predicate, Literal(42)))
    assert graph_counts(writable_server)[str(target)] == 2
    assert set(graph.objects(subject, predicate)) == {Literal("hello"), Literal(42)}
    graph.remove((subject, predicate, Literal("hello")))
    assert graph_counts(writable_server)[str(target)] == 1
    store.close()

    anonymous = SPARQLUpdateStore(query_endpoint=writable_server.sparql,
                                  update_endpoint=writable_server.sparql)
    with pytest.raises(urllib.error.HTTPError) as error:
        Graph(store=anonymous, identifier=target).add((subject, predicate, Literal("no")))
    assert error.value.code == 403
    assert graph_counts(writable_server)[str(target)] == 1


# --- W3C protocol manifest: positive query cases -------------------------------------------

@pytest.fixture()
def kasei_server(writable_server):
    """A writable server holding the manifest's data graphs data1..data3 (data0 stays empty)."""
    assert update(writable_server, FOAF_DATA).status_code == 204
    return writable_server


RESULT_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")
RDF_TYPES = ("application/rdf+xml", "text/turtle", "application/n-triples", "text/html",
             "application/ld+json")


def test_query_get(live_server) -> None:
    response = requests.get(live_server.sparql, timeout=10,
                            params={"query": "ASK {}", "default-graph-uri": D0})
    assert response.status_code == 200 and base_type(response) in RESULT_TYPES
    assert response.json()["boolean"] is True


def test_query_post_form(live_server) -> None:
    response = requests.post(live_server.sparql, timeout=10,
                             data={"query": "ASK {}", "default-graph-uri": D0})
    assert response.request.headers["Content-Type"] == FORM
    assert response.status_code == 200 and base_type(response) in RESULT_TYPES
    assert response.json()["boolean"] is True


def test_query_post_direct(live_server) -> None:
    response = requests.post(live_server.sparql, params={"default-graph-uri": D0}, timeout=10,
                             data=b"ASK {}", headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200 and base_type(response) in RESULT_TYPES
    assert response.json()["boolean"] is True


def test_query_dataset_default_graph(kasei_server) -> None:
    response = requests.post(kasei_server.sparql, timeout=10, data={
        "query": f"ASK {{ <{D1}> ?p ?o }}", "default-graph-uri": D1})
    assert response.status_code == 200 and response.json()["boolean"] is True
    # The protocol's default graph replaces our union default graph: data1 is not in data3.
    assert ask(kasei_server, f"ASK {{ <{D1}> ?p ?o }}", **{"default-graph-uri": D3}) is False
    assert ask(kasei_server, f"ASK {{ <{D1}> ?p ?o }}") is True


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_dataset_default_graphs(kasei_server, method: str) -> None:
    query = f"ASK {{ <{D1}> a ?type . <{D2}> a ?type . }}"
    params = [("query", query), ("default-graph-uri", D1), ("default-graph-uri", D2)]
    if method == "GET":
        response = requests.get(kasei_server.sparql, params=params, timeout=10)
    else:
        response = requests.post(kasei_server.sparql, data=params, timeout=10)
    assert response.status_code == 200 and response.json()["boolean"] is True
    only_one = [("query", query), ("default-graph-uri", D1)]
    assert requests.get(kasei_server.sparql, params=only_one, timeout=10).json()["boolean"] \
        is False


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_dataset_named_graphs(kasei_server, method: str) -> None:
    query = (f"ASK {{ GRAPH ?g1 {{ <{D1}> a ?type }} GRAPH ?g2 {{ <{D2}> a ?type }} }}")
    params = [("query", query), ("named-graph-uri", D1), ("named-graph-uri", D2)]
    send = requests.get if method == "GET" else requests.post
    key = "params" if method == "GET" else "data"
    response = send(kasei_server.sparql, timeout=10, **{key: params})
    assert response.status_code == 200 and response.json()["boolean"] is True
    graphs = requests.get(kasei_server.sparql, timeout=10, params=[
        ("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"),
        ("named-graph-uri", D1), ("named-graph-uri", D2)]).json()["results"]["bindings"]
    assert {row["g"]["value"] for row in graphs} == {D1, D2}


def test_query_dataset_full(kasei_server) -> None:
    query = f"""ASK {{
      <{D3}> a ?type
      GRAPH ?g1 {{ <{D1}> a ?type }}
      GRAPH ?g2 {{ <{D2}> a ?type }}
    }}"""
    data = [("query", query), ("default-graph-uri", D3), ("named-graph-uri", D1),
            ("named-graph-uri", D2)]
    response = requests.post(kasei_server.sparql, data=data, timeout=10)
    assert response.status_code == 200 and response.json()["boolean"] is True
    swapped = [("query", query), ("default-graph-uri", D1), ("named-graph-uri", D3),
               ("named-graph-uri", D2)]
    assert requests.post(kasei_server.sparql, data=swapped, timeout=10).json()["boolean"] \
        is False


@pytest.mark.embedded_only  # FROM over a union-default-graph Oxigraph server differs
def test_query_multiple_dataset(kasei_server) -> None:
    query = (f"ASK FROM <{D3}> {{ GRAPH ?g1 {{ <{D1}> a ?type }} "
             f"GRAPH ?g2 {{ <{D2}> a ?type }} }}")
    data = [("query", query), ("named-graph-uri", D1), ("named-graph-uri", D2)]
    response = requests.post(kasei_server.sparql, data=data, timeout=10)
    assert response.status_code == 200 and response.json()["boolean"] is True
    # Without protocol parameters the query's own FROM is honoured, not the union.
    assert ask(kasei_server, f"ASK FROM <{D3}> {{ <{D1}> ?p ?o }}") is False
    assert ask(kasei_server, f"ASK FROM <{D1}> {{ <{D1}> ?p ?o }}") is True
    # ... and protocol parameters override it.
    assert ask(kasei_server, f"ASK FROM <{D3}> {{ <{D1}> ?p ?o }}",
               **{"default-graph-uri": D1}) is True


@pytest.mark.parametrize(("query", "allowed", "expected_type"), [
    ("SELECT (1 AS ?value) {}", (*RESULT_TYPES, "text/tab-separated-values", "text/csv"),
     "application/sparql-results+json"),
    ("ASK {}", RESULT_TYPES, "application/sparql-results+json"),
    ("DESCRIBE <http://example.org/>", RDF_TYPES, "text/turtle"),
    ("CONSTRUCT { <s> <p> 1 } WHERE {}", RDF_TYPES, "text/turtle"),
], ids=["select", "ask", "describe", "construct"])
def test_query_content_type(live_server, query: str, allowed: tuple, expected_type) -> None:
    response = requests.post(live_server.sparql, timeout=10,
                             data={"query": query, "default-graph-uri": D0})
    assert response.status_code == 200
    assert base_type(response) in allowed
    assert response.headers["Content-Type"] == f"{expected_type}; charset=utf-8"
    assert "Accept" in response.headers["Vary"]


# --- W3C protocol manifest: positive update cases ------------------------------------------

PREFIXES = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"


def xml_boolean(response: requests.Response) -> bool:
    assert response.status_code == 200, response.text
    assert base_type(response) == "application/sparql-results+xml"
    document = xml.dom.minidom.parseString(response.content)
    return document.getElementsByTagName("boolean")[0].firstChild.data == "true"


def ask_xml(server, query: str) -> bool:
    return xml_boolean(requests.post(
        server.sparql, data=query.encode(), timeout=10,
        headers={"Content-Type": "application/sparql-query",
                 "Accept": "application/sparql-results+xml"}))


@pytest.mark.embedded_only  # Oxigraph server refuses USING with a union default graph
def test_update_dataset_default_graph(writable_server) -> None:
    text = PREFIXES + f"""CLEAR ALL ;
INSERT DATA {{ GRAPH <{D1}> {{ <{D1}> a foaf:Document }} }} ;
INSERT {{ GRAPH <http://example.org/protocol-update-dataset-test/> {{
    ?s a dc:BibliographicResource }} }}
WHERE {{ ?s a foaf:Document }}"""
    response = requests.post(writable_server.sparql, params={"using-graph-uri": D1},
                             data={"update": text}, headers=AUTH, timeout=10)
    assert response.status_code == 204, response.text
    assert ask_xml(writable_server, f"""ASK {{
      GRAPH <http://example.org/protocol-update-dataset-test/> {{
        <{D1}> a <http://purl.org/dc/terms/BibliographicResource> }} }}""")


def dataset_update(server, where: str, target: str, params: list) -> None:
    text = PREFIXES + f"""DROP ALL ;
{FOAF_DATA.split(chr(10), 1)[1]} ;
INSERT {{ GRAPH <{target}> {{ {"?s <http://example.org/in> ?in" if "?in" in where
                               else "?s a dc:BibliographicResource"} }} }}
WHERE {{ {where} }}"""
    response = requests.post(server.sparql, params=params, data={"update": text}, headers=AUTH,
                             timeout=10)
    assert response.status_code == 204, response.text


@pytest.mark.embedded_only  # Oxigraph server refuses USING with a union default graph
def test_update_dataset_default_graphs(writable_server) -> None:
    target = "http://example.org/protocol-update-dataset-graphs-test/"
    dataset_update(writable_server, "?s a foaf:Document", target,
                   [("using-graph-uri", D1), ("using-graph-uri", D2)])
    assert ask_xml(writable_server, f"""ASK {{
      GRAPH <{target}> {{
        <{D1}> a <http://purl.org/dc/terms/BibliographicResource> .
        <{D2}> a <http://purl.org/dc/terms/BibliographicResource> . }}
      FILTER NOT EXISTS {{ GRAPH <{target}> {{
        <{D3}> a <http://purl.org/dc/terms/BibliographicResource> . }} }} }}""")


@pytest.mark.embedded_only  # Oxigraph server refuses USING with a union default graph
def test_update_dataset_named_graphs(writable_server) -> None:
    target = "http://example.org/protocol-update-dataset-named-graphs-test/"
    dataset_update(writable_server, "GRAPH ?g { ?s a foaf:Document }", target,
                   [("using-named-graph-uri", D1), ("using-named-graph-uri", D2)])
    assert ask_xml(writable_server, f"""ASK {{
      GRAPH <{target}> {{
        <{D1}> a <http://purl.org/dc/terms/BibliographicResource> .
        <{D2}> a <http://purl.org/dc/terms/BibliographicResource> . }}
      FILTER NOT EXISTS {{ GRAPH <{target}> {{
        <{D3}> a <http://purl.org/dc/terms/BibliographicResource> . }} }} }}""")


@pytest.mark.embedded_only  # Oxigraph server refuses USING with a union default graph
def test_update_dataset_full(writable_server) -> None:
    target = "http://example.org/protocol-update-dataset-full-test/"
    where = """{ GRAPH ?g { ?s a foaf:Document } BIND(?g AS ?in) }
      UNION { ?s a foaf:Document . BIND("default" AS ?in) }"""
    dataset_update(writable_server, where, target,
                   [("using-graph-uri", D1), ("using-named-graph-uri", D2)])
    assert ask_xml(writable_server, f"""ASK {{
      GRAPH <{target}> {{
        <{D1}> <http://example.org/in> "default" .
        <{D2}> <http://example.org/in> <{D2}> . }}
      FILTER NOT EXISTS {{ GRAPH <{target}> {{ <{D3}> ?p ?o }} }} }}""")


def test_update_post_form(writable_server) -> None:
    assert graph_counts(writable_server)
    response = requests.post(writable_server.sparql, data={"update": "CLEAR ALL"}, headers=AUTH,
                             timeout=10)
    assert response.status_code == 204 and response.content == b""
    assert "Content-Type" not in response.headers
    assert graph_counts(writable_server) == {}


def test_update_post_direct(writable_server) -> None:
    assert graph_counts(writable_server)
    response = update(writable_server, "CLEAR ALL")
    assert response.status_code == 204
    assert graph_counts(writable_server) == {}


def test_update_base_uri(writable_server) -> None:
    graph = "http://example.org/protocol-base-test/"
    response = requests.post(writable_server.sparql, headers=AUTH, timeout=10, data={
        "update": f"CLEAR SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> {{ "
                  "<http://example.org/s> <http://example.org/p> <test> } }"})
    assert response.status_code == 204, response.text
    response = requests.post(writable_server.sparql, timeout=10, data={
        "query": f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ "
                 "<http://example.org/s> <http://example.org/p> ?o } }"},
        headers={"Accept": "application/sparql-results+xml"})
    assert base_type(response) == "application/sparql-results+xml"
    values = [u.firstChild.data for u in
              xml.dom.minidom.parseString(response.content).getElementsByTagName("uri")]
    # The service's base IRI is the endpoint URL.
    assert values == [urljoin(writable_server.sparql, "test")]


def test_relative_iris_in_queries_resolve_against_the_endpoint(live_server) -> None:
    def iri(query: str) -> str:
        response = requests.get(live_server.sparql, params={"query": query}, timeout=10)
        return response.json()["results"]["bindings"][0]["iri"]["value"]

    assert iri("SELECT (<x> AS ?iri) {}") == urljoin(live_server.sparql, "x")
    assert iri("BASE <http://example.org/a/> SELECT (<x> AS ?iri) {}") == "http://example.org/a/x"


# --- W3C protocol manifest: negative cases --------------------------------------------------

def assert_plain_error(response: requests.Response, status: int, *fragments: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    for fragment in fragments:
        assert fragment in response.text


def test_bad_query_method(live_server) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = requests.request(method, live_server.sparql, timeout=10,
                                    params={"query": "ASK {}", "default-graph-uri": D0})
        assert_plain_error(response, 405)
        assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_bad_multiple_queries(live_server) -> None:
    response = requests.get(live_server.sparql, timeout=10, params=[
        ("query", "ASK {}"), ("query", "SELECT * {}"), ("default-graph-uri", D0)])
    assert_plain_error(response, 400, "exactly one 'query'")
    in_url_and_body = requests.post(live_server.sparql, params={"query": "ASK {}"},
                                    data={"query": "ASK {}"}, timeout=10)
    assert_plain_error(in_url_and_body, 400, "exactly one 'query'")


def test_bad_query_wrong_media_type(live_server) -> None:
    response = requests.post(live_server.sparql, params={"default-graph-uri": D0}, timeout=10,
                             data=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert_plain_error(response, 415, "text/plain")


def test_bad_query_missing_form_type(live_server) -> None:
    body = urllib.parse.urlencode({"query": "ASK {}", "default-graph-uri": D0}).encode()
    response = requests.post(live_server.sparql, data=body, timeout=10)
    assert "Content-Type" not in response.request.headers
    assert_plain_error(response, 415, "needs a Content-Type")


def test_bad_query_missing_direct_type(live_server) -> None:
    response = requests.post(live_server.sparql, params={"default-graph-uri": D0},
                             data=b"ASK {}", timeout=10)
    assert "Content-Type" not in response.request.headers
    assert_plain_error(response, 415)


def test_bad_query_non_utf8(live_server) -> None:
    response = requests.post(
        live_server.sparql, params={"default-graph-uri": D0}, timeout=10,
        data="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert_plain_error(response, 415, "UTF-8")
    # Bytes that are not UTF-8 under no (or a UTF-8) charset are a bad request.
    latin = requests.post(live_server.sparql, data="ASK { ?s ?p 'é' }".encode("latin-1"),
                          headers={"Content-Type": "application/sparql-query"}, timeout=10)
    assert_plain_error(latin, 400, "UTF-8")
    form = requests.post(live_server.sparql, data=b"query=ASK%20%7B%20%3Fs%20%3Fp%20%27%E9%27%7D",
                         headers={"Content-Type": FORM}, timeout=10)
    assert_plain_error(form, 400, "UTF-8")


def test_bad_query_syntax(live_server) -> None:
    response = requests.get(live_server.sparql, timeout=10,
                            params={"query": "ASK {", "default-graph-uri": D0})
    assert_plain_error(response, 400, "malformed query", "error at 1:6")
    # Positions are counted in the client's text, whatever the service adds in front.
    multiline = requests.post(live_server.sparql, timeout=10, data={
        "query": "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?x = ) }"})
    assert_plain_error(multiline, 400, "error at 3:")


def test_bad_update_get(writable_server) -> None:
    before = graph_counts(writable_server)
    response = requests.get(writable_server.sparql, headers=AUTH, timeout=10, params={
        "update": "CLEAR ALL", "using-graph-uri": D0})
    assert_plain_error(response, 400, "POST")
    assert graph_counts(writable_server) == before


def test_bad_multiple_updates(writable_server) -> None:
    before = graph_counts(writable_server)
    response = requests.post(writable_server.sparql, params={"using-graph-uri": D0},
                             headers=AUTH, timeout=10,
                             data=[("update", "CLEAR ALL"), ("update", "CLEAR DEFAULT")])
    assert_plain_error(response, 400, "exactly one 'update'")
    assert graph_counts(writable_server) == before


def test_bad_update_wrong_media_type(writable_server) -> None:
    before = graph_counts(writable_server)
    response = requests.post(writable_server.sparql, params={"using-graph-uri": D0}, timeout=10,
                             data=b"CLEAR NAMED", headers={"Content-Type": "text/plain", **AUTH})
    assert_plain_error(response, 415)
    assert graph_counts(writable_server) == before


def test_bad_update_missing_form_type(writable_server) -> None:
    before = graph_counts(writable_server)
    response = requests.post(writable_server.sparql, params={"using-graph-uri": D0}, timeout=10,
                             data=b"update=CLEAR%20NAMED", headers=AUTH)
    assert_plain_error(response, 415)
    assert graph_counts(writable_server) == before


def test_bad_update_non_utf8(writable_server) -> None:
    before = graph_counts(writable_server)
    response = requests.post(
        writable_server.sparql, params={"using-graph-uri": D0}, timeout=10,
        data="CLEAR NAMED".encode("utf-16"),
        headers={"Content-Type": "application/sparql-update; charset=UTF-16", **AUTH})
    assert_plain_error(response, 415, "UTF-8")
    assert graph_counts(writable_server) == before


def test_bad_update_syntax(writable_server) -> None:
    response = requests.post(writable_server.sparql, params={"using-graph-uri": D0},
                             headers=AUTH, data={"update": "CLEAR XYZ"}, timeout=10)
    assert_plain_error(response, 400, "malformed update", "error at 1:10")


@pytest.mark.embedded_only  # Oxigraph server refuses USING with a union default graph
@pytest.mark.parametrize("clause", ["WITH <http://example/addresses>\n",
                                    "", "USING <http://example/addresses>\n"])
def test_bad_update_dataset_conflict(writable_server, clause: str) -> None:
    before = graph_counts(writable_server)
    using_after = clause.startswith("USING")
    text = ("PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
            + ("" if using_after else clause)
            + "DELETE { ?person foaf:givenName 'Bill' }\n"
            "INSERT { ?person foaf:givenName 'William' }\n"
            + (clause if using_after else "")
            + "WHERE { ?person foaf:givenName 'Bill' }\n")
    response = requests.post(writable_server.sparql, headers=AUTH, timeout=10, data={
        "using-named-graph-uri": "http://example/people", "update": text})
    if clause:
        assert_plain_error(response, 400, "allows only one")
    else:  # the same update without its own dataset is fine
        assert response.status_code == 204, response.text
    assert graph_counts(writable_server) == before


# --- using-graph-uri: only checked IRIs enter the update ------------------------------------

@pytest.mark.embedded_only  # Oxigraph server refuses USING with a union default graph
def test_using_parameters_are_checked_iris_and_need_a_where(writable_server) -> None:
    before = graph_counts(writable_server)
    insert = ("INSERT { GRAPH <https://example.org/out> { ?s ?p ?o } } "
              "WHERE { ?s ?p ?o }")
    injection = "http://x/> } ; DROP ALL ; INSERT DATA { <a> <b> <c"
    for params, fragment in (
        ({"using-graph-uri": injection}, "not an absolute IRI"),
        ({"using-graph-uri": "relative/graph"}, "not an absolute IRI"),
        ({"using-named-graph-uri": "http://x/ y"}, "not an absolute IRI"),
    ):
        response = update(writable_server, insert, params=params)
        assert_plain_error(response, 400, fragment)
    shorthand = update(writable_server, "DELETE WHERE { ?s ?p ?o }",
                       params={"using-graph-uri": D1})
    assert_plain_error(shorthand, 400, "DELETE WHERE")
    assert graph_counts(writable_server) == before
    # Operations without a WHERE read no dataset: the parameters leave them as they are.
    assert update(writable_server, FOAF_DATA, params={"using-graph-uri": D1}).status_code == 204
    # A WHERE inside a string, a comment or a prefixed name is not a WHERE clause.
    tricky = ("PREFIX ex: <https://example.org/>\n"
              "INSERT { GRAPH ex:out { ?s ex:where 'WHERE' } } # no WHERE here\n"
              "WHERE { GRAPH ?g { ?s a ?type } }")
    response = update(writable_server, tricky, params={"using-named-graph-uri": D1})
    assert response.status_code == 204, response.text
    assert graph_counts(writable_server)["https://example.org/out"] == 1
    assert ask(writable_server, f"ASK {{ GRAPH <https://example.org/out> {{ <{D1}> ?p ?o }} }}")


# --- security: token, LOAD, SERVICE ---------------------------------------------------------

INSERT_MARKER = "INSERT DATA { GRAPH <https://example.org/g/marker> { <urn:a> <urn:b> 1 } }"


def test_updates_need_the_configured_token(live_server, writable_server) -> None:
    for server, headers, reason in (
        (live_server, AUTH, "read-only"),
        (writable_server, {}, "Bearer"),
        (writable_server, {"Authorization": "Bearer wrong-token"}, "Bearer"),
        (writable_server, {"Authorization": f"Basic {TOKEN}"}, "Bearer"),
    ):
        for content_type, body in (("application/sparql-update", INSERT_MARKER.encode()),
                                   (FORM, urllib.parse.urlencode({"update": INSERT_MARKER}))):
            response = requests.post(server.sparql, data=body, timeout=10,
                                     headers={"Content-Type": content_type, **headers})
            assert_plain_error(response, 403, reason)
        assert "https://example.org/g/marker" not in graph_counts(server)
    assert update(writable_server, INSERT_MARKER).status_code == 204
    assert graph_counts(writable_server)["https://example.org/g/marker"] == 1


def test_load_is_refused_even_with_the_token(writable_server) -> None:
    far = "<http://127.0.0.1:9/data.ttl>"
    for text in (f"LOAD {far}", f"{INSERT_MARKER} ;\nLOAD SILENT {far} INTO GRAPH <urn:g>"):
        assert_plain_error(update(writable_server, text), 403, "LOAD")
    assert "https://example.org/g/marker" not in graph_counts(writable_server)


def test_service_to_an_endpoint_not_allowed_is_refused(live_server, writable_server) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    for response in (
        requests.get(live_server.sparql, params={"query": query}, timeout=10),
        requests.post(live_server.sparql, data={"query": query}, timeout=10),
        requests.post(live_server.sparql, data=query.encode(), timeout=10,
                      headers={"Content-Type": "application/sparql-query"}),
        update(writable_server, "INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { "
                                "SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"),
    ):
        assert_plain_error(response, 403, "allow-list")


def test_service_to_an_allowed_endpoint_works(make_server, empty_oxigraph) -> None:
    request = urllib.request.Request(
        empty_oxigraph.update_endpoint, method="POST",
        data=b"INSERT DATA { <https://example.org/remote> <https://example.org/p> 'far away' }",
        headers={"Content-Type": "application/sparql-update"})
    urllib.request.urlopen(request, timeout=10).close()
    server = make_server(federation_allowlist=(empty_oxigraph.query_endpoint,))
    query = (f"SELECT ?o WHERE {{ SERVICE <{empty_oxigraph.query_endpoint}> "
             "{ <https://example.org/remote> ?p ?o } }")
    answer = wrapper(server.sparql, query, JSON, GET).query().convert()
    assert [b["o"]["value"] for b in answer["results"]["bindings"]] == ["far away"]
    other = requests.get(server.sparql, timeout=10, params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert_plain_error(other, 403, "allow-list")


# --- limits and atomicity -------------------------------------------------------------------

@pytest.mark.embedded_only  # worker processes of the embedded store
def test_a_query_past_the_time_limit_answers_503_and_the_server_goes_on(make_server) -> None:
    server = make_server(query_timeout=1)
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    response = requests.post(server.sparql, data={"query": heavy}, timeout=30)
    elapsed = time.monotonic() - started
    assert_plain_error(response, 503, "longer than 1 s")
    assert elapsed < 5
    assert server.app.extensions["custvalue_kg"].metrics.query_timeouts == 1
    assert ask(server, f"ASK {{ <{ENTERPRISE}> ?p ?o }}") is True


@pytest.mark.embedded_only  # atomicity of a remote update is the remote store's
def test_a_failing_update_leaves_nothing_behind(writable_server) -> None:
    before = graph_counts(writable_server)
    sample = "https://w3id.org/custvalue/graph/sample"
    for text, status in (
        # evaluation errors in the last operation: the earlier ones are rolled back
        (f"{INSERT_MARKER} ;\nDROP GRAPH <https://example.org/g/does-not-exist>", 500),
        (f"{INSERT_MARKER} ;\nCLEAR GRAPH <{sample}> ;\nCREATE GRAPH <{sample}>", 500),
        # a syntax error anywhere: nothing runs
        (f"{INSERT_MARKER} ;\nCLEAR GRAPH <{sample}> ;\nINSERT DATA {{ <urn:x> }}", 400),
    ):
        response = update(writable_server, text)
        assert_plain_error(response, status, "nothing of it was applied" if status == 500
                           else "malformed update")
        assert graph_counts(writable_server) == before
    # the same operations without the failing one do apply
    assert update(writable_server, f"{INSERT_MARKER} ;\nCLEAR GRAPH <{sample}>").status_code == 204
    after = graph_counts(writable_server)
    assert after["https://example.org/g/marker"] == 1 and sample not in after


# --- content negotiation --------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
    ("text/tab-separated-values;q=0.9, application/sparql-results+json;q=0.1",
     "text/tab-separated-values"),
    ("application/sparql-results+json;q=0.2, application/*;q=0.3, "
     "application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
     "application/sparql-results+xml"),
    ("text/html", "application/sparql-results+json"),  # nothing matches: the default
    (None, "application/sparql-results+json"),
])
def test_select_results_follow_accept_with_q_values(live_server, accept, media) -> None:
    # urllib, unlike requests, sends no Accept header unless told to
    request = urllib.request.Request(
        live_server.sparql + "?" + urllib.parse.urlencode({"query": SYSTEMS_QUERY}),
        headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == f"{media}; charset=utf-8"
        assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize(("accept", "media"), [
    ("application/rdf+xml;q=0.3, application/n-triples;q=0.8", "application/n-triples"),
    ("application/n-quads", "application/n-quads"),
    ("application/trig, text/turtle;q=0.5", "application/trig"),
    ("application/ld+json", "application/ld+json"),
    ("application/sparql-results+json", "text/turtle"),  # nothing matches: the default
])
def test_graph_results_follow_accept_with_q_values(live_server, accept, media) -> None:
    response = requests.get(live_server.sparql, params={"query": CONSTRUCT_QUERY},
                            headers={"Accept": accept}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{media}; charset=utf-8"


def test_a_client_that_excludes_every_format_gets_406(live_server) -> None:
    for query, accept in ((SYSTEMS_QUERY, "*/*;q=0"),
                          (SYSTEMS_QUERY, "application/sparql-results+json;q=0, text/html"),
                          (CONSTRUCT_QUERY, "text/turtle;q=0, text/html")):
        response = requests.get(live_server.sparql, params={"query": query},
                                headers={"Accept": accept}, timeout=10)
        assert_plain_error(response, 406)


@pytest.mark.parametrize(("query", "fmt", "media"), [
    (SYSTEMS_QUERY, "csv", "text/csv"),
    (SYSTEMS_QUERY, "tsv", "text/tab-separated-values"),
    (SYSTEMS_QUERY, "xml", "application/sparql-results+xml"),
    ("ASK {}", "json", "application/sparql-results+json"),
    (CONSTRUCT_QUERY, "ntriples", "application/n-triples"),
    (CONSTRUCT_QUERY, "rdfxml", "application/rdf+xml"),
    (CONSTRUCT_QUERY, "jsonld", "application/ld+json"),
    (CONSTRUCT_QUERY, "nquads", "application/n-quads"),
    (CONSTRUCT_QUERY, "trig", "application/trig"),
    (DESCRIBE_QUERY, "turtle", "text/turtle"),
])
def test_the_format_parameter_overrides_accept(live_server, query, fmt, media) -> None:
    for send in ("GET", "POST"):
        arguments = {"query": query, "format": fmt}
        response = requests.request(send, live_server.sparql, timeout=10,
                                    headers={"Accept": "application/sparql-results+json, "
                                                       "text/turtle"},
                                    **({"params": arguments} if send == "GET"
                                       else {"data": arguments}))
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == f"{media}; charset=utf-8"


def test_a_format_that_does_not_fit_the_query_is_a_bad_request(live_server) -> None:
    for query, fmt in ((SYSTEMS_QUERY, "turtle"), (CONSTRUCT_QUERY, "csv"),
                       (SYSTEMS_QUERY, "bogus")):
        response = requests.get(live_server.sparql, params={"query": query, "format": fmt},
                                timeout=10)
        assert_plain_error(response, 400, fmt)


def test_head_answers_like_get_without_a_body(live_server) -> None:
    response = requests.head(live_server.sparql, params={"query": "ASK {}"}, timeout=10)
    assert response.status_code == 200 and response.content == b""
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"


# --- the library under the endpoint: a query's own FROM wins over the union default graph ----

def test_the_library_honours_from_and_from_named(expected) -> None:
    from custvalue_kg.parameters import has_dataset_clause

    sample = "https://w3id.org/custvalue/graph/sample"
    ontology = "https://w3id.org/custvalue/graph/ontology"
    enterprise = f"{{ <{ENTERPRISE}> ?p ?o }}"
    assert expected.query(f"ASK {enterprise}").boolean is True
    assert expected.query(f"ASK FROM <{ontology}> {enterprise}").boolean is False
    assert expected.query(f"ASK FROM <{sample}> {enterprise}").boolean is True
    assert expected.query(f"ASK FROM NAMED <{ontology}> {{ GRAPH ?g {enterprise} }}").boolean \
        is False
    assert has_dataset_clause("PREFIX g: <https://w3id.org/custvalue/graph/>\n"
                              "SELECT * FROM g:sample WHERE { ?s ?p ?o }")
    for text in ("SELECT ?from WHERE { ?from ?p 'FROM <urn:x>' }  # FROM <urn:y>",
                 "PREFIX ex: <https://example.org/> SELECT * WHERE { ?s ex:from ?o }",
                 "SELECT * WHERE { <https://example.org/FROM> ?p ?o }"):
        assert not has_dataset_clause(text), text
