"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graph-store, over real HTTP to the real
service under waitress.

The first group follows the W3C graph-store-protocol test manifest case by case (with the
graphs named directly, `$GRAPHSTORE$/person/1.ttl`, as the manifest does); the rest covers the
token rule, errors, content negotiation, multipart uploads and the all-or-nothing writes.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar

import pyoxigraph as ox
import pytest
import requests
from conftest import TOKEN, LiveServer, OxigraphServer
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from custvalue_kg.kg import SAMPLE_GRAPH, KnowledgeGraph

FOAF = Namespace("http://xmlns.com/foaf/0.1/")
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = "text/turtle; charset=utf-8"
PREFIXES = ("@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
            "@prefix v: <http://www.w3.org/2006/vcard/ns#> .\n")
ALICE = PREFIXES + '[] a foaf:Person; foaf:businessCard [ a v:VCard; v:given-name "Alice" ] .\n'


def store_url(server: LiveServer) -> str:
    return server.base + "/rdf-graph-store"


def person(server: LiveServer, n: int = 1) -> str:
    """The manifest's $GRAPHSTORE$/person/N.ttl: a graph named by its own URL."""
    return f"{store_url(server)}/person/{n}.ttl"


def card(subject: str, fn: str) -> str:
    return PREFIXES + f'<{subject}> a foaf:Person; foaf:businessCard [ a v:VCard; v:fn "{fn}" ].\n'


def turtle(text: str | bytes) -> Graph:
    return Graph().parse(data=text, format="turtle")


