"""The named queries: well-formed, engine-neutral, and exact on the sample enterprise.

The sample (examples/sample-enterprise.ttl) is clean except for the deliberate gaps listed in
examples/README.md; every gap query is pinned here to exactly those rows, so a query that stops
finding a gap, or starts finding one that is not there, fails.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.sparql import prepareQuery

from custvalue_kg import assets
from custvalue_kg.catalog import read_header, read_query_file
from custvalue_kg.errors import ParameterError
from custvalue_kg.kg import ONTOLOGY_GRAPH, SAMPLE_GRAPH, SCHEMES_GRAPH, KnowledgeGraph
from custvalue_kg.parameters import inject_values

SKY = "https://example.org/skyward/"
CV = "https://w3id.org/custvalue/ontology#"
CVS = "https://w3id.org/custvalue/scheme/"
SHORT = (("sky:", SKY), ("cvs:", CVS), ("cv:", CV))

QUESTIONS = {
    1: "functions-covering-stage",
    2: "missing-handoffs",
    3: "uncovered-stages",
    4: "unaddressed-challenges",
    5: "system-dependencies",
    6: "value-stream-owners",
    7: "journey-jobs-benefits",
    8: "journey-monitoring",
    9: "unevidenced-hypotheses",
    10: "inside-out",
    11: "velcro-correspondences",
    12: "journey-matrix",
    13: "popup-triggers",
    14: "inconsistent-handoffs",
    # links to imported architecture models (pinned in test_link_queries.py)
    15: "architecture-functions-without-stage",
    16: "functions-without-architecture-counterpart",
    17: "flows-missing-as-handoffs",
    18: "handoffs-missing-in-architecture",
}

Row = tuple[str | None, ...]


def expand(value: str) -> str:
    for prefix, iri in SHORT:
        if value.startswith(prefix):
            return iri + value[len(prefix):]
    return value


def shorten(value: str | None) -> str | None:
    if value is None:
        return None
    for prefix, iri in SHORT:
        if value.startswith(iri):
            return prefix + value[len(iri):]
    return value


def short_rows(rows: Sequence[Row]) -> list[Row]:
    return [tuple(shorten(v) for v in row) for row in rows]


def run(kg: KnowledgeGraph, name: str, **params: str) -> tuple[list[str], list[Row]]:
    """Run a named query; parameters and results use the sky:/cv:/cvs: short forms."""
    result = kg.run_named(name, {k: expand(v) for k, v in params.items()})
    return result.variables, short_rows(result.text_rows())


def query_paths() -> list[Path]:
    return assets.query_files()


# Virtuoso 7.2 (Debian bookworm) answers two queries differently: property paths with `*` and
# a constant end inside OPTIONAL or MINUS lose rows there (the same patterns at the top level
# agree, checked by hand). Strict: a Virtuoso that agrees makes these fail, so we notice.
VIRTUOSO_DIVERGENT = ("journey-monitoring", "unevidenced-hypotheses", "q08_", "q09_",
                      "gap_queries_find_what_the_shapes_report_on_the_sample")


@pytest.fixture(autouse=True)
def _virtuoso_divergences(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("sample_kg") == "virtuoso" and any(
            part in request.node.name for part in VIRTUOSO_DIVERGENT):
        request.applymarker(pytest.mark.xfail(strict=True, reason="Virtuoso property paths"))


# --- the files themselves ----------------------------------------------------------------------

def test_one_file_per_competency_question() -> None:
    named = {read_query_file(p).question: p.stem for p in query_paths()}
    assert len(query_paths()) == len(QUESTIONS) == 18
    assert named == QUESTIONS


@pytest.mark.parametrize("path", query_paths(), ids=lambda p: p.stem)
def test_query_parses_with_rdflib_and_oxigraph(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    prepareQuery(text)
    list(ox.Store().query(text))  # raises SyntaxError when Oxigraph cannot parse it


@pytest.mark.parametrize("path", query_paths(), ids=lambda p: p.stem)
def test_query_header_and_conventions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = read_header(text, str(path))
    for key in ("title", "description", "question", "tags"):
        assert header.get(key), f"{path.name}: header lacks {key}"
    assert isinstance(header["question"], int)
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"\bSELECT\b", body) and re.search(r"\bWHERE\s*\{", body)
    assert re.search(r"\bORDER BY\b", body), f"{path.name}: rows must be ordered"
    assert "{{" not in body and "${" not in body and "%(" not in body, "no text templating"
    for name, spec in (header.get("parameters") or {}).items():
        for key in ("type", "required", "example", "description"):
            assert key in spec, f"{path.name}: parameter {name} lacks {key}"
        # bound by the engine as a variable, and projected, so Oxigraph binds it natively
        select = body[body.index("SELECT"):body.index("WHERE")]
        assert f"?{name} " in select or f"?{name}\n" in select, f"{path.name}: ?{name}"


# --- engine neutrality -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rdflib_sample() -> Dataset:
    """The same three graphs in rdflib's own store, queried by rdflib's own SPARQL engine."""
    dataset = Dataset(default_union=True)
    for graph, files in ((ONTOLOGY_GRAPH, assets.ontology_files()),
                         (SCHEMES_GRAPH, assets.scheme_files()),
                         (SAMPLE_GRAPH, assets.sample_files())):
        named = dataset.graph(URIRef(graph))
        for path in files:
            named.parse(path, format="turtle")
    return dataset


CASES = [
    ("functions-covering-stage", {"stage": "sky:journey/surveyor-5s/service"}),
    ("missing-handoffs", {}),
    ("missing-handoffs", {"journey": "sky:journey/farm-5s"}),
    ("uncovered-stages", {}),
    ("unaddressed-challenges", {}),
    ("unaddressed-challenges", {"kind": "cv:BarrierToConsumption"}),
    ("system-dependencies", {}),
    ("system-dependencies", {"system": "sky:system/skydrop"}),
    ("value-stream-owners", {}),
    ("journey-jobs-benefits", {}),
    ("journey-monitoring", {}),
    ("unevidenced-hypotheses", {}),
    ("inside-out", {}),
    ("velcro-correspondences", {}),
    ("velcro-correspondences", {"segment": "sky:segment/rural-clinics"}),
    ("journey-matrix", {"journey": "sky:journey/surveyor-5s"}),
    ("journey-matrix", {"journey": "sky:journey/clinic-8p"}),
    ("popup-triggers", {}),
    ("inconsistent-handoffs", {}),
    ("functions-without-architecture-counterpart", {}),
]


def comparable(name: str, variables: list[str], rows: list[Row]) -> list[Row]:
    """GROUP_CONCAT joins in no defined order: compare the journey matrix's cell as a set."""
    if name != "journey-matrix":
        return rows
    index = variables.index("characteristics")

    def as_set(cell: str | None) -> str | None:
        return None if cell is None else ", ".join(sorted(cell.split(", ")))

    return [(*row[:index], as_set(row[index]), *row[index + 1:]) for row in rows]


