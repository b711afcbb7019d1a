"""The journey page: the swimlane picture, its JSON/CSV twins and the journey list."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

SKY = "https://example.org/skyward/"
SURVEYOR_5S = SKY + "journey/surveyor-5s"
SURVEYOR_8P = SKY + "journey/surveyor-8p"
CLINIC_8P = SKY + "journey/clinic-8p"
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "journey.png"


def fetch(base: str, path: str, accept: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(base + path, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _TreeBuilder(HTMLParser):
    """Just enough HTML parsing to query our own pages with ElementTree paths."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        element = ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        ET.SubElement(self.stack[-1], tag, {k: v or "" for k, v in attrs})

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def parse(body: bytes) -> ET.Element:
    builder = _TreeBuilder()
    builder.feed(body.decode())
    return builder.root


def text(element: ET.Element, skip_titles: bool = False) -> str:
    """The text content of an element (optionally without SVG <title> tooltips)."""
    parts = [element.text or ""]
    for child in element:
        if not (skip_titles and child.tag == "title"):
            parts.append(text(child, skip_titles))
        parts.append(child.tail or "")
    return "".join(parts)


def having(elements: list[ET.Element], css: str) -> list[ET.Element]:
    return [e for e in elements if css in e.get("class", "").split()]


def journey_path(iri: str, extra: str = "") -> str:
    return "/journey?iri=" + quote(iri, safe="") + extra


@pytest.fixture(scope="module")
def pages(live_server) -> dict:
    """The HTML of each sample journey, parsed once."""
    parsed = {}
    for iri in (SURVEYOR_5S, SURVEYOR_8P, CLINIC_8P, SKY + "journey/farm-5s"):
        status, headers, body = fetch(live_server.base, journey_path(iri))
        assert status == 200, body[:300]
        assert headers["Content-Type"].startswith("text/html")
        parsed[iri] = parse(body)
    return parsed


def svg(doc: ET.Element) -> ET.Element:
    found = doc.findall(".//div[@class='diagram']/svg")
    assert len(found) == 1
    return found[0]


def groups(doc: ET.Element, css: str) -> list[ET.Element]:
    return having(svg(doc).findall(".//g"), css)


def stage_labels(doc: ET.Element) -> list[str]:
    return [text(g, skip_titles=True).strip() for g in groups(doc, "stage-head")]


def test_surveyor_5s_stages_lanes_and_missing_handoff(pages) -> None:
    doc = pages[SURVEYOR_5S]
    assert [text(h) for h in doc.iter("h1")] == [
        "Survey firms with the SkyHawk X4 (five stages)"]
    picture = svg(doc)
    assert picture.get("role") == "img"
    assert text(picture.find("title")).startswith("Swimlanes of ")
    assert stage_labels(doc) == ["Awareness", "Consideration", "Acquisition", "Service",
                                 "Loyalty"]
    lane_links = having(picture.findall(".//a"), "lane-link")
    assert [a.get("data-function") for a in lane_links] == [SKY + "function/" + f for f in (
        "brand-marketing", "events-marketing", "inside-sales", "customer-service",
        "pilot-community", "customer-success")]
    lane_texts = [text(a, skip_titles=True).strip() for a in lane_links]
    assert lane_texts[0] == "Brand marketing" and lane_texts[-1] == "Customer success"
    # Phase bands: Pre-purchase over three stages, then Post-purchase.
    assert [text(g.find("text")) for g in groups(doc, "phase")] == [
        "Pre-purchase", "Post-purchase"]

    missing = groups(doc, "missing-handoff")
    assert len(missing) == 1
    arrow = missing[0]
    assert arrow.get("data-from-function") == SKY + "function/events-marketing"
    assert arrow.get("data-to-function") == SKY + "function/inside-sales"
    assert arrow.get("data-from-stage") == SURVEYOR_5S + "/consideration"
    assert arrow.get("data-to-stage") == SURVEYOR_5S + "/acquisition"
    assert text(arrow.find("text")) == "missing"
    assert "arrow-missing" in arrow.find("path").get("marker-end")

    # Five declared hand-offs, each with what it hands over as a tooltip.
    declared = groups(doc, "handoff")
    assert len(declared) == 5
    assert any("Case history and open issues" in text(g.find("title")) for g in declared)
    # No uncovered stage; the journey is monitored; its renewal loop is drawn.
    assert not groups(doc, "uncovered-stage")
    assert not having(doc.findall(".//p"), "not-monitored")
    assert len(groups(doc, "renewal-loop")) == 1


