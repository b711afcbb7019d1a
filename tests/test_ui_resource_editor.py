"""The resource pages (HTML and linked-data RDF on one URL), the SPARQL editor and the named
query forms, over HTTP and in a real browser, pinned to the sample enterprise."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlparse

import pytest
from rdflib import Graph, URIRef

SKY = "https://example.org/skyward/"
JOURNEY = SKY + "journey/surveyor-5s"
CV = "https://w3id.org/custvalue/ontology#"
STAGE = JOURNEY + "/consideration"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def get(url: str, accept: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def resource_url(base: str, iri: str) -> str:
    return f"{base}/resource?iri={quote(iri, safe='')}"


# --- resource pages ------------------------------------------------------------------------

def test_resource_page_shows_label_types_stages_and_in_links(live_server) -> None:
    status, headers, body = get(resource_url(live_server.base, JOURNEY), "text/html")
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Accept" in headers["Vary"]
    assert "<h1>Survey firms with the SkyHawk X4 (five stages)</h1>" in html
    assert html.count("<h1") == 1
    assert "Customer journey" in html  # its type, by label
    assert f'href="/resource?iri={SKY}journey/surveyor-5s/awareness"' in html
    assert "Survey firms: Awareness" in html and "has stage" in html
    assert "Referenced by" in html and "stage of" in html  # stages point back at it
    assert "https://w3id.org/custvalue/graph/sample" in html


def test_resource_json_twin(live_server) -> None:
    status, headers, body = get(resource_url(live_server.base, JOURNEY), "application/json")
    data = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert data["label"] == "Survey firms with the SkyHawk X4 (five stages)"
    assert [t["iri"] for t in data["types"]] == [CV + "CustomerJourney"]
    stages = next(g for g in data["out"] if g["predicate"] == CV + "hasStage")
    assert len(stages["values"]) == 5
    assert {g["predicate"] for g in data["in"]} >= {CV + "stageOf"}


@pytest.mark.parametrize(("accept", "fmt", "rdflib_format"), [
    ("text/turtle", "turtle", "turtle"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("application/n-triples", "ntriples", "nt"),
])
def test_resource_dereferences_as_rdf(live_server, accept: str, fmt: str,
                                      rdflib_format: str) -> None:
    journey, stage = URIRef(JOURNEY), URIRef(JOURNEY + "/awareness")
    for url, header in ((resource_url(live_server.base, JOURNEY), accept),
                        (resource_url(live_server.base, JOURNEY) + f"&format={fmt}", None)):
        status, headers, body = get(url, header)
        assert status == 200 and headers["Content-Type"].startswith(accept)
        graph = Graph().parse(data=body.decode(), format=rdflib_format)
        assert (journey, URIRef(CV + "hasStage"), stage) in graph  # out
        assert (stage, URIRef(CV + "stageOf"), journey) in graph  # in
        assert "Accept" in headers["Vary"]


def test_unknown_resource_is_a_404_page(live_server) -> None:
    status, headers, body = get(resource_url(live_server.base, SKY + "nothing-here"))
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert "no triples in the graph mention" in body.decode()
    status, _, _ = get(resource_url(live_server.base, SKY + "nothing-here"), "text/turtle")
    assert status == 404


def test_resource_page_in_browser(live_server, page) -> None:
    page.goto(resource_url(live_server.base, JOURNEY))
    assert page.locator("h1").inner_text() == "Survey firms with the SkyHawk X4 (five stages)"
    page.get_by_role("link", name="Survey firms: Consideration").first.click()
    page.wait_for_url(lambda url: "/resource?" in url and url.endswith("consideration"))
    assert page.locator("h1").inner_text() == "Survey firms: Consideration"
    page.go_back()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "resource.png"), full_page=True)
    assert page.console_errors == []


# --- SPARQL editor -------------------------------------------------------------------------

def test_editor_runs_a_query_and_links_results(live_server, page) -> None:
    page.goto(live_server.base + "/query")
    assert "PREFIX cv: <https://w3id.org/custvalue/ontology#>" in page.input_value("#query")
    query = ("PREFIX cv: <https://w3id.org/custvalue/ontology#>\n"
             "SELECT ?journey WHERE { ?journey a cv:CustomerJourney } ORDER BY ?journey")
    page.fill("#query", query)
    page.click("#run")
    page.wait_for_selector("table.results-table")
    assert "4 rows" in page.inner_text("#result-count")
    shared = parse_qs(urlparse(page.url).query)["query"][0]
    assert shared.replace("\r\n", "\n") == query  # the URL holds the query
    assert page.get_by_role("link", name="Download CSV").get_attribute("href").startswith(
        "/sparql?query=")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "editor.png"), full_page=True)
    page.get_by_role("link", name="Survey firms with the SkyHawk X4 (five stages)").click()
    page.wait_for_url(lambda url: "/resource?" in url and url.endswith("surveyor-5s"))
    assert page.locator("h1").inner_text() == "Survey firms with the SkyHawk X4 (five stages)"
    assert page.console_errors == []


def test_editor_loads_a_named_query_example(live_server, page) -> None:
    page.goto(live_server.base + "/query")
    page.select_option("#example", "missing-handoffs")
    page.click("#load-example")
    page.wait_for_url(lambda url: url.endswith("/query?example=missing-handoffs"))
    text = page.input_value("#query")
    assert text.startswith("# Missing hand-offs") and "cv:nextStage" in text
    page.click("#run")
    page.wait_for_selector("table.results-table")
    assert "Events marketing" in page.inner_text("table.results-table")  # gap 1
    assert page.console_errors == []


def test_editor_shows_the_parser_message(live_server, page) -> None:
    page.goto(live_server.base + "/query")
    page.fill("#query", "SELECT ?s WHERE { ?s ?p }")
    with page.expect_navigation() as navigation:
        page.click("#run")
    assert navigation.value.status == 400
    assert "error at" in page.inner_text("#query-error")
    assert page.input_value("#query") == "SELECT ?s WHERE { ?s ?p }"  # kept for fixing


def test_editor_status_codes_and_twins(live_server) -> None:
    url = live_server.base + "/query?"
    status, _, body = get(url + urlencode({"query": "SELECT * WHERE { SERVICE <http://x.test/> "
                                                    "{ ?s ?p ?o } }"}))
    assert status == 403 and "is not allowed" in body.decode()
    status, _, body = get(url + urlencode({"query": "ASK { ?s a <" + CV + "CustomerJourney> }",
                                           "format": "json"}))
    assert status == 200 and json.loads(body)["results"]["boolean"] is True
    status, _, body = get(url + urlencode({"query": "SELEKT"}), "application/json")
    assert status == 400 and "malformed" in json.loads(body)["results"]["error"]
    query = f"SELECT ?j WHERE {{ ?j a <{CV}CustomerJourney> }} ORDER BY ?j"
    status, headers, body = get(url + urlencode({"query": query, "format": "csv"}))
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert body.decode().splitlines()[0] == "j" and JOURNEY in body.decode()
    status, _, body = get(url + urlencode({"query": f"CONSTRUCT WHERE {{ <{JOURNEY}> ?p ?o }}"}))
    assert status == 200 and "15 triples" in body.decode()


# --- named query forms ---------------------------------------------------------------------

def test_named_query_list(live_server) -> None:
    status, _, body = get(live_server.base + "/queries")
    html = body.decode()
    assert status == 200
    assert 'href="/queries/functions-covering-stage"' in html
    assert "Functions covering a journey stage" in html


def test_named_query_form_runs_with_its_parameter(live_server, page) -> None:
    page.goto(live_server.base + "/queries/functions-covering-stage")
    field = page.get_by_label("stage")
    assert field.get_attribute("type") == "url" and field.get_attribute("required") is not None
    assert field.get_attribute("placeholder") == STAGE
    assert page.locator(f'#options-stage option[value="{STAGE}"]').count() == 1
    field.fill(STAGE)
    page.click("#run")
    page.wait_for_selector("table.results-table")
    assert parse_qs(urlparse(page.url).query)["stage"] == [STAGE]
    rows = page.locator("table.results-table tbody tr")
    functions = sorted(rows.nth(i).locator("td").nth(3).inner_text() for i in range(rows.count()))
    assert functions == ["Brand marketing", "Events marketing"]
    assert page.console_errors == []


def test_named_query_missing_parameter_and_twins(live_server) -> None:
    base = live_server.base + "/queries/functions-covering-stage"
    status, _, body = get(base + "?stage=")
    assert status == 400 and "parameter &#39;stage&#39;: is required" in body.decode()
    status, _, body = get(base + "?stage=not-an-iri", "application/json")
    assert status == 400 and "parameter 'stage'" in json.loads(body)["error"]
    status, headers, body = get(base + "?" + urlencode({"stage": STAGE, "format": "csv"}))
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = body.decode().splitlines()
    assert lines[0].startswith("stage,stageLabel,function,functionLabel")
    assert len(lines) == 3
    status, _, body = get(base + "?" + urlencode({"stage": STAGE}), "application/json")
    rows = json.loads(body)["results"]["rows"]
    assert {r["function"]["iri"] for r in rows} == {SKY + "function/brand-marketing",
                                                    SKY + "function/events-marketing"}
    assert get(live_server.base + "/queries/no-such-query")[0] == 404


@pytest.mark.embedded_only  # worker processes of the embedded store
def test_editor_reports_a_timeout(make_server) -> None:
    server = make_server(query_timeout=0.5)
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    status, _, body = get(server.base + "/query?" + urlencode({"query": endless}))
    assert status == 503 and 'id="query-error"' in body.decode()