@pytest.mark.parametrize(("name", "params"), CASES,
                         ids=[f"{n}-{'-'.join(p) or 'all'}" for n, p in CASES])
def test_rdflib_engine_gives_the_same_rows(
    sample_kg: KnowledgeGraph, rdflib_sample: Dataset, name: str, params: dict[str, str]
) -> None:
    """Oxigraph binds parameters natively; rdflib (like a remote store) gets a VALUES block."""
    variables, oxigraph_rows = run(sample_kg, name, **params)
    named = sample_kg.catalog.get(name)
    text = inject_values(named.text, named.bind({k: expand(v) for k, v in params.items()}))
    result = rdflib_sample.query(text)
    assert [str(v) for v in result.vars] == variables
    rdflib_rows = short_rows([tuple(None if v is None else str(v) for v in row)
                              for row in result])
    assert comparable(name, variables, rdflib_rows) == comparable(name, variables, oxigraph_rows)


OPTIONAL_FILTERS = [
    ("missing-handoffs", "journey", "sky:journey/surveyor-5s"),
    ("missing-handoffs", "journey", "sky:journey/clinic-8p"),
    ("uncovered-stages", "journey", "sky:journey/clinic-8p"),
    ("unaddressed-challenges", "kind", "cv:HurdleToSatisfaction"),
    ("system-dependencies", "system", "sky:system/skybook-portal"),
    ("journey-jobs-benefits", "journey", "sky:journey/surveyor-8p"),
    ("velcro-correspondences", "segment", "sky:segment/survey-firms"),
]


@pytest.mark.parametrize(("name", "param", "value"), OPTIONAL_FILTERS,
                         ids=[f"{n}-{p}" for n, p, _ in OPTIONAL_FILTERS])
def test_optional_parameter_narrows_the_unbound_answer(
    sample_kg: KnowledgeGraph, name: str, param: str, value: str
) -> None:
    variables, everything = run(sample_kg, name)
    index = variables.index(param)
    expected = [row for row in everything if row[index] == value]
    assert expected, f"{value} should have rows in {name}"
    assert run(sample_kg, name, **{param: value}) == (variables, expected)