def write(method: str, url: str, body: str | bytes = b"", content_type: str | None = TURTLE,
          headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
    sent = dict(AUTH)
    if content_type is not None:
        sent["Content-Type"] = content_type
    sent.update(headers or {})
    data = body.encode() if isinstance(body, str) else body
    return requests.request(method, url, data=data, headers=sent, timeout=30, **kwargs)


def get_graph(url: str, **params: str) -> Graph:
    response = requests.get(url, params=params, headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == TURTLE
    return turtle(response.content)


# --- the W3C graph-store-protocol manifest ---------------------------------------------------


def test_put_initial_state_creates_the_graph(writable_server: LiveServer) -> None:
    url = person(writable_server)
    payload = card(url.removesuffix(".ttl"), "John Doe")
    response = write("PUT", url, payload)
    assert response.status_code == 201
    # GET of PUT - Initial state
    assert isomorphic(get_graph(url), turtle(payload))
    assert isomorphic(get_graph(store_url(writable_server), graph=url), turtle(payload))


def test_put_graph_already_in_store_replaces_it(writable_server: LiveServer) -> None:
    url = person(writable_server)
    subject = url.removesuffix(".ttl")
    assert write("PUT", url, card(subject, "John Doe")).status_code == 201
    response = write("PUT", url, card(subject, "Jane Doe"))
    assert response.status_code == 204
    assert response.content == b"" and "Content-Type" not in response.headers
    # GET of PUT - graph already in store: John is gone, not merged
    assert isomorphic(get_graph(url), turtle(card(subject, "Jane Doe")))


@pytest.mark.embedded_only  # the default graph of a remote store: 501
def test_put_default_graph_writes_the_stores_real_default_graph(
        writable_server: LiveServer) -> None:
    url = store_url(writable_server)
    response = write("PUT", url + "?default", ALICE)
    assert response.status_code == 201
    # GET of PUT - default graph
    assert isomorphic(get_graph(url, default=""), turtle(ALICE))
    oxigraph = writable_server.kg.store.oxigraph
    assert len(list(oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == 4
    assert writable_server.kg.store.has_graph(SAMPLE_GRAPH)  # the named graphs are untouched
    # a second PUT replaces the (now existing) default graph
    replacement = PREFIXES + "<http://example.org/bob> a foaf:Person .\n"
    assert write("PUT", url + "?default", replacement).status_code == 204
    assert isomorphic(get_graph(url, default=""), turtle(replacement))


@pytest.mark.embedded_only  # the default graph of a remote store: 501
def test_put_mismatched_payload_is_400_and_writes_nothing(writable_server: LiveServer) -> None:
    url = store_url(writable_server)
    rdf_xml = ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
               'syntax-ns#" xmlns:foaf="http://xmlns.com/foaf/0.1/">\n'
               '<foaf:Person rdf:about="http://example.org/jane"/>\n</rdf:RDF>\n')
    response = write("PUT", url + "?default", rdf_xml, content_type=TURTLE)
    assert response.status_code == 400
    assert "line 1" in response.text
    assert len(get_graph(url, default="")) == 0
    # the same document under its own media type is fine
    assert write("PUT", url + "?default", rdf_xml, "application/rdf+xml").status_code == 201
    assert len(get_graph(url, default="")) == 1


def test_put_empty_graph_creates_an_empty_graph(writable_server: LiveServer) -> None:
    url = person(writable_server, 2)
    assert write("PUT", url, "").status_code == 201
    # GET of PUT - empty graph: it exists, with no triples
    response = requests.get(url, headers={"Accept": "application/n-triples"}, timeout=30)
    assert response.status_code == 200
    assert response.content.strip() == b""
    assert requests.head(url, timeout=30).status_code == 200
    # an empty body needs no Content-Type; emptying a full graph keeps it
    assert write("PUT", url, card(url, "X")).status_code == 204
    assert write("PUT", url, "", content_type=None).status_code == 204
    assert len(get_graph(url)) == 0


def test_delete_existing_graph(writable_server: LiveServer) -> None:
    url = person(writable_server, 2)
    assert write("PUT", url, card(url, "Jane Doe")).status_code == 201
    response = write("DELETE", url, content_type=None)
    assert response.status_code == 204
    # GET of DELETE - existing graph
    assert requests.get(url, timeout=30).status_code == 404
    assert not writable_server.kg.store.has_graph(url)


def test_delete_nonexistent_graph_is_404(writable_server: LiveServer) -> None:
    response = write("DELETE", person(writable_server, 2), content_type=None)
    assert response.status_code == 404
    response = write("DELETE", store_url(writable_server) + "?graph=http://example.org/none",
                     content_type=None)
    assert response.status_code == 404


def test_post_existing_graph_merges(writable_server: LiveServer) -> None:
    url = person(writable_server)
    subject = url.removesuffix(".ttl")
    assert write("PUT", url, card(subject, "Jane Doe")).status_code == 201
    name = f'@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n<{subject}> foaf:name "Jane Doe" .\n'
    assert write("POST", url, name).status_code == 204
    # GET of POST - existing graph
    expected = PREFIXES + (f'<{subject}> a foaf:Person; foaf:name "Jane Doe"; '
                           'foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ] .\n')
    assert isomorphic(get_graph(url), turtle(expected))


def test_post_multipart_form_data_merges_every_part(writable_server: LiveServer) -> None:
    url = person(writable_server)
    subject = url.removesuffix(".ttl")
    before = card(subject, "Jane Doe")
    assert write("PUT", url, before).status_code == 201
    # The manifest's request, byte for byte apart from the host and CRLF line ends.
    boundary = "a6fe4cd636164618814be9f8d3d1a0de"
    parts = [("lastName.ttl", f'<{subject}> foaf:familyName "Doe" .'),
             ("firstName.ttl", f'<{subject}> foaf:givenName "Jane" .')]
    body = "".join(
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
        "Content-Type: text/turtle; charset=utf-8\r\n\r\n"
        f"@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n{text}\n\r\n"
        for name, text in parts) + f"--{boundary}--\r\n"
    response = write("POST", url, body, f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 204, response.text
    # GET of POST - multipart/form-data
    expected = PREFIXES + (f'<{subject}> a foaf:Person; foaf:givenName "Jane"; '
                           'foaf:familyName "Doe"; '
                           'foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ] .\n')
    assert isomorphic(get_graph(url), turtle(expected))


def test_post_to_the_graph_store_creates_a_new_graph(writable_server: LiveServer) -> None:
    url = store_url(writable_server)
    response = write("POST", url, ALICE)
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith(url + "/") and len(location) > len(url) + 20
    # GET of POST - create new graph, by ?graph= and by the Location itself
    assert isomorphic(get_graph(url, graph=location), turtle(ALICE))
    assert isomorphic(get_graph(location), turtle(ALICE))
    assert writable_server.kg.store.has_graph(location)
    # GET of POST - after noop: an empty POST changes nothing
    assert write("POST", location, "").status_code == 204
    assert isomorphic(get_graph(location), turtle(ALICE))
    # every POST to the store mints a new graph
    assert write("POST", url, ALICE).headers["Location"] != location


def test_head_on_an_existing_graph(writable_server: LiveServer) -> None:
    url = person(writable_server)
    assert write("PUT", url, card(url, "Jane Doe")).status_code == 201
    got = requests.get(url, timeout=30)
    response = requests.head(url, timeout=30)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Type"] == TURTLE
    assert response.headers["Content-Length"] == str(len(got.content))


def test_head_on_a_nonexisting_graph(live_server: LiveServer) -> None:
    assert requests.head(live_server.base + "/rdf-graph-store/person/4.ttl",
                         timeout=30).status_code == 404
    assert requests.head(live_server.base + "/rdf-graph-store",
                         params={"graph": "http://example.org/none"}, timeout=30).status_code == 404


# --- the token rule --------------------------------------------------------------------------

NO_TOKEN: dict[str, str] = {}
WRONG_TOKEN = {"Authorization": "Bearer not-the-token"}
WRONG_SCHEME = {"Authorization": f"Basic {TOKEN}"}


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
@pytest.mark.parametrize("headers", [NO_TOKEN, WRONG_TOKEN, WRONG_SCHEME],
                         ids=["none", "wrong", "basic"])
def test_every_write_needs_the_token(writable_server: LiveServer, method: str,
                                     headers: dict[str, str]) -> None:
    graph = f"{store_url(writable_server)}?graph={SAMPLE_GRAPH}"
    before = get_graph(graph)
    response = requests.request(method, graph, data=ALICE.encode(), timeout=30,
                                headers={"Content-Type": TURTLE, **headers})
    assert response.status_code == 403
    assert isomorphic(get_graph(graph), before)
    new = requests.request(method, store_url(writable_server) + "?graph=http://example.org/n",
                           data=ALICE.encode(), timeout=30,
                           headers={"Content-Type": TURTLE, **headers})
    assert new.status_code == 403
    assert not writable_server.kg.store.has_graph("http://example.org/n")


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_a_server_without_a_token_refuses_every_write(make_server, method: str) -> None:
    server = make_server()  # no update token configured: read-only
    graph = f"{store_url(server)}?graph={SAMPLE_GRAPH}"
    before = get_graph(graph)
    response = write(method, graph, ALICE)  # even with a bearer token
    assert response.status_code == 403
    assert "read-only" in response.text
    assert isomorphic(get_graph(graph), before)
    assert write("POST", store_url(server), ALICE).status_code == 403


# --- all or nothing -----------------------------------------------------------------------------


@pytest.mark.embedded_only  # the default graph of a remote store: 501
def test_a_syntax_error_names_line_and_column_and_keeps_the_previous_graph(
        writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    good = card("http://example.org/jane", "Jane Doe")
    assert write("PUT", url, good).status_code == 201
    broken = PREFIXES + '<http://example.org/jane> foaf:name "Jane" ;\n  foaf:knows <oops .\n'
    for method in ("PUT", "POST"):
        response = write(method, url, broken)
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("text/plain")
        assert "line 4, column" in response.text
        assert isomorphic(get_graph(url), turtle(good))
    response = write("PUT", store_url(writable_server) + "?default", broken)
    assert response.status_code == 400
    assert len(get_graph(store_url(writable_server), default="")) == 0


def test_a_bad_multipart_part_writes_no_part(writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    files = {"a": ("a.ttl", b"<http://example.org/a> <http://example.org/p> 1 .", "text/turtle"),
             "b": ("b.ttl", b"<http://example.org/b> <http://example.org/p> 2 .\n<oops",
                   "text/turtle")}
    response = requests.post(url, files=files, headers=AUTH, timeout=30)
    assert response.status_code == 400
    assert "part 2 (b.ttl), line 2" in response.text
    assert requests.get(url, timeout=30).status_code == 404


def test_multipart_parts_each_have_their_own_syntax(writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    jsonld = b'{"@id": "http://example.org/c", "http://example.org/p": [{"@id": "_:x"}]}'
    rdfxml = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
              b'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/d">'
              b'<ex:p>4</ex:p></rdf:Description></rdf:RDF>')
    files = [
        # a field without a file name: its Content-Type decides
        ("a", (None, b"<http://example.org/a> <http://example.org/p> _:x .",
               "application/n-triples")),
        # curl -F sends octet-stream for unknown files: the extension decides
        ("b", ("b.jsonld", jsonld, "application/octet-stream")),
        ("c", ("c.rdf", rdfxml, "application/rdf+xml")),
        ("d", ("d.ttl", b"<http://example.org/e> <http://example.org/p> _:x .", None)),
    ]
    response = requests.post(url, files=files, headers=AUTH, timeout=30)
    assert response.status_code == 201, response.text
    graph = get_graph(url)
    assert len(graph) == 4
    # _:x in three documents is three blank nodes: documents never share one by their labels
    objects = {o for o in graph.objects(None, URIRef("http://example.org/p"))}
    assert len([o for o in objects if isinstance(o, BNode)]) == 3
    assert Literal("4") in objects


def test_a_multipart_part_of_unknown_syntax_is_415(writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    files = {"a": ("a.csv", b"a,b\n1,2\n", "text/csv")}
    response = requests.post(url, files=files, headers=AUTH, timeout=30)
    assert response.status_code == 415
    assert "part 1 (a.csv)" in response.text
    assert write("PUT", url, b"--x--\r\n", "multipart/form-data; boundary=x").status_code == 415


def test_posting_twice_keeps_blank_nodes_apart(writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    doc = "_:x <http://example.org/p> 1 ."
    assert write("POST", url, doc).status_code == 201
    assert write("POST", url, doc).status_code == 204
    assert len(get_graph(url)) == 2


# --- errors --------------------------------------------------------------------------------------


def test_unsupported_content_types_are_415(writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    assert write("PUT", url, "a,b", "text/csv").status_code == 415
    assert write("POST", url, "x=1", "application/x-www-form-urlencoded").status_code == 415
    response = write("PUT", url, "<http://a> <http://b> <http://c> .", content_type=None)
    assert response.status_code == 415
    assert "Content-Type" in response.text
    assert requests.get(url, timeout=30).status_code == 404


@pytest.mark.parametrize("accept", ["text/html", "text/html, text/turtle;q=0",
                                    "application/sparql-results+json"])
def test_nothing_acceptable_is_406(live_server: LiveServer, accept: str) -> None:
    response = requests.get(store_url(live_server), params={"graph": SAMPLE_GRAPH},
                            headers={"Accept": accept}, timeout=30)
    assert response.status_code == 406
    assert "text/turtle" in response.text


@pytest.mark.parametrize("query", [
    {"graph": SAMPLE_GRAPH, "default": ""},   # both
    {},                                       # neither
    {"graph": "relative/graph"},              # not an absolute IRI
    {"graph": "http://example.org/a b"},      # not an IRI at all
    {"graph": [SAMPLE_GRAPH, SAMPLE_GRAPH]},  # twice
], ids=["both", "neither", "relative", "space", "twice"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_the_graph_must_be_named_once_and_absolutely(writable_server: LiveServer,
                                                     query: dict, method: str) -> None:
    response = write(method, store_url(writable_server), ALICE, params=query)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    assert writable_server.kg.store.has_graph(SAMPLE_GRAPH)


def test_post_naming_both_is_400_and_a_direct_url_takes_no_parameters(
        writable_server: LiveServer) -> None:
    url = store_url(writable_server)
    assert write("POST", url, ALICE, params={"graph": SAMPLE_GRAPH, "default": ""}) \
        .status_code == 400
    assert write("PUT", person(writable_server), ALICE, params={"default": ""}).status_code == 400
    assert requests.get(person(writable_server), params={"graph": SAMPLE_GRAPH},
                        timeout=30).status_code == 400


@pytest.mark.parametrize("content_type, body", [
    ("application/trig", "<http://example.org/g2> { <http://a.example/s> <http://a.example/p> 1 }"),
    ("application/n-quads", "<http://a.example/s> <http://a.example/p> <http://a.example/o> "
                            "<http://example.org/g2> ."),
    ("application/ld+json", '{"@id": "http://example.org/g2", "@graph": [{"@id": '
                            '"http://a.example/s", "http://a.example/p": 1}]}'),
])
def test_a_dataset_with_named_graphs_is_400(writable_server: LiveServer, content_type: str,
                                            body: str) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    response = write("PUT", url, body, content_type)
    assert response.status_code == 400
    assert "named graphs" in response.text
    assert not writable_server.kg.store.has_graph("http://example.org/g2")
    assert requests.get(url, timeout=30).status_code == 404


def test_a_dataset_syntax_with_only_default_triples_is_a_graph(
        writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    body = "{ <http://a.example/s> <http://a.example/p> 1 }"
    assert write("PUT", url, body, "application/trig").status_code == 201
    assert len(get_graph(url)) == 1


class _ContextServer(http.server.BaseHTTPRequestHandler):
    """Serves a perfectly good JSON-LD context, so that fetching it would succeed."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = b'{"@context": {"name": "http://xmlns.com/foaf/0.1/name"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def context_server() -> Iterator[tuple[str, list[str]]]:
    _ContextServer.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ContextServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/ctx", _ContextServer.hits
    httpd.shutdown()
    httpd.server_close()


def test_json_ld_remote_contexts_are_never_fetched(writable_server: LiveServer,
                                                   context_server) -> None:
    context_url, hits = context_server
    assert requests.get(context_url, timeout=5).status_code == 200  # it would have worked
    hits.clear()
    url = store_url(writable_server) + "?graph=http://example.org/g"
    for context in (context_url, "http://127.0.0.1:9/ctx"):
        body = f'{{"@context": "{context}", "@id": "http://example.org/a", "name": "A"}}'
        response = write("PUT", url, body, "application/ld+json")
        assert response.status_code == 400
        assert "remote contexts are never fetched" in response.text
    assert hits == []
    assert requests.get(url, timeout=30).status_code == 404


def test_a_body_above_the_limit_is_413(make_server) -> None:
    server = make_server(update_token=TOKEN, max_body=2048)
    url = store_url(server) + "?graph=http://example.org/big"
    lines = "".join(f"<http://example.org/s{i}> <http://example.org/p> {i} .\n"
                    for i in range(100))
    assert len(lines) > 2048
    assert write("PUT", url, lines).status_code == 413
    assert write("POST", url, lines).status_code == 413
    assert requests.get(url, timeout=30).status_code == 404
    small = "".join(lines.splitlines(keepends=True)[:10])
    assert write("PUT", url, small).status_code == 201
    assert len(get_graph(url)) == 10


# --- reading and writing every syntax ------------------------------------------------------


# rdflib's own TriG and JSON-LD parsers use its deprecated ConjunctiveGraph
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.parametrize("accept, content_type, rdflib_format", [
    (None, TURTLE, "turtle"),
    ("*/*", TURTLE, "turtle"),
    ("text/turtle", TURTLE, "turtle"),
    ("application/n-triples", "application/n-triples; charset=utf-8", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/n-quads", "application/n-quads; charset=utf-8", "nquads"),
    ("application/trig", "application/trig; charset=utf-8", "trig"),
    ("text/turtle;q=0.5, application/rdf+xml;q=0.9, application/n-triples;q=0.7",
     "application/rdf+xml", "xml"),
    ("application/*;q=0.8, text/turtle;q=0.1", "application/n-triples; charset=utf-8", "nt"),
], ids=["none", "any", "turtle", "ntriples", "rdfxml", "jsonld", "nquads", "trig", "q-values",
        "wildcard"])
def test_get_negotiates_the_syntax(live_server: LiveServer, accept: str | None,
                                   content_type: str, rdflib_format: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = requests.get(store_url(live_server), params={"graph": SAMPLE_GRAPH},
                            headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Vary"] == "Accept"
    if rdflib_format in ("nquads", "trig"):
        from rdflib import Dataset

        dataset = Dataset()
        dataset.parse(data=response.content, format=rdflib_format)
        graph = Graph()
        for s, p, o, _ in dataset.quads():
            graph.add((s, p, o))
    else:
        graph = Graph().parse(data=response.content, format=rdflib_format)
    assert isomorphic(graph, live_server.kg.store.union_graph(
        exclude=[g for g, _ in live_server.kg.store.named_graphs() if g != SAMPLE_GRAPH]))


@pytest.mark.parametrize("content_type, body", [
    ("text/turtle", '<http://example.org/a> <http://example.org/p> "é", '
                    '[ <http://example.org/q> 1 ] .'),
    ("application/n-triples", '<http://example.org/a> <http://example.org/p> "é" .\n'
                              '<http://example.org/a> <http://example.org/p> _:b .\n'
                              '_:b <http://example.org/q> '
                              '"1"^^<http://www.w3.org/2001/XMLSchema#integer> .'),
    ("application/rdf+xml", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                            'xmlns:ex="http://example.org/"><rdf:Description '
                            'rdf:about="http://example.org/a"><ex:p>é</ex:p><ex:p '
                            'rdf:parseType="Resource"><ex:q rdf:datatype="http://www.w3.org/2001/'
                            'XMLSchema#integer">1</ex:q></ex:p></rdf:Description></rdf:RDF>'),
    ("application/ld+json", '{"@context": {"ex": "http://example.org/"}, "@id": "ex:a", '
                            '"ex:p": ["é", {"ex:q": 1}]}'),
], ids=["turtle", "ntriples", "rdfxml", "jsonld"])
def test_put_reads_every_graph_syntax(writable_server: LiveServer, content_type: str,
                                      body: str) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    assert write("PUT", url, body, content_type).status_code == 201
    expected = turtle('<http://example.org/a> <http://example.org/p> "é", '
                      '[ <http://example.org/q> 1 ] .')
    assert isomorphic(get_graph(url), expected)


def test_a_declared_charset_is_honoured(writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/g"
    body = '<http://example.org/a> <http://example.org/p> "café" .'.encode("iso-8859-1")
    assert write("PUT", url, body, "text/turtle; charset=iso-8859-1").status_code == 201
    assert Literal("café") in set(get_graph(url).objects())


def test_relative_iris_resolve_against_the_graph(writable_server: LiveServer) -> None:
    url = store_url(writable_server) + "?graph=http://example.org/docs/g"
    assert write("PUT", url, "<> a <http://xmlns.com/foaf/0.1/Document> ; <#p> <other> .") \
        .status_code == 201
    graph = get_graph(url)
    assert (URIRef("http://example.org/docs/g"), RDF.type, FOAF.Document) in graph
    assert (URIRef("http://example.org/docs/g"), URIRef("http://example.org/docs/g#p"),
            URIRef("http://example.org/docs/other")) in graph


def test_the_sample_graph_round_trips(writable_server: LiveServer) -> None:
    url = store_url(writable_server)
    original = requests.get(url, params={"graph": SAMPLE_GRAPH},
                            headers={"Accept": "text/turtle"}, timeout=30)
    assert original.status_code == 200
    copy = url + "?graph=https://example.org/copy-of-sample"
    assert write("PUT", copy, original.content).status_code == 201
    sample = turtle(original.content)
    assert len(sample) > 500
    assert isomorphic(get_graph(copy), sample)
    assert isomorphic(sample, writable_server.kg.store.union_graph(
        exclude=[g for g, _ in writable_server.kg.store.named_graphs() if g != SAMPLE_GRAPH]))


# --- a remote store -------------------------------------------------------------------------


def test_named_graphs_on_a_remote_store(make_server, empty_oxigraph: OxigraphServer) -> None:
    server = make_server(KnowledgeGraph.open(empty_oxigraph.query_endpoint), update_token=TOKEN)
    url = store_url(server) + "?graph=http://example.org/remote"
    payload = card("http://example.org/jane", "Jane Doe")
    assert write("PUT", url, payload).status_code == 201
    assert write("PUT", url, payload).status_code == 204
    assert isomorphic(get_graph(url), turtle(payload))
    assert write("POST", url, "<http://example.org/jane> <http://example.org/p> 1 .") \
        .status_code == 204
    assert len(get_graph(url)) == 5
    assert write("PUT", url, "").status_code == 204
    assert requests.get(url, timeout=30).status_code == 200
    assert write("DELETE", url, content_type=None).status_code == 204
    assert requests.get(url, timeout=30).status_code == 404
    # the real default graph of a union-default-graph store cannot be read back
    assert requests.get(store_url(server) + "?default", timeout=30).status_code == 501
