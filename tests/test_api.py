"""The named-query API and the validation API, over HTTP against the real service.

Answers are compared with the library's own (``kg.run_named``) and pinned to the sample's
known gaps, so an API that returned nothing, or the wrong rows, fails.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import threading
import xml.etree.ElementTree as ET
from typing import ClassVar

import pytest
import requests
from rdflib import Graph, Literal, URIRef

from custvalue_kg import assets
from custvalue_kg.catalog import QueryCatalog, named_query_from_text
from custvalue_kg.kg import KnowledgeGraph, validate_files

SKY = "https://example.org/skyward/"
CV = "https://w3id.org/custvalue/ontology#"
STAGE = SKY + "journey/surveyor-5s/consideration"
# rdflib namespace objects at module level upset pytest's collection: plain IRIs instead.
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
SH = "http://www.w3.org/ns/shacl#"
INVALID = assets.invalid_example_file()
SAMPLE = assets.sample_files()[0]


def get(server, path: str, params: dict | None = None, accept: str | None = None,
        **kwargs) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    return requests.get(server.base + path, params=params, headers=headers, timeout=30, **kwargs)


def library_rows(kg: KnowledgeGraph, name: str, params: dict) -> tuple[list[str], list[dict]]:
    result = kg.run_named(name, params)
    rows = [dict(zip(result.variables, row, strict=True)) for row in result.text_rows()]
    return result.variables, rows


# --- listing ----------------------------------------------------------------------------------

def test_list_names_every_named_query_with_its_metadata(live_server) -> None:
    response = get(live_server, "/api/queries")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    queries = {q["name"]: q for q in response.json()["queries"]}
    assert set(queries) == {q.name for q in live_server.kg.catalog}
    assert len(queries) == 18
    stage = queries["functions-covering-stage"]
    assert stage["title"] == "Functions covering a journey stage"
    assert stage["question"] == 1
    assert stage["url"] == "/api/queries/functions-covering-stage"
    [param] = stage["parameters"]
    assert (param["name"], param["type"], param["required"]) == ("stage", "iri", True)
    assert param["example"] == STAGE
    kind = queries["unaddressed-challenges"]["parameters"][0]
    assert kind["enum"] == [CV + "BarrierToConsumption", CV + "HurdleToSatisfaction"]
    assert "SELECT" in stage["sparql"]
    assert "/api/openapi.json" in response.headers["Link"]


# --- running: exact rows --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params", "expected_rows"), [
    ("functions-covering-stage", {"stage": STAGE}, None),
    ("missing-handoffs", {}, 3),  # the sample's three deliberate missing hand-offs
    ("missing-handoffs", {"journey": SKY + "journey/farm-5s"}, 1),
    ("system-dependencies", {}, None),
    ("uncovered-stages", {}, 1),  # sky:journey/clinic-8p/dispose
    ("unaddressed-challenges", {"kind": CV + "BarrierToConsumption"}, None),
])
def test_rows_are_exactly_the_librarys(live_server, name, params, expected_rows) -> None:
    response = get(live_server, f"/api/queries/{name}", params)
    assert response.status_code == 200, response.text
    doc = response.json()
    columns, rows = library_rows(live_server.kg, name, params)
    assert rows, "a comparison of two empty answers proves nothing"
    if expected_rows is not None:
        assert len(rows) == expected_rows
    assert doc["query"] == name
    assert doc["title"] == live_server.kg.catalog.get(name).title
    assert doc["parameters"] == params
    assert doc["columns"] == columns
    assert doc["rows"] == rows
    assert doc["row_count"] == len(rows)
    assert doc["truncated"] is False
    assert response.headers["X-Truncated"] == "false"
    # the typed form holds the same values, with their RDF term types
    assert len(doc["terms"]) == len(rows)
    for text_row, term_row in zip(doc["rows"], doc["terms"], strict=True):
        assert {k: v for k, v in text_row.items() if v is not None} == \
            {k: t["value"] for k, t in term_row.items()}


def test_terms_keep_iris_and_literal_datatypes(live_server) -> None:
    doc = get(live_server, "/api/queries/journey-matrix",
              {"journey": SKY + "journey/surveyor-5s"}).json()
    first = doc["terms"][0]
    assert first["stage"] == {"type": "uri", "value": SKY + "journey/surveyor-5s/awareness"}
    assert first["stagePosition"] == {"type": "literal", "value": "1",
                                      "datatype": XSD_INTEGER}
    assert first["stageLabel"]["type"] == "literal"
    assert doc["rows"][0]["stagePosition"] == "1"


def test_unbound_cells_are_null(live_server) -> None:
    # value-stream-owners lists systems without a holder with empty cells
    doc = get(live_server, "/api/queries/value-stream-owners").json()
    _, rows = library_rows(live_server.kg, "value-stream-owners", {})
    assert doc["rows"] == rows
    assert any(v is None for row in doc["rows"] for v in row.values())
    for text_row, term_row in zip(doc["rows"], doc["terms"], strict=True):
        assert {k for k, v in text_row.items() if v is None}.isdisjoint(term_row)


def test_the_api_answers_the_same_on_a_remote_store(make_server, remote_sample_kg,
                                                    live_server) -> None:
    remote = make_server(kg=remote_sample_kg)
    for name, params in (("missing-handoffs", {}), ("functions-covering-stage", {"stage": STAGE})):
        there = get(remote, f"/api/queries/{name}", params).json()
        here = get(live_server, f"/api/queries/{name}", params).json()
        assert there["rows"] and there["rows"] == here["rows"]
        assert there["terms"] == here["terms"]


# --- parameters -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params", "parameter", "words"), [
    ("journey-matrix", {}, "journey", "is required"),
    ("functions-covering-stage", {"stage": ""}, "stage", "is required"),
    ("journey-matrix", {"journey": "not an iri"}, "journey", "not an absolute IRI"),
    ("journey-matrix", {"journey": "https://x.example/a b"}, "journey", "not an absolute IRI"),
    ("missing-handoffs", {"jurney": SKY + "journey/farm-5s"}, "jurney", "no such parameter"),
    ("unaddressed-challenges", {"kind": CV + "Job"}, "kind", "is not one of"),
    ("missing-handoffs", {"format": "html"}, "format", "is not one of"),
])
def test_a_bad_or_missing_parameter_is_a_400_naming_it(live_server, name, params, parameter,
                                                       words) -> None:
    response = get(live_server, f"/api/queries/{name}", params)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()
    assert error["status"] == 400 and error["error"] == "Bad Request"
    assert error["parameter"] == parameter
    assert f"'{parameter}'" in error["message"] and words in error["message"]


def test_a_parameter_given_twice_is_refused(live_server) -> None:
    response = requests.get(
        live_server.base + "/api/queries/missing-handoffs", timeout=30,
        params=[("journey", SKY + "journey/farm-5s"), ("journey", SKY + "journey/clinic-8p")])
    assert response.status_code == 400
    assert response.json()["parameter"] == "journey"


def test_an_unknown_query_is_a_404_in_json(live_server) -> None:
    response = get(live_server, "/api/queries/no-such-query")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()
    assert error["status"] == 404 and "no-such-query" in error["message"]
    assert "missing-handoffs" in error["message"]  # it lists the known ones


TYPED = """\
#+ title: Stages at a position
#+ parameters:
#+   position:
#+     type: integer
#+     required: true
PREFIX cv: <https://w3id.org/custvalue/ontology#>
SELECT ?stage WHERE { ?stage cv:stagePosition ?position } ORDER BY ?stage
"""
HAS_LABEL = """\
#+ title: Has a label
#+ parameters:
#+   thing: {type: iri, required: true}
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
ASK WHERE { ?thing rdfs:label ?label }
"""
STAGE_LABELS = """\
#+ title: Stage labels of a journey
#+ parameters:
#+   journey: {type: iri, required: true}
PREFIX cv: <https://w3id.org/custvalue/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?stage rdfs:label ?label }
WHERE { ?journey cv:hasStage ?stage . ?stage rdfs:label ?label }
"""
SLOW = """\
#+ title: Far too slow
SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }
"""


@pytest.fixture(scope="module")
def custom_kg() -> KnowledgeGraph:
    """The sample with a catalog of one query of each form, typed parameters and a slow one."""
    catalog = QueryCatalog(named_query_from_text(text, name=name) for name, text in (
        ("stages-at", TYPED), ("has-label", HAS_LABEL), ("stage-labels", STAGE_LABELS),
        ("slow", SLOW)))
    return KnowledgeGraph.open(catalog=catalog)


def test_parameters_are_bound_as_typed_terms(make_server, custom_kg) -> None:
    server = make_server(kg=custom_kg)
    doc = get(server, "/api/queries/stages-at", {"position": "8"}).json()
    # positions are xsd:integer: bound as the string "8" nothing would match
    assert doc["parameters"] == {"position": "8"}
    assert doc["row_count"] == 2  # the two eight-part journeys end at position 8
    assert {r["stage"] for r in doc["rows"]} == {SKY + "journey/surveyor-8p/dispose",
                                                 SKY + "journey/clinic-8p/dispose"}
    assert get(server, "/api/queries/stages-at", {"position": "+8"}).json()["rows"] == doc["rows"]
    bad = get(server, "/api/queries/stages-at", {"position": "8.5"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "position"


def test_ask_and_construct_queries(make_server, custom_kg) -> None:
    server = make_server(kg=custom_kg)
    yes = get(server, "/api/queries/has-label", {"thing": STAGE}).json()
    assert yes == {"query": "has-label", "title": "Has a label",
                   "parameters": {"thing": STAGE}, "boolean": True}
    no = get(server, "/api/queries/has-label", {"thing": SKY + "nothing"}).json()
    assert no["boolean"] is False
    w3c = get(server, "/api/queries/has-label", {"thing": STAGE},
              accept="application/sparql-results+json").json()
    assert w3c["boolean"] is True

    journey = {"journey": SKY + "journey/surveyor-5s"}
    turtle = get(server, "/api/queries/stage-labels", journey)
    assert turtle.status_code == 200
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) == 5  # five stages, one label each
    assert (URIRef(STAGE), None, Literal("Survey firms: Consideration", lang="en")) in graph
    nt = get(server, "/api/queries/stage-labels", {**journey, "format": "ntriples"})
    assert nt.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    assert Graph().parse(data=nt.text, format="nt").isomorphic(graph)
    assert get(server, "/api/queries/stage-labels", {**journey, "format": "csv"}).status_code \
        == 400


def test_a_query_past_the_time_limit_is_a_503_and_counted(make_server, custom_kg) -> None:
    server = make_server(kg=custom_kg, query_timeout=1)
    response = get(server, "/api/queries/slow")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert "longer than 1 s" in response.json()["message"]
    metrics = requests.get(server.base + "/metrics", timeout=10).text
    assert "custvalue_kg_query_timeouts_total 1\n" in metrics
    # the service goes on answering
    assert get(server, "/api/queries/stages-at", {"position": "1"}).json()["row_count"] == 4


# --- content negotiation ------------------------------------------------------------------

MISSING = "/api/queries/missing-handoffs"


def test_json_is_the_default(live_server) -> None:
    for accept in (None, "*/*", "application/json", "text/html,*/*;q=0.8"):
        response = get(live_server, MISSING, accept=accept)
        assert response.headers["Content-Type"] == "application/json", accept
        assert response.json()["row_count"] == 3
        assert response.headers["Vary"] == "Accept"


def test_sparql_json_results_by_accept(live_server) -> None:
    columns, rows = library_rows(live_server.kg, "missing-handoffs", {})
    response = get(live_server, MISSING, accept="application/sparql-results+json")
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    data = response.json()
    assert data["head"]["vars"] == columns
    bindings = data["results"]["bindings"]
    assert [{k: t["value"] for k, t in b.items()} for b in bindings] == \
        [{k: v for k, v in r.items() if v is not None} for r in rows]
    assert get(live_server, MISSING, {"format": "sparql-json"}).json() == data


def test_csv_by_accept_and_by_format(live_server) -> None:
    columns, rows = library_rows(live_server.kg, "missing-handoffs", {})
    by_accept = get(live_server, MISSING, accept="text/csv")
    by_format = get(live_server, MISSING, {"format": "csv"}, accept="application/json")
    for response in (by_accept, by_format):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["X-Truncated"] == "false"
        table = list(csv.reader(io.StringIO(response.text)))
        assert table[0] == columns
        assert table[1:] == [[r[c] or "" for c in columns] for r in rows]


def test_tsv_and_xml(live_server) -> None:
    tsv = get(live_server, MISSING, accept="text/tab-separated-values")
    assert tsv.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    lines = tsv.text.strip("\n").split("\n")
    assert len(lines) == 4 and lines[0].startswith("?journey\t")
    assert f"<{SKY}function/events-marketing>" in tsv.text
    xml = get(live_server, MISSING, {"format": "xml"})
    assert xml.headers["Content-Type"] == "application/sparql-results+xml"
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(xml.content)
    assert len(root.findall("r:results/r:result", ns)) == 3


def test_accept_with_q_values(live_server) -> None:
    response = get(live_server, MISSING,
                   accept="application/json;q=0.2, text/csv;q=0.9, text/turtle")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_nothing_acceptable_is_a_406(live_server) -> None:
    response = get(live_server, MISSING, accept="image/png")
    assert response.status_code == 406
    assert response.json()["status"] == 406
    assert "text/csv" in response.json()["message"]


def test_link_headers_point_to_the_other_formats(live_server) -> None:
    params = {"journey": SKY + "journey/farm-5s"}
    response = get(live_server, MISSING, params)
    links = requests.utils.parse_header_links(response.headers["Link"])
    by_type = {link["type"]: link for link in links}
    assert set(by_type) == {"application/sparql-results+json", "text/csv",
                            "text/tab-separated-values", "application/sparql-results+xml"}
    assert all(link["rel"] == "alternate" for link in links)
    csv_link = by_type["text/csv"]["url"]
    assert "format=csv" in csv_link and "journey=" in csv_link
    followed = requests.get(live_server.base + csv_link, timeout=30)
    assert followed.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert len(followed.text.strip().splitlines()) == 2  # header + the farm journey's one row
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "Link" in exposed and "X-Truncated" in exposed


# --- the row cap ------------------------------------------------------------------------------

def test_rows_are_capped_at_max_rows(make_server) -> None:
    server = make_server(max_rows=2)
    response = get(server, MISSING)
    doc = response.json()
    assert doc["row_count"] == 2 and len(doc["rows"]) == 2 and len(doc["terms"]) == 2
    assert doc["truncated"] is True
    assert response.headers["X-Truncated"] == "true"
    full = get(server, MISSING, accept="application/json")  # same server, same cap
    assert full.json()["rows"] == doc["rows"]
    for fmt in ("csv", "tsv"):
        capped = get(server, MISSING, {"format": fmt})
        assert capped.headers["X-Truncated"] == "true"
        assert len(capped.text.strip().splitlines()) == 3  # header + 2 rows
    w3c = get(server, MISSING, {"format": "sparql-json"})
    assert len(w3c.json()["results"]["bindings"]) == 2
    assert w3c.headers["X-Truncated"] == "true"
    # an answer within the cap is not marked
    one = get(server, MISSING, {"journey": SKY + "journey/farm-5s"})
    assert one.json()["truncated"] is False and one.headers["X-Truncated"] == "false"


# --- validation -----------------------------------------------------------------------------

def store_snapshot(kg: KnowledgeGraph) -> list[tuple[str, int]]:
    return sorted(kg.store.named_graphs())


def test_posted_invalid_example_gives_its_pinned_report_and_stores_nothing(make_server) -> None:
    server = make_server()
    before = store_snapshot(server.kg)
    response = requests.post(server.base + "/api/validate", data=INVALID.read_bytes(),
                             headers={"Content-Type": "text/turtle"}, timeout=60)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    report = response.json()
    assert report["conforms"] is False
    assert report["counts"] == {"Violation": 14, "Warning": 7, "Info": 2}
    assert report["results"] == validate_files([INVALID]).to_json()["results"]
    assert store_snapshot(server.kg) == before
    assert not server.kg.query(
        "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?s), 'https://example.org/invalid/')) }").boolean


def test_posted_sample_conforms_like_the_store_it_is_served_from(live_server) -> None:
    posted = requests.post(live_server.base + "/api/validate", data=SAMPLE.read_bytes(),
                           headers={"Content-Type": "text/turtle; charset=utf-8"},
                           timeout=60).json()
    stored = get(live_server, "/api/validate").json()
    assert posted["conforms"] is True and stored["conforms"] is True
    assert posted["counts"] == stored["counts"] == {"Violation": 0, "Warning": 12, "Info": 5}
    assert stored == live_server.kg.validate().to_json()
    assert posted["results"] == stored["results"]


@pytest.mark.parametrize(("media_type", "rdflib_format"), [
    ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
])
def test_every_rdf_body_format_gives_the_same_report(live_server, media_type,
                                                     rdflib_format) -> None:
    body = Graph().parse(INVALID, format="turtle").serialize(format=rdflib_format)
    response = requests.post(live_server.base + "/api/validate", data=body.encode("utf-8"),
                             headers={"Content-Type": media_type}, timeout=60)
    assert response.status_code == 200, response.text
    assert response.json()["counts"] == {"Violation": 14, "Warning": 7, "Info": 2}


def test_report_as_turtle_and_as_text(live_server) -> None:
    body = INVALID.read_bytes()
    turtle = requests.post(live_server.base + "/api/validate", data=body, timeout=60,
                           headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
    assert turtle.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=turtle.text, format="turtle")
    [report] = graph.subjects(None, URIRef(SH + "ValidationReport"))
    assert graph.value(report, URIRef(SH + "conforms")).toPython() is False
    assert len(list(graph.objects(report, URIRef(SH + "result")))) == 23
    text = requests.post(live_server.base + "/api/validate", params={"format": "text"},
                         data=body, headers={"Content-Type": "text/turtle"}, timeout=60)
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert text.text.startswith(
        "Validation: the graph does not conform (14 violations, 7 warnings, 2 infos).")
    stored = get(live_server, "/api/validate", {"format": "turtle"})
    assert "sh:conforms true" in stored.text
    bad = get(live_server, "/api/validate", {"format": "pdf"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "format"


def test_a_syntax_error_is_a_400_with_line_and_column(live_server) -> None:
    body = b"@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e \"open .\n"
    response = requests.post(live_server.base + "/api/validate", data=body, timeout=30,
                             headers={"Content-Type": "text/turtle"})
    assert response.status_code == 400
    error = response.json()
    assert error["line"] == 3 and isinstance(error["column"], int)
    assert error["message"].startswith("request body, line 3")


@pytest.mark.parametrize("content_type", ["image/png", "application/sparql-query", None])
def test_a_body_that_is_not_rdf_is_a_415(live_server, content_type) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(live_server.base + "/api/validate", data=b"<a> <b> <c> .",
                             headers=headers, timeout=30)
    assert response.status_code == 415
    assert "text/turtle" in response.json()["message"]


def test_a_body_over_the_limit_is_a_413(make_server) -> None:
    server = make_server(max_body=1000)
    response = requests.post(server.base + "/api/validate", data=INVALID.read_bytes(),
                             headers={"Content-Type": "text/turtle"}, timeout=30)
    assert response.status_code == 413
    assert response.json()["status"] == 413


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = json.dumps({"@context": {"name": "https://schema.org/name"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_json_ld_remote_contexts_are_not_fetched(live_server) -> None:
    context_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=context_server.serve_forever, daemon=True)
    thread.start()
    try:
        context = f"http://127.0.0.1:{context_server.server_port}/context.jsonld"
        body = {"@context": context, "@id": SKY + "x", "name": "X"}
        response = requests.post(live_server.base + "/api/validate", json=body, timeout=30,
                                 headers={"Content-Type": "application/ld+json"})
        assert response.status_code == 400
        assert "remote context" in response.json()["message"]
        assert _CountingHandler.hits == []
        # the context server does answer: a fetch would have been seen
        assert requests.get(context, timeout=10).status_code == 200
        assert _CountingHandler.hits == ["/context.jsonld"]
    finally:
        context_server.shutdown()
        context_server.server_close()


def test_inline_json_ld_contexts_work(live_server) -> None:
    doc = {"@context": {"cv": CV, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
           "@id": SKY + "system/lonely", "@type": "cv:CustomerFacingSystem",
           "rdfs:label": "Lonely system"}
    response = requests.post(live_server.base + "/api/validate", json=doc, timeout=60,
                             headers={"Content-Type": "application/ld+json"})
    report = response.json()
    assert report["conforms"] is False
    focus = {r["focus_node"] for r in report["results"] if r["severity"] == "Violation"}
    assert focus == {SKY + "system/lonely"}