def test_unknown_values_of_optional_parameters(sample_kg: KnowledgeGraph) -> None:
    assert run(sample_kg, "missing-handoffs", journey="sky:journey/nope")[1] == []
    assert run(sample_kg, "journey-jobs-benefits", journey="sky:journey/nope")[1] == []
    with pytest.raises(ParameterError, match="kind"):
        run(sample_kg, "unaddressed-challenges", kind="cv:Challenge")


# --- exact answers on the sample ---------------------------------------------------------------

def test_q01_functions_covering_stage(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "functions-covering-stage",
                          stage="sky:journey/surveyor-5s/service")
    assert variables == ["stage", "stageLabel", "function", "functionLabel", "characteristic",
                         "characteristicLabel", "coverage"]
    stage = ("sky:journey/surveyor-5s/service", "Survey firms: Service")
    assert rows == [
        (*stage, "sky:function/customer-service", "Customer service", "cvs:emotional",
         "Emotional", "sky:coverage/surveyor-5s-service-customer-service-emotional"),
        (*stage, "sky:function/customer-service", "Customer service", "cvs:functional",
         "Functional", "sky:coverage/surveyor-5s-service-customer-service-functional"),
        (*stage, "sky:function/pilot-community", "Pilot community", "cvs:social",
         "Social", "sky:coverage/surveyor-5s-service-pilot-community-social"),
    ]
    _, rows = run(sample_kg, "functions-covering-stage", stage="sky:journey/surveyor-8p/maintain")
    assert [(r[3], r[5]) for r in rows] == [("Customer success", "Functional"),
                                            ("Repair and refurbishment", "Functional")]
    # the deliberately uncovered stage
    assert run(sample_kg, "functions-covering-stage", stage="sky:journey/clinic-8p/dispose")[1] \
        == []


def test_q02_missing_handoffs(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "missing-handoffs")
    assert variables == ["journey", "journeyLabel", "fromStage", "fromStageLabel", "fromFunction",
                         "fromFunctionLabel", "toStage", "toStageLabel", "toFunction",
                         "toFunctionLabel"]
    assert rows == [
        ("sky:journey/farm-5s", "Farm operators on SkyBook (five stages)",
         "sky:journey/farm-5s/service", "Farm operators: Service",
         "sky:function/flight-operations", "Flight operations",
         "sky:journey/farm-5s/loyalty", "Farm operators: Loyalty",
         "sky:function/customer-success", "Customer success"),
        ("sky:journey/clinic-8p", "Rural clinics on SkyDrop (eight parts)",
         "sky:journey/clinic-8p/use", "Rural clinics: Use",
         "sky:function/flight-operations", "Flight operations",
         "sky:journey/clinic-8p/maintain", "Rural clinics: Maintain",
         "sky:function/customer-service", "Customer service"),
        ("sky:journey/surveyor-5s", "Survey firms with the SkyHawk X4 (five stages)",
         "sky:journey/surveyor-5s/consideration", "Survey firms: Consideration",
         "sky:function/events-marketing", "Events marketing",
         "sky:journey/surveyor-5s/acquisition", "Survey firms: Acquisition",
         "sky:function/inside-sales", "Inside sales"),
    ]
    # the eight-part survey journey has every hand-off, including a same-stage one
    assert run(sample_kg, "missing-handoffs", journey="sky:journey/surveyor-8p")[1] == []


def test_q03_uncovered_stages(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "uncovered-stages")
    assert variables == ["journey", "journeyLabel", "stage", "stageLabel", "stagePosition",
                         "stageType", "stageTypeLabel"]
    assert rows == [
        ("sky:journey/clinic-8p", "Rural clinics on SkyDrop (eight parts)",
         "sky:journey/clinic-8p/dispose", "Rural clinics: Dispose", "8", "cvs:dispose", "Dispose"),
    ]
    assert run(sample_kg, "uncovered-stages", journey="sky:journey/farm-5s")[1] == []


def test_q04_unaddressed_challenges(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "unaddressed-challenges")
    assert variables == ["kind", "kindLabel", "challenge", "challengeLabel", "stage",
                         "stageLabel", "job", "jobLabel"]
    job = ("sky:job/get-medicines-same-day", "Get urgent medicines to patients the same day")
    barrier = ("cv:BarrierToConsumption", "Barrier to consumption",
               "sky:challenge/regulatory-doubt",
               "Unsure whether drone delivery of medicines is allowed",
               "sky:journey/clinic-8p/evaluation", "Rural clinics: Evaluation", *job)
    hurdle = ("cv:HurdleToSatisfaction", "Hurdle to satisfaction",
              "sky:challenge/nobody-to-receive", "Nobody free to receive the parcel",
              "sky:journey/clinic-8p/use", "Rural clinics: Use", *job)
    assert rows == [barrier, hurdle]
    assert run(sample_kg, "unaddressed-challenges", kind="cv:BarrierToConsumption")[1] == [barrier]


