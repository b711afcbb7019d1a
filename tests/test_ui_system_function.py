"""The system and function pages on the sample enterprise: content, JSON twins, 404s, browser."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

SKY = "https://example.org/skyward/"
SKYHAWK = SKY + "system/skyhawk-x4"
INSIDE_SALES = SKY + "function/inside-sales"
EVENTS = SKY + "function/events-marketing"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def get(server, path: str, iri: str | None = None, **params: str) -> requests.Response:
    if iri is not None:
        params["iri"] = iri
    return requests.get(server.base + path, params=params, timeout=10)


@pytest.fixture(scope="session")
def served(live_server):
    """The live server after one page: its query workers are forked before chromium starts.

    A worker forked after the browser inherits the Playwright driver's pipes, and closing the
    browser then waits for ever (seen when only the browser tests of this file run).
    """
    assert get(live_server, "/systems").status_code == 200
    return live_server


@pytest.fixture(scope="module")
def skyhawk_html(live_server) -> str:
    response = get(live_server, "/system", SKYHAWK)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    return response.text


def test_system_page_shows_promise_owner_segments_and_related_systems(skyhawk_html: str):
    html = skyhawk_html
    assert html.count("<h1") == 1
    assert "<h1>SkyHawk X4 survey drone</h1>" in html
    assert "Survey-grade site maps in a day instead of a week." in html
    assert "Amara Okafor" in html
    assert "Land-survey and construction firms" in html
    assert "Flight level 2" in html and "Flight level 3" in html
    for label in ("SkyOps flight cloud", "Common airframe and battery platform",
                  "Customer data platform", "Aviation regulatory and legal office",
                  "People and talent", "Battery recall task force"):
        assert label in html
    assert "Crisis response" in html or "crisis response" in html
    # offerings, channels, integrated functions, journeys (linked to the journey page)
    assert "SkyHawk Care plan" in html and "AeroPartners reseller network" in html
    assert 'href="/function?iri=' + quote(INSIDE_SALES, safe="") + '"' in html
    assert 'href="/journey?iri=' + quote(SKY + "journey/surveyor-5s", safe="") + '"' in html


def test_system_graph_has_a_node_per_related_system(skyhawk_html: str):
    svg = re.search(r"<svg class=\"sysgraph\".*?</svg>", skyhawk_html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-label="Graph of SkyHawk X4 survey drone' in svg
    nodes = re.findall(r'<a class="node (\w[\w-]*)" href="([^"]+)"', svg)
    assert sorted(kind for kind, _ in nodes) == ["enabling", "enabling", "popup", "supporting",
                                                 "supporting", "supporting"]
    assert all(href.startswith("/system?iri=") for _, href in nodes)
    assert svg.count('class="edge"') == 6
    for edge in ("depends on", "relies on", "triggered (Crisis response)"):
        assert edge in svg


def test_system_json_twin(live_server):
    response = get(live_server, "/system", SKYHAWK, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["market_promise"] == "Survey-grade site maps in a day instead of a week."
    assert data["value_streams"][0]["owner"]["label"] == "Amara Okafor"
    assert [s["label"] for s in data["segments"]] == ["Land-survey and construction firms"]
    assert {s["iri"] for s in data["depends_on"]} == {
        SKY + "system/airframe-platform", SKY + "system/flight-cloud",
        SKY + "system/customer-data-platform"}
    assert {s["iri"] for s in data["relies_on"]} == {SKY + "system/aviation-legal",
                                                    SKY + "system/people-and-talent"}
    assert [(p["label"], p["purpose"]) for p in data["triggered"]] == [
        ("Battery recall task force", "Crisis response")]
    assert {j["iri"] for j in data["journeys"]} == {SKY + "journey/surveyor-5s",
                                                   SKY + "journey/surveyor-8p"}
    assert len(data["graph"]["nodes"]) == 6
    assert 'rel="alternate"' in response.headers["Link"]


def test_supporting_and_pop_up_systems_show_who_uses_them(live_server):
    data = get(live_server, "/system", SKY + "system/flight-cloud", format="json").json()
    assert data["type"] == "Supporting system" and not data["customer_facing"]
    assert {(u["label"], u["relation"]) for u in data["used_by"]} == {
        ("SkyHawk X4 survey drone", "depends on"), ("SkyBook booking portal", "depends on"),
        ("SkyDrop medical delivery", "depends on")}
    popup = get(live_server, "/system", SKY + "system/battery-recall-task-force").text
    assert "Pop-up system" in popup and "Fourteen survey firms reported swelling" in popup
    assert "SkyHawk X4 survey drone" in popup


def test_systems_list_grouped_by_type(live_server):
    data = get(live_server, "/systems", format="json").json()
    assert [(g["type"], len(g["systems"])) for g in data["groups"]] == [
        ("Customer-facing system", 3), ("Supporting system", 3), ("Enabling system", 2),
        ("Pop-up system", 3)]
    csv = get(live_server, "/systems", format="csv").text.splitlines()
    assert csv[0] == "type,system,label,market_promise,flight_levels" and len(csv) == 12


@pytest.fixture(scope="module")
def inside_sales(live_server) -> dict:
    response = get(live_server, "/function", INSIDE_SALES, format="json")
    assert response.status_code == 200
    return response.json()


def test_function_stages_grouped_by_journey(inside_sales: dict):
    stages = {j["journey"]["label"]: [(s["label"], [c["label"] for c in s["characteristics"]])
                                      for s in j["stages"]] for j in inside_sales["stages"]}
    assert stages == {
        "Farm operators on SkyBook (five stages)": [
            ("Farm operators: Consideration", ["Functional"]),
            ("Farm operators: Acquisition", ["Functional"])],
        "Survey firms with the SkyHawk X4 (five stages)": [
            ("Survey firms: Acquisition", ["Functional"])]}
    assert [c["label"] for c in inside_sales["classification"]] == ["Inside sales"]
    assert [v["label"] for v in inside_sales["value_focus"]] == ["Value creation"]


def test_function_hand_offs_and_missing_hand_off(inside_sales: dict):
    upstream = sorted((h["function"]["label"], h["from_stage"]["label"], h["to_stage"]["label"])
                      for h in inside_sales["hand_offs"]["in"])
    assert upstream == [
        ("Brand marketing", "Farm operators: Awareness", "Farm operators: Consideration"),
        ("Brand marketing", "Survey firms: Consideration", "Survey firms: Acquisition"),
        ("Events marketing", "Farm operators: Awareness", "Farm operators: Consideration")]
    downstream = sorted(h["function"]["label"] for h in inside_sales["hand_offs"]["out"])
    assert downstream == ["Customer service", "Flight operations", "Pilot community"]
    missing = inside_sales["gaps"]["missing_hand_offs"]
    assert [(m["from_function"]["label"], m["from_stage"]["label"], m["to_stage"]["label"],
             m["role"]) for m in missing] == [
        ("Events marketing", "Survey firms: Consideration", "Survey firms: Acquisition", "to")]
    assert inside_sales["gaps"]["inside_out"] is False


def test_function_html_page(live_server):
    html = get(live_server, "/function", EVENTS).text
    assert html.count("<h1") == 1 and "<h1>Events marketing</h1>" in html
    assert "Missing hand-off" in html and "Inside sales" in html
    assert "Survey firms: Consideration" in html and "Survey firms: Acquisition" in html
    assert "Social" in html  # the characteristic of its coverage at Consideration


def test_function_monitoring_velcro_and_inside_out(live_server):
    success = get(live_server, "/function", SKY + "function/customer-success",
                  format="json").json()
    journeys = {m["iri"] for m in success["monitors"] if m["kind"] == "journey"}
    assert journeys == {SKY + "journey/surveyor-5s", SKY + "journey/surveyor-8p",
                        SKY + "journey/farm-5s"}
    assert any(v["customer_unit"]["iri"] == SKY + "customer-unit/survey-operations"
               for v in success["velcro"])
    manufacturing = get(live_server, "/function", SKY + "function/manufacturing-engineering",
                        format="json").json()
    assert manufacturing["gaps"]["inside_out"] is True and manufacturing["stages"] == []
    functions = get(live_server, "/functions", format="json").json()["functions"]
    assert len(functions) == 13
    assert {f["label"]: f["missing_hand_offs"] for f in functions}["Events marketing"] == 1


@pytest.mark.parametrize("path, iri, resource_link", [
    ("/system", None, False),
    ("/system", SKY + "system/no-such-system", False),
    ("/system", "not an iri", False),
    ("/system", INSIDE_SALES, True),  # a function is not a system
    ("/function", SKY + "function/nope", False),
    ("/function", SKYHAWK, True),  # a system is not a function
    ("/function", SKY + "segment/survey-firms", True),
])
def test_not_found(live_server, path: str, iri: str | None, resource_link: bool):
    response = get(live_server, path, iri)
    assert response.status_code == 404
    assert "<h1>No such" in response.text
    link = 'href="/resource?iri=' + quote(iri or "", safe="") + '"'
    assert (link in response.text) is resource_link
    twin = get(live_server, path, iri, format="json")
    assert twin.status_code == 404 and twin.json()["status"] == 404


def test_browser_system_page_graph_and_navigation(served, page):
    live_server = served
    page.goto(live_server.base + "/system?iri=" + quote(SKYHAWK, safe=""))
    graph = page.locator(".diagram svg")
    assert graph.is_visible()
    assert graph.locator("a.node").count() == 6
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "system.png"), full_page=True)
    # the nodes are keyboard-reachable links; following one opens that system's page
    page.locator("a.node.popup").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/system?iri=*battery-recall-task-force*")
    assert page.locator("h1").inner_text() == "Battery recall task force"
    page.locator(".diagram a.node").first.click()
    page.wait_for_url("**/system?iri=*skyhawk-x4*")
    assert page.console_errors == []


def test_browser_function_page(served, page):
    live_server = served
    page.goto(live_server.base + "/function?iri=" + quote(INSIDE_SALES, safe=""))
    assert page.locator("h1").inner_text() == "Inside sales"
    assert page.locator(".gap").first.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "function.png"), full_page=True)
    page.locator("#hand-offs ~ div a", has_text="Brand marketing").first.click()
    page.wait_for_url("**/function?iri=*brand-marketing*")
    assert page.locator("h1").inner_text() == "Brand marketing"
    page.set_viewport_size({"width": 390, "height": 800})
    # narrow screen: the page itself does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.console_errors == []


HOSTILE = """
@prefix cv: <https://w3id.org/custvalue/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/x/cfs> a cv:CustomerFacingSystem ;
    rdfs:label "<script>alert(1)</script>" ;
    cv:marketPromise "\\"><img src=x onerror=alert(2)>" ;
    cv:dependsOn <https://example.org/x/sup> .
<https://example.org/x/sup> a cv:SupportingSystem ; rdfs:label "A & <b>B</b>" .
"""


def test_graph_values_are_escaped_in_page_and_svg():
    from custvalue_kg.kg import KnowledgeGraph
    from server import create_app

    kg = KnowledgeGraph.open()
    kg.load_data(HOSTILE, fmt="turtle", graph="https://example.org/x/graph")
    app = create_app(kg)
    try:
        html = app.test_client().get("/system?iri=https://example.org/x/cfs").get_data(True)
    finally:
        app.extensions["custvalue_kg"].close()
    assert "<script>alert" not in html and "<img" not in html and "<b>B" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A &amp; &lt;b&gt;B&lt;/b&gt;" in html.split("<svg", 1)[1]
