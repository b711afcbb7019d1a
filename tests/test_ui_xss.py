"""Every value from the graph is escaped: hostile labels are shown as text and never run."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from custvalue_kg.kg import KnowledgeGraph

HOSTILE = Path(__file__).parent / "data" / "hostile-labels.ttl"
EVIL = "https://example.org/evil/"
PAGES = [
    "/",
    "/journey?iri=" + quote("https://example.org/skyward/journey/surveyor-5s"),
    "/system?iri=" + quote(EVIL + "system"),
    "/function?iri=" + quote(EVIL + "function"),
    "/resource?iri=" + quote(EVIL + "function"),
    "/resource?iri=" + quote(EVIL + "stream"),
    "/search?q=evil",
    "/validation",
    "/links",
    "/query?query=" + quote("SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "
                            "?l FILTER(CONTAINS(?l, 'script')) }"),
]


@pytest.fixture(scope="module")
def hostile_server():
    from conftest import LiveServer

    kg = KnowledgeGraph.open()
    kg.load([HOSTILE])
    server = LiveServer(kg)
    yield server
    server.stop()


@pytest.mark.parametrize("path", PAGES)
def test_hostile_labels_do_not_run(hostile_server, page, path: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.goto(hostile_server.base + path)
    assert response is not None and response.status == 200, path
    page.mouse.move(10, 10)
    page.wait_for_timeout(100)
    assert page.evaluate("window.__xss") is None, f"script from the graph ran on {path}"
    assert dialogs == []
    # the hostile text is on the page as text, not as markup
    assert "<script>" in page.inner_text("body") or "onerror" in page.inner_text("body") \
        or "<svg" in page.inner_text("body") or "<b" in page.inner_text("body"), path
    assert page.locator("main script").count() == 0
    assert page.console_errors == []