def test_q05_system_dependencies(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "system-dependencies")
    assert variables == ["system", "systemLabel", "relation", "relationLabel", "dependency",
                         "dependencyLabel", "dependencyType", "dependencyTypeLabel"]
    dep = ("cv:dependsOn", "depends on")
    rel = ("cv:reliesOn", "relies on")
    cdp = ("sky:system/customer-data-platform", "Customer data platform", "cvs:supporting",
           "Supporting")
    cloud = ("sky:system/flight-cloud", "SkyOps flight cloud", "cvs:supporting", "Supporting")
    airframe = ("sky:system/airframe-platform", "Common airframe and battery platform",
                "cvs:supporting", "Supporting")
    legal = ("sky:system/aviation-legal", "Aviation regulatory and legal office", "cvs:enabling",
             "Enabling")
    people = ("sky:system/people-and-talent", "People and talent", "cvs:enabling", "Enabling")
    skybook = ("sky:system/skybook-portal", "SkyBook booking portal")
    skydrop = ("sky:system/skydrop", "SkyDrop medical delivery")
    skyhawk = ("sky:system/skyhawk-x4", "SkyHawk X4 survey drone")
    assert rows == [
        (*skybook, *dep, *cdp), (*skybook, *dep, *cloud), (*skybook, *rel, *legal),
        (*skydrop, *dep, *airframe), (*skydrop, *dep, *cloud),
        (*skydrop, *rel, *legal), (*skydrop, *rel, *people),
        (*skyhawk, *dep, *airframe), (*skyhawk, *dep, *cdp), (*skyhawk, *dep, *cloud),
        (*skyhawk, *rel, *legal), (*skyhawk, *rel, *people),
    ]


def test_q06_value_stream_owners(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "value-stream-owners")
    assert variables == ["system", "systemLabel", "valueStream", "valueStreamLabel", "owner",
                         "ownerLabel", "holder", "holderLabel"]
    assert rows == [
        ("sky:system/skybook-portal", "SkyBook booking portal", "sky:value-stream/skybook",
         "SkyBook: from crop question to next season's booking", "sky:agent/jonas-berg",
         "Jonas Berg", None, None),
        ("sky:system/skydrop", "SkyDrop medical delivery", "sky:value-stream/skydrop",
         "SkyDrop: from urgent order to medicine at the clinic", "sky:agent/head-of-skydrop",
         "Head of SkyDrop", "sky:agent/lena-fischer", "Lena Fischer"),
        ("sky:system/skyhawk-x4", "SkyHawk X4 survey drone", "sky:value-stream/skyhawk-x4",
         "SkyHawk X4: from survey need to retired drone", "sky:agent/amara-okafor",
         "Amara Okafor", None, None),
    ]


def test_q07_journey_jobs_benefits(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "journey-jobs-benefits")
    assert variables == ["journey", "journeyLabel", "job", "jobLabel", "benefit", "benefitLabel",
                         "stage", "stageLabel", "stagePosition"]
    survey = ("sky:job/survey-a-site", "Survey a site accurately and fast")
    in_a_day = ("sky:benefit/survey-in-a-day", "Site surveyed in a day instead of a week")
    assert rows == [
        ("sky:journey/farm-5s", "Farm operators on SkyBook (five stages)",
         "sky:job/monitor-crop-health", "Monitor crop health through the season",
         "sky:benefit/early-stress-detection", "Crop stress spotted before it shows",
         "sky:journey/farm-5s/service", "Farm operators: Service", "4"),
        ("sky:journey/clinic-8p", "Rural clinics on SkyDrop (eight parts)",
         "sky:job/get-medicines-same-day", "Get urgent medicines to patients the same day",
         "sky:benefit/same-day-medicines", "Patients treated the same day",
         "sky:journey/clinic-8p/use", "Rural clinics: Use", "6"),
        ("sky:journey/surveyor-8p", "Survey firms with the SkyHawk X4 (eight parts)",
         "sky:job/keep-fleet-flying", "Keep the survey fleet flying",
         "sky:benefit/fleet-ready", "A drone ready whenever a job comes in",
         "sky:journey/surveyor-8p/maintain", "Survey firms: Maintain", "7"),
        ("sky:journey/surveyor-8p", "Survey firms with the SkyHawk X4 (eight parts)", *survey,
         *in_a_day, "sky:journey/surveyor-8p/use", "Survey firms: Use", "6"),
        ("sky:journey/surveyor-5s", "Survey firms with the SkyHawk X4 (five stages)", *survey,
         *in_a_day, "sky:journey/surveyor-5s/service", "Survey firms: Service", "4"),
    ]


