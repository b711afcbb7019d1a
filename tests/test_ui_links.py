"""The links page: imported sources, links, and the four link gaps; HTML, JSON, CSV, browser."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from custvalue_kg.imports import ImportBatch
from custvalue_kg.kg import KnowledgeGraph

ARCHITECTURE = Path(__file__).parent / "data" / "links-architecture.ttl"


@pytest.fixture(scope="module")
def linked_server():
    from conftest import LiveServer

    kg = KnowledgeGraph.open()
    # as an importer writes it: its own graph, with provenance
    graph = "https://w3id.org/custvalue/graph/source/rdf/links-architecture"
    quads = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph))
             for q in ox.parse(path=str(ARCHITECTURE), format=ox.RdfFormat.TURTLE)]
    kg.import_batch(ImportBatch(importer="rdf", graph=graph,
                                source=ARCHITECTURE.resolve().as_uri(),
                                title="Skyward EA (test)", quads=quads,
                                counts={"triples": len(quads)}))
    server = LiveServer(kg)
    yield server
    server.stop()


def get(server, path: str, **params: str) -> requests.Response:
    return requests.get(server.base + path, params=params, timeout=10)


def test_links_page_html(linked_server) -> None:
    response = get(linked_server, "/links")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert "<h1>Links to enterprise models</h1>" in html
    assert "Skyward EA (test)" in html and "rdf</td>" in html
    assert "Procurement</a>" in html and "is the same as none of our functions" in html
    assert "Telesales</a>" in html and "is linked to a function that covers no stage" in html
    assert "Triggering: Customer service → Brand marketing" in html
    assert "Inside sales → Customer service" in html
    assert 'href="/queries/flows-missing-as-handoffs"' in html
    assert '<a href="/links">Links</a>' in html  # in the navigation of every page


def test_links_page_json_twin(linked_server) -> None:
    data = get(linked_server, "/links", format="json").json()
    [source] = data["sources"]
    assert source["importer"] == "rdf" and source["triples"] == source["counts"]["triples"] == 44
    assert data["linkCounts"] == {"skos:exactMatch": 3, "owl:sameAs": 1, "cv:realises": 1}
    assert {g["query"]: g["count"] for g in data["gaps"]} == {
        "architecture-functions-without-stage": 2,
        "functions-without-architecture-counterpart": 15,
        "flows-missing-as-handoffs": 1,
        "handoffs-missing-in-architecture": 1,
    }
    realised = [link for link in data["links"] if link["link"] == "cv:realises"]
    assert realised == [{
        "element": {"iri": "https://example.org/ea/model/bp-onboarding", "label": "Onboarding",
                    "url": "/resource?iri=https%3A%2F%2Fexample.org%2Fea%2Fmodel%2Fbp-onboarding"},
        "elementType": "archi:BusinessProcess", "link": "cv:realises",
        "resource": {"iri": "https://example.org/skyward/function/customer-success",
                     "label": "Customer success",
                     "url": "/function?iri=https%3A%2F%2Fexample.org%2Fskyward%2Ffunction"
                            "%2Fcustomer-success"},
        "resourceClass": "cv:Function",
    }]


def test_links_page_csv_twin(linked_server) -> None:
    response = get(linked_server, "/links", format="csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 5
    assert {(r["elementLabel"], r["link"].rsplit("#", 1)[-1], r["resourceLabel"])
            for r in rows} == {
        ("Brand marketing", "exactMatch", "Brand marketing"),
        ("Customer service", "exactMatch", "Customer service"),
        ("Telesales", "exactMatch", "Telesales"),
        ("Inside sales", "sameAs", "Inside sales"),
        ("Onboarding", "realises", "Customer success"),
    }


def test_links_page_without_imports(live_server) -> None:
    data = get(live_server, "/links", format="json").json()
    assert data["sources"] == [] and data["links"] == []
    assert "Nothing imported yet" in get(live_server, "/links").text


def test_browser_links_page(linked_server, page) -> None:
    page.goto(linked_server.base + "/")
    page.click("nav >> text=Links")
    page.wait_for_url("**/links")
    assert page.locator("h1").inner_text() == "Links to enterprise models"
    page.click("#gap-flows-missing-as-handoffs a[href^='/function'] >> text=Brand marketing")
    assert page.locator("h1").inner_text() == "Brand marketing"
    assert page.console_errors == []


@pytest.fixture(scope="module")
def example_server():
    """The sample with the shipped ArchiMate example imported by the real importer."""
    from conftest import LiveServer

    from custvalue_kg import assets
    from custvalue_kg.imports.archimate import import_archimate

    kg = KnowledgeGraph.open()
    import_archimate(kg, assets.asset_dir("examples") / "archimate" / "skyward-architecture.xml")
    server = LiveServer(kg)
    yield server
    server.stop()


def test_browser_links_page_on_the_shipped_example(example_server, page) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(example_server.base + "/links")
    counts = {query: page.locator(f"#gap-{query}-heading .badge").inner_text()
              for query in ("architecture-functions-without-stage",
                            "functions-without-architecture-counterpart",
                            "flows-missing-as-handoffs", "handoffs-missing-in-architecture")}
    assert counts == {"architecture-functions-without-stage": "2",
                      "functions-without-architecture-counterpart": "1",
                      "flows-missing-as-handoffs": "2", "handoffs-missing-in-architecture": "3"}
    assert page.locator("text=Skyward Dynamics enterprise architecture").count() >= 1
    assert page.console_errors == []
    # every link the importer's mapping wrote is listed (it counted 33)
    data = get(example_server, "/links", format="json").json()
    assert data["linkCounts"] == {"skos:exactMatch": 15, "cv:realises": 16, "cv:supports": 2}
    assert data["sources"][0]["counts"]["links"] == len(data["links"]) == 33
    page.screenshot(path=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots"
                             / "links.png"), full_page=True)