def test_coverage_cells_show_characteristics(pages) -> None:
    cells = groups(pages[SURVEYOR_5S], "cell")
    assert len(cells) == 7
    service = [c for c in cells if c.get("data-stage") == SURVEYOR_5S + "/service"
               and c.get("data-function") == SKY + "function/customer-service"]
    assert len(service) == 1
    markers = having(service[0].findall("g"), "marker")
    assert [text(m) for m in markers] == ["F", "E"]


def test_clinic_uncovered_dispose_and_nobody_monitors(pages) -> None:
    doc = pages[CLINIC_8P]
    uncovered = groups(doc, "uncovered-stage")
    assert [g.get("data-stage") for g in uncovered] == [CLINIC_8P + "/dispose"]
    assert text(uncovered[0].find("text")) == "no function"
    heads = [g for g in groups(doc, "stage-head") if g.get("data-stage") == CLINIC_8P + "/dispose"]
    assert "uncovered" in heads[0].get("class")
    notice = having(doc.findall(".//p"), "not-monitored")
    assert notice and "Nobody monitors this journey end to end" in text(notice[0])
    assert not groups(doc, "renewal-loop")
    # The unaddressed barrier at Evaluation is flagged beside the picture.
    table = having(doc.findall(".//table"), "per-stage")[0]
    rows = [r for r in table.iter("tr") if "Evaluation" in text(r.find("th"))]
    assert "not addressed" in text(rows[0])


def test_stage_models_give_their_column_counts(pages) -> None:
    assert len(stage_labels(pages[SURVEYOR_8P])) == 8
    assert stage_labels(pages[SURVEYOR_8P])[0] == "Solutions"
    assert len(stage_labels(pages[SURVEYOR_5S])) == 5
    assert len(stage_labels(pages[SKY + "journey/farm-5s"])) == 5


def test_renewal_loop_of_eight_part_journey(pages) -> None:
    loop = groups(pages[SURVEYOR_8P], "renewal-loop")
    assert len(loop) == 1
    title = text(loop[0].find("title"))
    assert "from Survey firms: Dispose back to Survey firms: Selection" in title