def test_q08_journey_monitoring(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "journey-monitoring")
    assert variables == ["journey", "journeyLabel", "monitor", "monitorLabel", "renewalLoop",
                         "renewalLoopLabel", "loopFrom", "loopFromLabel", "loopTo", "loopToLabel",
                         "monitoredEndToEnd", "closesRenewalLoop"]
    cs = ("sky:function/customer-success", "Customer success")
    assert rows == [
        ("sky:journey/farm-5s", "Farm operators on SkyBook (five stages)", *cs,
         "sky:journey/farm-5s/renewal-loop",
         "Season loop: farm operators re-book flights for the next season",
         "sky:journey/farm-5s/loyalty", "Farm operators: Loyalty",
         "sky:journey/farm-5s/acquisition", "Farm operators: Acquisition", "true", "true"),
        ("sky:journey/clinic-8p", "Rural clinics on SkyDrop (eight parts)",
         None, None, None, None, None, None, None, None, "false", "false"),
        ("sky:journey/surveyor-8p", "Survey firms with the SkyHawk X4 (eight parts)", *cs,
         "sky:journey/surveyor-8p/renewal-loop",
         "Trade-in loop: a retired X4 is traded in for its successor",
         "sky:journey/surveyor-8p/dispose", "Survey firms: Dispose",
         "sky:journey/surveyor-8p/selection", "Survey firms: Selection", "true", "true"),
        ("sky:journey/surveyor-5s", "Survey firms with the SkyHawk X4 (five stages)", *cs,
         "sky:journey/surveyor-5s/renewal-loop",
         "Upgrade loop: loyal survey firms reconsider the next SkyHawk model",
         "sky:journey/surveyor-5s/loyalty", "Survey firms: Loyalty",
         "sky:journey/surveyor-5s/consideration", "Survey firms: Consideration", "true", "true"),
    ]


def test_q09_unevidenced_hypotheses(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "unevidenced-hypotheses")
    assert variables == ["kind", "kindLabel", "item", "itemLabel", "missing"]
    assert rows == [
        ("cv:Decision", "Decision", "sky:decision/launch-premium-tier",
         "Launch a SkyDrop premium tier", "metric"),
        ("cv:Decision", "Decision", "sky:decision/bundle-care-plan",
         "Ship every X4 with a care plan", "customer evidence"),
        ("cv:Hypothesis", "Hypothesis", "sky:hypothesis/care-plan-raises-order-value",
         "Bundling the care plan raises order value", "customer evidence"),
        ("cv:Hypothesis", "Hypothesis", "sky:hypothesis/clinics-pay-premium",
         "Clinics will pay a premium for delivery within the hour", "metric"),
    ]


def test_q10_inside_out(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "inside-out")
    assert variables == ["kind", "kindLabel", "item", "itemLabel", "declaredOrientation",
                         "declaredOrientationLabel"]
    inside_out = ("cvs:inside-out", "Inside-out")
    assert rows == [
        ("cv:Function", "Function", "sky:function/manufacturing-engineering",
         "Manufacturing engineering", *inside_out),
        # declared outside-in, but linked to no job, benefit or challenge
        ("cv:Initiative", "Initiative", "sky:initiative/x5-feature-race",
         "SkyHawk X5 feature race", "cvs:outside-in", "Outside-in"),
        ("cv:Objective", "Objective", "sky:objective/cut-unit-cost",
         "Cut unit manufacturing cost by 12 %", *inside_out),
        ("cv:Objective", "Objective", "sky:objective/lead-the-spec-sheet",
         "Lead every competitor on the spec sheet", *inside_out),
    ]


