"""The overview, validation and search pages on the sample (and on the invalid example)."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from custvalue_kg.kg import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[1]
SKY = "https://example.org/skyward/"
SCREENSHOTS = ROOT / "docs" / "screenshots"


def get(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read().decode("utf-8")


def get_json(url: str) -> dict:
    return json.loads(get(url)[2])


def link(page: str, iri: str) -> str:
    return f"/{page}?{urlencode({'iri': iri})}"


# --- overview ---------------------------------------------------------------------------------

def test_overview_counts_what_is_in_the_sample(live_server) -> None:
    data = get_json(live_server.base + "/?format=json")
    counts = {card["class"]: card["count"] for card in data["counts"]}
    assert counts["cv:CustomerFacingSystem"] == 3
    assert counts["cv:SupportingSystem"] == 3
    assert counts["cv:EnablingSystem"] == 2
    assert counts["cv:PopUpSystem"] == 3
    assert counts["cv:CustomerJourney"] == 4
    assert counts["cv:JourneyStage"] == 26
    assert counts["cv:Function"] == 13
    assert counts["cv:HandOff"] == 18
    customer_facing = data["systemsByType"][0]
    assert {s["label"] for s in customer_facing["systems"]} == {
        "SkyHawk X4 survey drone", "SkyBook booking portal", "SkyDrop medical delivery"}
    assert all(s["url"].startswith("/system?iri=") for s in customer_facing["systems"])
    journeys = {j["iri"]: j for j in data["journeys"]}
    assert len(journeys) == 4
    clinic = journeys[SKY + "journey/clinic-8p"]
    assert clinic["url"] == link("journey", SKY + "journey/clinic-8p")
    assert clinic["stages"] == 8 and clinic["segment"]["iri"] == SKY + "segment/rural-clinics"
    assert clinic["stageModel"]
    assert len(data["functions"]) == 13
    segments = {s["iri"]: s["journeys"] for s in data["segments"]}
    assert segments == {SKY + "segment/survey-firms": 2, SKY + "segment/farm-operators": 1,
                        SKY + "segment/rural-clinics": 1}


def test_overview_lists_every_deliberate_gap_with_a_link_to_where_it_is(live_server) -> None:
    data = get_json(live_server.base + "/?format=json")
    gaps = {gap["kind"]: gap for gap in data["gaps"]}
    where = {kind: {item["where"]["url"] for item in gap["items"]} for kind, gap in gaps.items()}
    assert gaps["missing-handoffs"]["count"] == 3
    assert where["missing-handoffs"] == {link("journey", SKY + f"journey/{j}")
                                         for j in ("surveyor-5s", "farm-5s", "clinic-8p")}
    assert where["uncovered-stages"] == {link("journey", SKY + "journey/clinic-8p")}
    assert where["unaddressed-challenges"] == {
        link("resource", SKY + "challenge/regulatory-doubt"),
        link("resource", SKY + "challenge/nobody-to-receive")}
    assert where["inside-out"] == {
        link("function", SKY + "function/manufacturing-engineering"),
        link("resource", SKY + "initiative/x5-feature-race"),
        link("resource", SKY + "objective/lead-the-spec-sheet"),
        link("resource", SKY + "objective/cut-unit-cost")}
    assert where["unevidenced-hypotheses"] == {
        link("resource", SKY + p) for p in (
            "hypothesis/care-plan-raises-order-value", "hypothesis/clinics-pay-premium",
            "decision/bundle-care-plan", "decision/launch-premium-tier")}
    assert gaps["inconsistent-handoffs"]["count"] == 0  # only with gaps-extra.ttl
    assert data["validation"] == {"conforms": True, "url": "/validation",
                                  "counts": {"Violation": 0, "Warning": 12, "Info": 5}}


def test_overview_html_shows_status_and_gap_links(live_server) -> None:
    status, headers, html = get(live_server.base + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert 'rel="alternate"; type="application/json"' in headers["Link"]
    assert html.count("<h1") == 1
    assert "conforms" in html and ">0 violations<" in html
    assert ">12 warnings<" in html and ">5 infos<" in html
    assert 'href="/validation"' in html
    assert f'href="{link("journey", SKY + "journey/clinic-8p")}"'.replace("&", "&amp;") in html
    assert "Nobody free to receive the parcel" in html


@pytest.mark.embedded_only  # a remote store may be written by others: never reused
def test_a_warm_overview_reuses_the_validation_report(live_server) -> None:
    """Speed is measured by bench/pages.py; here, the behaviour that makes it fast."""
    get(live_server.base + "/")
    service = live_server.app.extensions["custvalue_kg"]
    assert service.validation_report() is service.validation_report()


def test_overview_sees_a_write(writable_server) -> None:
    from conftest import TOKEN

    before = get_json(writable_server.base + "/?format=json")
    assert before["validation"]["counts"]["Warning"] == 12
    graph = quote("https://example.org/extra", safe="")
    body = (ROOT / "examples" / "gaps-extra.ttl").read_bytes()
    request = urllib.request.Request(
        f"{writable_server.base}/rdf-graph-store?graph={graph}", data=body, method="PUT",
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    urllib.request.urlopen(request, timeout=30).close()
    after = get_json(writable_server.base + "/?format=json")
    gaps = {gap["kind"]: gap for gap in after["gaps"]}
    assert gaps["inconsistent-handoffs"]["count"] == 2
    assert after["validation"]["counts"]["Violation"] == 2  # the cached report was dropped
    assert after["validation"]["conforms"] is False


# --- validation -------------------------------------------------------------------------------

def test_validation_page_groups_the_sample_results(live_server) -> None:
    data = get_json(live_server.base + "/validation?format=json")
    assert data["conforms"] is True
    assert data["counts"] == {"Violation": 0, "Warning": 12, "Info": 5}
    groups = {g["severity"]: g for g in data["groups"]}
    assert [g["count"] for g in data["groups"]] == [0, 12, 5]
    warnings = {s["label"]: s for s in groups["Warning"]["shapes"]}
    missing = warnings["Missing hand-off between consecutive stages"]
    assert missing["count"] == 3 and missing["shape"].endswith("#MissingHandOff")
    challenges = warnings["Challenge nothing addresses"]
    assert {f["focusUrl"] for f in challenges["focusNodes"]} == {
        link("resource", SKY + "challenge/regulatory-doubt"),
        link("resource", SKY + "challenge/nobody-to-receive")}
    assert sum(s["count"] for s in groups["Info"]["shapes"]) == 5
    _, _, html = get(live_server.base + "/validation")
    assert html.count("<h1") == 1
    assert "Missing hand-off between consecutive stages" in html
    assert "Nobody free to receive the parcel" in html


def test_validation_csv_has_one_row_per_result(live_server) -> None:
    _, headers, text = get(live_server.base + "/validation?format=csv")
    assert headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 17
    assert sum(r["severity"] == "Warning" for r in rows) == 12
    assert {"Challenge nothing addresses", "Inside-out function"} <= {r["shapeLabel"] for r in rows}


def test_validation_page_on_the_invalid_example(make_server) -> None:
    kg = KnowledgeGraph.open()
    kg.load([ROOT / "examples" / "invalid-example.ttl"])
    server = make_server(kg=kg)
    data = get_json(server.base + "/validation?format=json")
    assert data["conforms"] is False
    assert data["counts"] == {"Violation": 14, "Warning": 19, "Info": 7}
    violations = {s["label"]: s["count"] for s in data["groups"][0]["shapes"]}
    assert violations["Hand-off between functions that do not cover its stages"] == 2
    assert sum(violations.values()) == 14
    _, _, html = get(server.base + "/validation")
    assert "does not conform" in html
    overview = get_json(server.base + "/?format=json")
    assert overview["validation"]["counts"]["Violation"] == 14


# --- search -----------------------------------------------------------------------------------

def test_search_finds_labels_case_insensitively(live_server) -> None:
    data = get_json(live_server.base + "/search?q=SALES&format=json")
    by_iri = {r["iri"]: r for r in data["results"]}
    assert by_iri[SKY + "function/field-sales"]["label"] == "Field sales"
    inside = by_iri[SKY + "function/inside-sales"]
    assert inside["label"] == "Inside sales" and inside["types"] == ["cv:Function"]
    assert inside["url"] == link("resource", SKY + "function/inside-sales")
    assert [p["url"] for p in inside["pages"]] == [link("function", SKY + "function/inside-sales")]
    _, headers, text = get(live_server.base + "/search?q=sales&format=csv")
    assert headers["Content-Type"].startswith("text/csv")
    assert "Inside sales" in text


def test_search_binds_the_text_and_handles_short_or_odd_queries(live_server) -> None:
    assert get_json(live_server.base + "/search?format=json")["results"] == []
    assert get_json(live_server.base + "/search?q=s&format=json")["message"]
    odd = get_json(live_server.base + "/search?" + urlencode({"q": '") } } #', "format": "json"}))
    assert odd["results"] == [] and "No label" in odd["message"]
    _, _, html = get(live_server.base + "/search?" + urlencode({"q": "<b>x</b>"}))
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


# --- in the browser ---------------------------------------------------------------------------

def test_overview_in_the_browser(live_server, page) -> None:
    page.goto(live_server.base + "/")
    assert page.locator("h1").inner_text() == "Overview"
    assert page.console_errors == []  # before the screenshot: never save an unstyled page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)
    gap_link = page.locator("#gap-uncovered-stages li a").first
    gap_link.click()
    page.wait_for_load_state()
    assert page.url == live_server.base + link("journey", SKY + "journey/clinic-8p")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.base + "/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1  # nothing sticks out of a phone's screen
    assert page.console_errors == []


def test_validation_in_the_browser(live_server, page) -> None:
    page.goto(live_server.base + "/validation")
    assert page.locator("h1").inner_text() == "Validation"
    assert page.console_errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "validation.png"), full_page=True)
    assert page.locator("#warning h3").count() >= 5
    assert page.console_errors == []


def test_search_box_by_keyboard(live_server, page) -> None:
    page.goto(live_server.base + "/")
    page.locator("#site-search").focus()
    page.keyboard.type("sales")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=sales")
    assert page.locator("h1").inner_text() == "Search"
    table = page.locator("table").inner_text()
    assert "Inside sales" in table and "Field sales" in table
    assert page.locator("#site-search").input_value() == "sales"
    assert page.console_errors == []


@pytest.mark.parametrize("path", ["/", "/validation", "/search?q=sales"])
def test_pages_have_json_twins_linked(live_server, path: str) -> None:
    _, headers, html = get(live_server.base + path)
    assert 'type="application/json"' in headers["Link"]
    assert 'rel="alternate" type="application/json"' in html