def test_json_twin(live_server) -> None:
    status, headers, body = fetch(live_server.base, journey_path(SURVEYOR_5S),
                                  accept="application/json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data["journey"] == SURVEYOR_5S
    assert data["label"] == "Survey firms with the SkyHawk X4 (five stages)"
    assert data["segment"]["iri"] == SKY + "segment/survey-firms"
    assert data["system"]["iri"] == SKY + "system/skyhawk-x4"
    assert data["stageModel"]["iri"] == "https://w3id.org/custvalue/scheme/five-stage-model"
    assert [s["position"] for s in data["stages"]] == [1, 2, 3, 4, 5]
    assert [s["phaseLabel"] for s in data["stages"]] == ["Pre-purchase"] * 3 + [
        "Post-purchase"] * 2
    assert len(data["functions"]) == 6
    assert {"stage": SURVEYOR_5S + "/service", "function": SKY + "function/customer-service",
            "characteristics": ["Functional", "Emotional"]} in data["coverage"]
    assert len(data["handoffs"]) == 5
    assert [(m["fromFunction"], m["toFunction"]) for m in data["missingHandoffs"]] == [
        (SKY + "function/events-marketing", SKY + "function/inside-sales")]
    assert data["uncoveredStages"] == []
    assert data["renewalLoop"]["from"] == SURVEYOR_5S + "/loyalty"
    assert data["renewalLoop"]["to"] == SURVEYOR_5S + "/consideration"
    assert [j["iri"] for j in data["jobs"]] == [SKY + "job/survey-a-site"]
    assert "view" not in data  # layout numbers stay out of the twin
    assert 'rel="alternate"; type="text/csv"' in headers["Link"]

    status, _, body = fetch(live_server.base, journey_path(CLINIC_8P, "&format=json"))
    clinic = json.loads(body)
    assert clinic["uncoveredStages"] == [CLINIC_8P + "/dispose"]
    assert clinic["monitoredBy"] == [] and clinic["renewalLoop"] is None
    unaddressed = {c["iri"] for c in clinic["challenges"] if not c["addressed"]}
    assert unaddressed == {SKY + "challenge/regulatory-doubt", SKY + "challenge/nobody-to-receive"}


def test_csv_matrix(live_server) -> None:
    status, headers, body = fetch(live_server.base, journey_path(CLINIC_8P, "&format=csv"))
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = body.decode().splitlines()
    assert lines[0] == "position,stage,stageLabel,phase,function,functionLabel,characteristics"
    assert lines[-1] == f"8,{CLINIC_8P}/dispose,Rural clinics: Dispose,Post-purchase,,,"


@pytest.mark.parametrize("query", [
    journey_path(SKY + "journey/no-such-journey"),
    journey_path(SKY + "function/customer-success"),
    "/journey",
    "/journey?iri=not%20an%20iri",
])
def test_unknown_journey_is_404(live_server, query: str) -> None:
    status, headers, body = fetch(live_server.base, query)
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    doc = parse(body)
    assert [text(h) for h in doc.iter("h1")] == ["Journey not found"]
    assert doc.findall(".//p[@role='alert']")


def test_graph_values_are_escaped(live_server) -> None:
    status, _, body = fetch(live_server.base, journey_path(SKY + "journey/<script>x"))
    assert status == 404 and b"<script>x" not in body


def test_journey_list(live_server) -> None:
    status, _, body = fetch(live_server.base, "/journeys")
    assert status == 200
    links = [a.get("href") for a in parse(body).findall(".//table//a")
             if a.get("href").startswith("/journey?")]
    assert len(links) == 4
    assert "/journey?iri=" + quote(CLINIC_8P, safe="/") in links
    status, _, body = fetch(live_server.base, "/journeys?format=json")
    assert {j["journey"]: j["stages"] for j in json.loads(body)["journeys"]}[CLINIC_8P] == 8


def test_in_browser(live_server, page) -> None:
    page.goto(live_server.base + journey_path(SURVEYOR_5S))
    picture = page.locator("div.diagram svg")
    assert picture.is_visible()
    assert page.locator("g.missing-handoff").count() == 1
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    lane = page.locator(f"a.lane-link[data-function='{SKY}function/inside-sales']")
    lane.click()
    page.wait_for_url(lambda url: "/function?iri=" in url)
    assert page.url == live_server.base + "/function?iri=" + quote(
        SKY + "function/inside-sales", safe="/")
    assert page.console_errors == []


def test_narrow_screen_scrolls_the_picture_only(live_server, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        tab.goto(live_server.base + journey_path(CLINIC_8P))
        # The page itself does not scroll sideways; the diagram does.
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        assert tab.evaluate(
            "(() => { const d = document.querySelector('div.diagram');"
            " return d.scrollWidth > d.clientWidth; })()")
    finally:
        context.close()


MINIMAL = """
@prefix cv: <https://w3id.org/custvalue/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/mini/> .
ex:j a cv:CustomerJourney ; rdfs:label "Mini <script>window.__x=1</script>" .
ex:s1 cv:stageOf ex:j ; cv:stagePosition 1 ; rdfs:label "Look & <b>feel</b>" ; cv:nextStage ex:s2 .
ex:s2 cv:stageOf ex:j ; cv:stagePosition 2 ; rdfs:label "Buy" ; cv:renewsTo ex:s1 .
ex:f cv:coversStage ex:s1 ; rdfs:label "Team \\"<img src=x onerror=alert(1)>\\"" .
"""


def test_minimal_journey_stage_of_renews_to_and_escaping(make_server) -> None:
    """Stages stated only with cv:stageOf, no stage types, a cv:renewsTo loop, hostile labels."""
    from custvalue_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph.open()
    kg.load_data(MINIMAL, fmt="turtle", graph="https://example.org/mini/graph")
    server = make_server(kg)
    status, _, body = fetch(server.base, journey_path("https://example.org/mini/j"))
    assert status == 200
    assert b"<script>window" not in body and b"<img src=x" not in body and b"<b>feel" not in body
    doc = parse(body)
    assert stage_labels(doc) == ["Look & <b>feel</b>", "Buy"]
    assert [text(g.find("text")) for g in groups(doc, "phase")] == ["phase not stated"]
    assert len(groups(doc, "renewal-loop")) == 1
    assert [g.get("data-stage") for g in groups(doc, "uncovered-stage")] == [
        "https://example.org/mini/s2"]
    lane = having(svg(doc).findall(".//a"), "lane-link")
    assert text(lane[0].find("title")) == 'Team "<img src=x onerror=alert(1)>"'