def test_q11_velcro_correspondences(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "velcro-correspondences")
    assert variables == ["segment", "segmentLabel", "customerUnit", "customerUnitLabel", "level",
                         "levelLabel", "ourUnit", "ourUnitLabel", "correspondence"]
    fl1 = ("cvs:fl1", "Flight level 1: operational")
    fl2 = ("cvs:fl2", "Flight level 2: coordination")
    fl3 = ("cvs:fl3", "Flight level 3: strategic")
    farms = ("sky:segment/farm-operators", "Farm operators and co-operatives")
    surveys = ("sky:segment/survey-firms", "Land-survey and construction firms")
    clinics = ("sky:segment/rural-clinics", "Rural clinics and pharmacies")
    assert rows == [
        (*farms, "sky:customer-unit/farm-agronomists", "Field agronomists", *fl1,
         "sky:function/flight-operations", "Flight operations", "sky:velcro/farm-agronomists"),
        (*farms, "sky:customer-unit/farm-management", "Farm management", *fl2,
         "sky:function/customer-success", "Customer success", "sky:velcro/farm-management"),
        (*surveys, "sky:customer-unit/survey-field-crew", "Survey field crews", *fl1,
         "sky:function/pilot-community", "Pilot community", "sky:velcro/survey-field-crew"),
        (*surveys, "sky:customer-unit/survey-procurement", "Survey firm procurement", *fl2,
         "sky:function/field-sales", "Field sales", "sky:velcro/survey-procurement"),
        (*surveys, "sky:customer-unit/survey-operations", "Survey operations management", *fl2,
         "sky:function/customer-success", "Customer success", "sky:velcro/survey-operations"),
        (*surveys, "sky:customer-unit/survey-partners", "Managing partners", *fl3,
         "sky:function/product-management", "Product management", "sky:velcro/survey-partners"),
        (*clinics, "sky:customer-unit/clinic-dispatch", "Pharmacy dispatch desk", *fl1,
         "sky:function/customer-service", "Customer service", "sky:velcro/clinic-dispatch"),
        (*clinics, "sky:customer-unit/clinic-purchasing", "Clinic purchasing", *fl2,
         "sky:function/field-sales", "Field sales", "sky:velcro/clinic-purchasing"),
        # the customer unit no part of Skyward corresponds to
        (*clinics, "sky:customer-unit/clinic-governance-board", "Clinical governance board", *fl3,
         None, None, None),
    ]


def test_q12_journey_matrix(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "journey-matrix", journey="sky:journey/surveyor-5s")
    assert variables == ["journey", "stagePosition", "stage", "stageLabel", "function",
                         "functionLabel", "characteristics"]
    rows = comparable("journey-matrix", variables, rows)
    j = "sky:journey/surveyor-5s"
    assert rows == [
        (j, "1", f"{j}/awareness", "Survey firms: Awareness", "sky:function/brand-marketing",
         "Brand marketing", "Emotional"),
        (j, "2", f"{j}/consideration", "Survey firms: Consideration",
         "sky:function/brand-marketing", "Brand marketing", "Functional"),
        (j, "2", f"{j}/consideration", "Survey firms: Consideration",
         "sky:function/events-marketing", "Events marketing", "Social"),
        (j, "3", f"{j}/acquisition", "Survey firms: Acquisition", "sky:function/inside-sales",
         "Inside sales", "Functional"),
        (j, "4", f"{j}/service", "Survey firms: Service", "sky:function/customer-service",
         "Customer service", "Emotional, Functional"),
        (j, "4", f"{j}/service", "Survey firms: Service", "sky:function/pilot-community",
         "Pilot community", "Social"),
        (j, "5", f"{j}/loyalty", "Survey firms: Loyalty", "sky:function/customer-success",
         "Customer success", "Emotional"),
    ]
    _, rows = run(sample_kg, "journey-matrix", journey="sky:journey/clinic-8p")
    cells = [(r[1], r[5]) for r in rows]
    assert cells == [("1", "Brand marketing"), ("2", "Field sales"), ("3", "Field sales"),
                     ("4", "Field sales"), ("4", "Finance and leasing"),
                     ("5", "Flight operations"), ("6", "Customer service"),
                     ("6", "Flight operations"), ("7", "Customer service"), ("8", None)]
    # the uncovered stage is a row of its own, with empty function cells
    assert rows[-1][2:6] == ("sky:journey/clinic-8p/dispose", "Rural clinics: Dispose", None, None)
    assert not rows[-1][6]


def test_q13_popup_triggers(sample_kg: KnowledgeGraph) -> None:
    variables, rows = run(sample_kg, "popup-triggers")
    assert variables == ["system", "systemLabel", "popUp", "popUpLabel", "purpose",
                         "purposeLabel", "reason", "activeFrom", "activeUntil"]
    crisis = ("cvs:crisis-response", "Crisis response")
    assert rows == [
        ("sky:system/skybook-portal", "SkyBook booking portal",
         "sky:system/drought-response-squad", "Drought response flight squad", *crisis,
         "A regional drought made farm operators ask for weekly instead of monthly "
         "crop-stress flights.", "2026-07-01", "2026-09-30"),
        ("sky:system/skydrop", "SkyDrop medical delivery", "sky:system/bvlos-delivery-pilot",
         "Beyond-visual-line-of-sight delivery pilot", "cvs:innovation", "Innovation",
         "Clinics more than ten kilometres from a pharmacy are out of reach of line-of-sight "
         "flights.", "2026-09-01", "2027-03-31"),
        ("sky:system/skyhawk-x4", "SkyHawk X4 survey drone",
         "sky:system/battery-recall-task-force", "Battery recall task force", *crisis,
         "Fourteen survey firms reported swelling battery cells on X4 drones in October 2026.",
         "2026-10-20", "2027-01-31"),
    ]


def test_q14_inconsistent_handoffs(sample_kg: KnowledgeGraph) -> None:
    # The sample has none: such a hand-off is a SHACL violation and the sample must be valid.
    variables, rows = run(sample_kg, "inconsistent-handoffs")
    assert variables == ["handOff", "handOffLabel", "fromFunction", "fromFunctionLabel",
                         "fromStage", "fromStageLabel", "fromCovered", "toFunction",
                         "toFunctionLabel", "toStage", "toStageLabel", "toCovered"]
    assert rows == []
    # examples/gaps-extra.ttl, loaded on top of the sample, holds two.
    kg = KnowledgeGraph.open()
    kg.load([assets.asset_dir("examples") / "gaps-extra.ttl"], graph=SKY + "graph/gaps-extra")
    _, rows = run(kg, "inconsistent-handoffs")
    assert rows == [
        ("sky:handoff/clinic-8p-customer-service-to-customer-success",
         "Customer service to Customer success, Rural clinics: Maintain to Dispose",
         "sky:function/customer-service", "Customer service",
         "sky:journey/clinic-8p/maintain", "Rural clinics: Maintain", "true",
         "sky:function/customer-success", "Customer success",
         "sky:journey/clinic-8p/dispose", "Rural clinics: Dispose", "false"),
        ("sky:handoff/clinic-8p-events-marketing-to-field-sales",
         "Events marketing to Field sales, Rural clinics: Evaluation to Selection",
         "sky:function/events-marketing", "Events marketing",
         "sky:journey/clinic-8p/evaluation", "Rural clinics: Evaluation", "false",
         "sky:function/field-sales", "Field sales",
         "sky:journey/clinic-8p/selection", "Rural clinics: Selection", "true"),
    ]
    # the extra hand-offs add no missing hand-off
    assert run(kg, "missing-handoffs") == run(sample_kg, "missing-handoffs")


# --- the gap queries and the shapes agree ---------------------------------------------------------

CVSH = "https://w3id.org/custvalue/shapes#"


def shape_findings(kg: KnowledgeGraph) -> dict[str, set[tuple[str, ...]]]:
    """What the connected-journey shapes report, in the terms of the gap queries."""
    found: dict[str, set[tuple[str, ...]]] = {}

    def add(query: str, *item: str | None) -> None:
        found.setdefault(query, set()).add(tuple(shorten(v) or "" for v in item))

    for r in kg.validate().results:
        shape = r.source_shape.removeprefix(CVSH)
        if shape == "MissingHandOff":
            add("missing-handoffs", r.focus_node, r.value)
        elif shape == "UncoveredStage":
            add("uncovered-stages", r.focus_node)
        elif shape == "ChallengeNotAddressed":
            add("unaddressed-challenges", r.focus_node)
        elif shape == "JourneyNotMonitored":
            add("journey-monitoring", r.focus_node)
        elif shape in ("HypothesisWithoutCustomerEvidence", "DecisionWithoutCustomerEvidence"):
            add("unevidenced-hypotheses", r.focus_node, "customer evidence")
        elif shape in ("HypothesisWithoutMetric", "DecisionWithoutMetric"):
            add("unevidenced-hypotheses", r.focus_node, "metric")
        elif shape in ("InsideOutFunction", "InsideOutInitiative", "InsideOutObjective"):
            add("inside-out", r.focus_node)
        elif shape == "CustomerUnitWithoutCounterpart":
            add("velcro-correspondences", r.focus_node)
        elif shape == "HandOffBetweenNonCoveringFunctions":
            add("inconsistent-handoffs", r.focus_node)
    return found


def query_findings(kg: KnowledgeGraph) -> dict[str, set[tuple[str, ...]]]:
    """The gaps the named queries find, keyed and shaped like shape_findings."""

    def rows(name: str) -> list[dict[str, str | None]]:
        variables, found = run(kg, name)
        return [dict(zip(variables, row, strict=True)) for row in found]

    found = {
        "missing-handoffs": {(r["fromStage"], r["toFunction"]) for r in rows("missing-handoffs")},
        "uncovered-stages": {(r["stage"],) for r in rows("uncovered-stages")},
        "unaddressed-challenges": {(r["challenge"],) for r in rows("unaddressed-challenges")},
        "journey-monitoring": {(r["journey"],) for r in rows("journey-monitoring")
                               if r["monitoredEndToEnd"] == "false"},
        "unevidenced-hypotheses": {(r["item"], r["missing"])
                                   for r in rows("unevidenced-hypotheses")},
        "inside-out": {(r["item"],) for r in rows("inside-out")},
        "velcro-correspondences": {(r["customerUnit"],) for r in rows("velcro-correspondences")
                                   if r["ourUnit"] is None},
        "inconsistent-handoffs": {(r["handOff"],) for r in rows("inconsistent-handoffs")},
    }
    return {name: items for name, items in found.items() if items}


def test_gap_queries_find_what_the_shapes_report_on_the_sample(
    sample_kg: KnowledgeGraph,
) -> None:
    queries = query_findings(sample_kg)
    assert set(queries) == set(QUESTIONS.values()) - {
        "functions-covering-stage", "system-dependencies", "value-stream-owners",
        "journey-jobs-benefits", "journey-matrix", "popup-triggers", "inconsistent-handoffs",
        # the link queries compare with imported architecture models, not with the shapes
        "architecture-functions-without-stage", "functions-without-architecture-counterpart",
        "flows-missing-as-handoffs", "handoffs-missing-in-architecture"}
    assert queries == shape_findings(sample_kg)


def test_gap_queries_find_what_the_shapes_report_on_broken_data() -> None:
    extra = KnowledgeGraph.open()
    extra.load([assets.asset_dir("examples") / "gaps-extra.ttl"], graph=SKY + "graph/gaps-extra")
    assert len(query_findings(extra)["inconsistent-handoffs"]) == 2
    assert query_findings(extra) == shape_findings(extra)
    invalid = KnowledgeGraph.open(sample=False)
    invalid.load([assets.invalid_example_file()])
    findings = query_findings(invalid)
    assert findings["inconsistent-handoffs"]
    shapes = shape_findings(invalid)
    # One deliberate difference: a stage with a qualified coverage but no cv:coversStage shortcut
    # is covered for the query; the shape reads the shortcut only (and another shape reports the
    # missing shortcut as a violation).
    qualified = {(shorten(str(row[0])),) for row in invalid.query(
        "SELECT ?stage WHERE { ?coverage <" + CV + "coveredStage> ?stage }").rows}
    assert shapes["uncovered-stages"] & qualified
    shapes["uncovered-stages"] -= qualified
    assert findings == shapes


# --- the sample exercises the whole ontology ---------------------------------------------------

ABSTRACT_CLASSES = {"WorkSystem", "Challenge"}  # instantiated only through their subclasses
SCHEME_PROPERTIES = {"correspondingClass", "phase", "referencePosition"}  # on concepts only


def test_sample_uses_the_whole_ontology() -> None:
    # the core module; the linking module's terms are used by imports (test_import_*.py)
    ontology = Graph().parse(assets.asset_dir("ontology") / "custvalue.ttl", format="turtle")
    sample = Graph().parse(assets.sample_files()[0], format="turtle")
    assert len(sample) > 1000

    def local(term: URIRef) -> str:
        return str(term)[len(CV):]

    classes = {local(c) for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(CV)}
    instantiated = {local(c) for c in sample.objects(None, RDF.type) if str(c).startswith(CV)}
    assert classes - instantiated == ABSTRACT_CLASSES
    properties = {local(p) for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                  for p in ontology.subjects(RDF.type, kind) if str(p).startswith(CV)}
    used = {local(p) for p in sample.predicates() if str(p).startswith(CV)}
    assert properties - used == SCHEME_PROPERTIES
    # every resource of the sample has an English label
    resources = {s for s in sample.subjects() if isinstance(s, URIRef)}
    unlabelled = {s for s in resources
                  if not any(getattr(label, "language", None) == "en"
                             for label in sample.objects(s, RDFS.label))}
    assert unlabelled == set()
