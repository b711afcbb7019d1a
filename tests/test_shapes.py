"""The SHACL shapes: well-formed, complete, and pinned results on the examples and per rule."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from custvalue_kg import assets
from custvalue_kg.errors import InputError
from custvalue_kg.namespaces import CV, CVS, CVSH, PREFIXES
from custvalue_kg.validation import (
    ValidationReport,
    load_ontology,
    load_schemes,
    load_shapes,
    severity_exit_code,
    validate,
)

INV = "https://example.org/invalid/"
SKY = "https://example.org/skyward/"
EX = "https://example.org/test/"
_SHORT = {**PREFIXES, "inv": INV, "sky": SKY, "ex": EX}

Key = tuple[str, str, str, str | None]


def short(text: str | None) -> str | None:
    """An IRI (or a path with IRIs in <>) written with the prefixes above."""
    if text is None:
        return None

    def one(iri: str) -> str:
        best = max((ns for ns in _SHORT.values() if iri.startswith(ns)), key=len, default=None)
        if best is None:
            return iri
        prefix = next(p for p, ns in _SHORT.items() if ns == best)
        return f"{prefix}:{iri[len(best):]}"

    if "<" in text:
        return re.sub(r"<([^>]+)>", lambda m: one(m.group(1)), text)
    return one(text)


def keys(report: ValidationReport) -> list[Key]:
    """(severity, focus node, source shape, path) of every result, in the report's order."""
    return [
        (r.severity, short(r.focus_node), short(r.source_shape), short(r.path))
        for r in report.results
    ]


def data(*turtle: str, files: Iterable[Path] = ()) -> Graph:
    """Schemes + files + inline Turtle (with the usual prefixes), as validate() expects."""
    graph = load_schemes()
    for path in files:
        graph.parse(path, format="turtle")
    prologue = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in _SHORT.items())
    for text in turtle:
        graph.parse(data=prologue + text, format="turtle")
    return graph


# ------------------------------------------------------------------------------------------
# The shapes themselves
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes()


def test_shape_files_are_shipped() -> None:
    names = {p.name for p in assets.shape_files()}
    assert {"core-shapes.ttl", "connected-journey.ttl"} <= names


def test_shapes_conform_to_shacl_for_shacl(shapes: Graph) -> None:
    from pyshacl.entrypoints import meta_validate

    conforms, _graph, text = meta_validate(shapes, inference="rdfs")
    assert conforms, text


def test_meta_shacl_option_accepts_the_shipped_shapes() -> None:
    report = validate(data(), meta_shacl=True)
    assert report.results == []


def test_meta_shacl_option_rejects_broken_user_shapes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetClass <urn:c> ;\n"
        "    sh:property [ sh:path <urn:p> ; sh:minCount \"one\" ] .\n"
    )
    with pytest.raises(InputError, match="SHACL"):
        validate(data(), extra_shapes=[broken], meta_shacl=True)


def test_every_ontology_class_has_a_node_shape(shapes: Graph) -> None:
    ontology = load_ontology()
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(str(CV))}
    targeted = set(shapes.objects(None, SH.targetClass))
    class_shapes = {
        c for c in classes
        if any(shapes.value(s, RDF.type) == SH.NodeShape
               for s in shapes.subjects(SH.targetClass, c))
    }
    assert classes - targeted == set()
    assert class_shapes == classes


def test_every_named_shape_is_labelled_and_explained(shapes: Graph) -> None:
    named = {
        s for kind in (SH.NodeShape, SH.PropertyShape) for s in shapes.subjects(RDF.type, kind)
        if isinstance(s, URIRef)
    }
    assert len(named) > 100
    for shape in named:
        assert shapes.value(shape, RDFS.label) is not None, shape
        explained = (shapes.value(shape, SH.message), shapes.value(shape, SH.description))
        assert any(explained), f"{shape} has neither sh:message nor sh:description"
        assert str(shape).startswith(str(CVSH)), shape


def test_every_constraint_has_a_message(shapes: Graph) -> None:
    # Property shapes of targeted shapes speak for themselves; the helper shapes reached through
    # sh:node report through the property shape that uses them. SPARQL constraints name the
    # journey, stage and function by label through variables.
    targeted = {s for p in (SH.targetClass, SH.targetSubjectsOf) for s in shapes.subjects(p, None)}
    for shape in targeted:
        for prop in shapes.objects(shape, SH.property):
            assert shapes.value(prop, SH.message) is not None, (shape, prop)
    for constraint in shapes.objects(None, SH.sparql):
        message = str(shapes.value(constraint, SH.message))
        assert "{?" in message, message


def test_sparql_constraints_follow_the_house_rules(shapes: Graph) -> None:
    constraints = list(shapes.subject_objects(SH.sparql))
    assert len(constraints) >= 30
    for shape, constraint in constraints:
        query = str(shapes.value(constraint, SH.select))
        assert re.search(r"\bMINUS\b", query, re.I) is None, shape  # SHACL forbids MINUS
        assert query.lstrip().startswith("SELECT $this"), shape
        # pyshacl ignores a severity on the constraint node: it must sit on the shape.
        assert shapes.value(constraint, SH.severity) is None, shape
        assert shapes.value(constraint, SH.prefixes) is not None, shape


def test_connected_journey_severities_are_deliberate(shapes: Graph) -> None:
    expected = {
        "MissingHandOff": SH.Warning,
        "UncoveredStage": SH.Warning,
        "HandOffBetweenNonCoveringFunctions": SH.Violation,
        "CustomerFacingSystemWithoutMarketPromise": SH.Violation,
        "CustomerFacingSystemWithoutValueStreamOwner": SH.Violation,
        "CustomerFacingSystemWithoutSegment": SH.Violation,
        "JourneyNotMonitored": SH.Info,
        "ChallengeNotAddressed": SH.Warning,
        "InsideOutFunction": SH.Info,
        "InsideOutInitiative": SH.Info,
        "InsideOutObjective": SH.Info,
        "OutsideInClaimWithoutCustomerLink": SH.Warning,
        "HypothesisWithoutCustomerEvidence": SH.Warning,
        "HypothesisWithoutMetric": SH.Warning,
        "DecisionWithoutCustomerEvidence": SH.Warning,
        "DecisionWithoutMetric": SH.Warning,
        "CustomerUnitWithoutCounterpart": SH.Warning,
    }
    for name, severity in expected.items():
        assert shapes.value(CVSH[name], SH.severity) == severity, name


def test_shapes_use_only_declared_terms(shapes: Graph) -> None:
    ontology = load_ontology()
    schemes = load_schemes()
    declared = {s for s in ontology.subjects(RDFS.label, None)}
    concepts = set(schemes.subjects(RDF.type, SKOS.Concept)) | set(
        schemes.subjects(RDF.type, SKOS.ConceptScheme)
    )
    text = "\n".join(str(o) for o in shapes.objects(None, SH.select))
    used = {o for t in shapes for o in t if isinstance(o, URIRef)}
    used |= {CV[m] for m in re.findall(r"\bcv:(\w+)", text)}
    used |= {CVS[m] for m in re.findall(r"\bcvs:([\w-]+)", text)}
    assert {u for u in used if str(u).startswith(str(CV))} <= declared
    assert {u for u in used if str(u).startswith(str(CVS))} <= concepts


# ------------------------------------------------------------------------------------------
# The invalid example: exact results
# ------------------------------------------------------------------------------------------

INVALID_EXPECTED: list[Key] = [
    ("Violation", "inv:surprise-fees", "cvsh:BarrierToConsumptionShape", None),
    ("Violation", "inv:sales-at-acquisition", "cvsh:CoverageHasShortcut", None),
    ("Violation", "inv:sales", "cvsh:CoverageShortcutHasCoverage", None),
    ("Violation", "inv:portal", "cvsh:CustomerFacingSystemWithoutMarketPromise", None),
    ("Violation", "inv:lead-handoff", "cvsh:HandOffBetweenNonCoveringFunctions", None),
    ("Violation", "inv:lead-handoff", "cvsh:HandOffBetweenNonCoveringFunctions", None),
    ("Violation", "inv:consideration", "cvsh:JourneyStage-previousStage", "^cv:nextStage"),
    ("Violation", "inv:acquisition", "cvsh:NoStageCycle", None),
    ("Violation", "inv:consideration", "cvsh:NoStageCycle", None),
    ("Violation", "inv:service", "cvsh:RequiredLabel", "rdfs:label"),
    ("Violation", "inv:service", "cvsh:StageInChain", None),
    ("Violation", "inv:acquisition", "cvsh:StageOrderFollowsModel", None),
    ("Violation", "inv:acquisition", "cvsh:StagePositionsConsecutive", None),
    ("Violation", "inv:portal", "cvsh:WorkSystem-activeFrom", "cv:activeFrom"),
    ("Warning", "inv:surprise-fees", "cvsh:ChallengeNotAddressed", None),
    ("Warning", "inv:mobile-first", "cvsh:HypothesisWithoutCustomerEvidence", None),
    ("Warning", "inv:mobile-first", "cvsh:HypothesisWithoutMetric", None),
    ("Warning", "inv:awareness", "cvsh:MissingHandOff", None),
    ("Warning", "inv:cost-cutting", "cvsh:OutsideInClaimWithoutCustomerLink", None),
    ("Warning", "inv:acquisition", "cvsh:UncoveredStage", None),
    ("Warning", "inv:service", "cvsh:UncoveredStage", None),
    ("Info", "inv:cost-cutting", "cvsh:InsideOutInitiative", None),
    ("Info", "inv:journey", "cvsh:JourneyNotMonitored", None),
]


@pytest.fixture(scope="module")
def invalid_report() -> ValidationReport:
    return validate(data(files=[assets.invalid_example_file()]))


def test_invalid_example_is_small() -> None:
    assert 40 <= len(Graph().parse(assets.invalid_example_file())) <= 80


def test_invalid_example_exact_results(invalid_report: ValidationReport) -> None:
    assert keys(invalid_report) == INVALID_EXPECTED
    assert invalid_report.counts() == {"Violation": 14, "Warning": 7, "Info": 2}
    assert not invalid_report.conforms
    assert severity_exit_code(invalid_report) == 1


def test_invalid_example_details(invalid_report: ValidationReport) -> None:
    by_shape = {(short(r.source_shape), short(r.value)): r for r in invalid_report.results}
    hand_off = by_shape[("cvsh:HandOffBetweenNonCoveringFunctions", "inv:sales")]
    assert hand_off.message == (
        "In journey 'Family holiday journey', Sales is the upstream function of the hand-off "
        "from Sales to Marketing, but does not cover 'Awareness': either it covers that stage "
        "or the hand-off is wrong."
    )
    datatype = by_shape[("cvsh:WorkSystem-activeFrom", "next spring")]
    assert datatype.constraint_component == "DatatypeConstraintComponent"
    assert datatype.focus_label == "Holiday booking portal"
    label = next(r for r in invalid_report.results if short(r.source_shape) == "cvsh:RequiredLabel")
    assert label.constraint_component == "MinCountConstraintComponent"
    assert label.focus_label is None


def test_invalid_example_without_schemes_in_the_data() -> None:
    # validate() adds the schemes when the data lacks them.
    report = validate(Graph().parse(assets.invalid_example_file()))
    assert keys(report) == INVALID_EXPECTED


def test_rdflib_backend_gives_the_same_results(invalid_report: ValidationReport) -> None:
    report = validate(data(files=[assets.invalid_example_file()]), backend="rdflib")
    assert report.results == invalid_report.results


# ------------------------------------------------------------------------------------------
# The sample enterprise: no violation, only its documented gaps
# ------------------------------------------------------------------------------------------

SAMPLE_EXPECTED: list[Key] = [
    ("Warning", "sky:challenge/nobody-to-receive", "cvsh:ChallengeNotAddressed", None),
    ("Warning", "sky:challenge/regulatory-doubt", "cvsh:ChallengeNotAddressed", None),
    ("Warning", "sky:customer-unit/clinic-governance-board",
     "cvsh:CustomerUnitWithoutCounterpart", None),
    ("Warning", "sky:decision/bundle-care-plan", "cvsh:DecisionWithoutCustomerEvidence", None),
    ("Warning", "sky:decision/launch-premium-tier", "cvsh:DecisionWithoutMetric", None),
    ("Warning", "sky:hypothesis/care-plan-raises-order-value",
     "cvsh:HypothesisWithoutCustomerEvidence", None),
    ("Warning", "sky:hypothesis/clinics-pay-premium", "cvsh:HypothesisWithoutMetric", None),
    ("Warning", "sky:journey/farm-5s/service", "cvsh:MissingHandOff", None),
    ("Warning", "sky:journey/clinic-8p/use", "cvsh:MissingHandOff", None),
    ("Warning", "sky:journey/surveyor-5s/consideration", "cvsh:MissingHandOff", None),
    ("Warning", "sky:initiative/x5-feature-race", "cvsh:OutsideInClaimWithoutCustomerLink", None),
    ("Warning", "sky:journey/clinic-8p/dispose", "cvsh:UncoveredStage", None),
    ("Info", "sky:function/manufacturing-engineering", "cvsh:InsideOutFunction", None),
    ("Info", "sky:initiative/x5-feature-race", "cvsh:InsideOutInitiative", None),
    ("Info", "sky:objective/cut-unit-cost", "cvsh:InsideOutObjective", None),
    ("Info", "sky:objective/lead-the-spec-sheet", "cvsh:InsideOutObjective", None),
    ("Info", "sky:journey/clinic-8p", "cvsh:JourneyNotMonitored", None),
]


@pytest.fixture(scope="module")
def sample_report() -> ValidationReport:
    return validate(data(files=assets.sample_files()))


def test_sample_enterprise_exact_results(sample_report: ValidationReport) -> None:
    assert keys(sample_report) == SAMPLE_EXPECTED
    assert sample_report.conforms
    assert sample_report.counts() == {"Violation": 0, "Warning": 12, "Info": 5}
    assert severity_exit_code(sample_report) == 0


def test_sample_missing_hand_off_message(sample_report: ValidationReport) -> None:
    result = next(r for r in sample_report.results
                  if short(r.focus_node) == "sky:journey/surveyor-5s/consideration")
    assert result.message == (
        "Events marketing covers 'Survey firms: Consideration' of journey 'Survey firms with the "
        "SkyHawk X4 (five stages)' and Inside sales covers the next stage 'Survey firms: "
        "Acquisition', but no hand-off from Events marketing to Inside sales is defined between "
        "them."
    )
    assert short(result.value) == "sky:function/inside-sales"


def test_sample_gaps_extra_adds_exactly_the_two_inconsistent_hand_offs(
    sample_report: ValidationReport,
) -> None:
    extra = assets.asset_dir("examples") / "gaps-extra.ttl"
    report = validate(data(files=[*assets.sample_files(), extra]))
    added = [k for k in keys(report) if k not in SAMPLE_EXPECTED]
    assert added == [
        ("Violation", "sky:handoff/clinic-8p-customer-service-to-customer-success",
         "cvsh:HandOffBetweenNonCoveringFunctions", None),
        ("Violation", "sky:handoff/clinic-8p-events-marketing-to-field-sales",
         "cvsh:HandOffBetweenNonCoveringFunctions", None),
    ]
    assert severity_exit_code(report) == 1


def test_sample_rdflib_backend_agrees(sample_report: ValidationReport) -> None:
    assert validate(data(files=assets.sample_files()), backend="rdflib").results == (
        sample_report.results
    )


# ------------------------------------------------------------------------------------------
# One rule at a time: a small clean journey, then one defect
# ------------------------------------------------------------------------------------------

CLEAN = """
ex:shop a cv:CustomerFacingSystem ; rdfs:label "Web shop" ; cv:marketPromise "Next-day kit" ;
    cv:servesSegment ex:makers ; cv:hasValueStream ex:stream .
ex:stream a cv:ValueStream ; rdfs:label "Order to delivery" ; cv:valueStreamOwner ex:owner .
ex:makers a cv:CustomerSegment ; rdfs:label "Makers" .
ex:journey a cv:CustomerJourney ; rdfs:label "Maker journey" ; cv:journeyOf ex:shop ;
    cv:stageModel cvs:five-stage-model ; cv:monitoredBy ex:success .
ex:aware a cv:JourneyStage ; rdfs:label "Aware" ; cv:stageOf ex:journey ; cv:stagePosition 1 ;
    cv:stageType cvs:awareness ; cv:nextStage ex:consider .
ex:consider a cv:JourneyStage ; rdfs:label "Consider" ; cv:stageOf ex:journey ;
    cv:stagePosition 2 ; cv:stageType cvs:consideration .
ex:marketing a cv:Function ; rdfs:label "Marketing" ; org:classification cvs:marketing ;
    cv:coversStage ex:aware ; cv:handsOffTo ex:success .
ex:success a cv:Function ; rdfs:label "Customer success" ;
    org:classification cvs:customer-success ; cv:coversStage ex:consider .
ex:cov1 a cv:StageCoverage ; cv:coveringFunction ex:marketing ; cv:coveredStage ex:aware ;
    cv:characteristic cvs:emotional .
ex:cov2 a cv:StageCoverage ; cv:coveringFunction ex:success ; cv:coveredStage ex:consider ;
    cv:characteristic cvs:functional .
ex:handoff a cv:HandOff ; cv:fromFunction ex:marketing ; cv:toFunction ex:success ;
    cv:fromStage ex:aware ; cv:toStage ex:consider ; cv:handsOver "A warm lead" .
"""


def run(*extra: str, remove: Iterable[tuple[str, str, str | None]] = ()) -> ValidationReport:
    """Validate the clean journey minus ``remove`` (triple patterns), plus ``extra`` Turtle."""
    graph = data(CLEAN)
    for s, p, o in remove:
        graph.remove((URIRef(EX + s), URIRef(_expand(p)), URIRef(_expand(o)) if o else None))
    return validate(graph + data(*extra))


def _expand(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return _SHORT[prefix] + local


def fired(report: ValidationReport, shape: str) -> list[tuple[str, str | None]]:
    return [(r.severity, short(r.focus_node)) for r in report.results
            if short(r.source_shape) == f"cvsh:{shape}"]


def test_the_clean_journey_has_no_result() -> None:
    assert keys(run()) == []


def test_missing_hand_off_fires_without_the_hand_off() -> None:
    report = run(remove=[("handoff", "rdf:type", "cv:HandOff"),
                         ("handoff", "cv:fromFunction", None)])
    assert fired(report, "MissingHandOff") == [("Warning", "ex:aware")]
    result = next(r for r in report.results if short(r.source_shape) == "cvsh:MissingHandOff")
    assert "Marketing covers 'Aware' of journey 'Maker journey'" in result.message
    assert "Customer success covers the next stage 'Consider'" in result.message


def test_missing_hand_off_needs_the_exact_stages() -> None:
    # A hand-off at other stages does not count; one function covering both stages needs none.
    shifted = run("ex:handoff cv:toStage ex:aware .",
                  remove=[("handoff", "cv:toStage", "ex:consider")])
    assert fired(shifted, "MissingHandOff") == [("Warning", "ex:aware")]
    continuous = run("ex:marketing cv:coversStage ex:consider .\n"
                     "ex:cov3 a cv:StageCoverage ; cv:coveringFunction ex:marketing ;"
                     " cv:coveredStage ex:consider ; cv:characteristic cvs:social .",
                     remove=[("handoff", "rdf:type", "cv:HandOff"),
                             ("handoff", "cv:fromFunction", None)])
    assert fired(continuous, "MissingHandOff") == []


def test_uncovered_stage() -> None:
    report = run(remove=[("success", "cv:coversStage", "ex:consider")])
    assert fired(report, "UncoveredStage") == [("Warning", "ex:consider")]
    assert fired(run(), "UncoveredStage") == []


def test_hand_off_between_functions_that_do_not_cover_its_stages() -> None:
    report = run("ex:handoff cv:fromStage ex:consider .",
                 remove=[("handoff", "cv:fromStage", "ex:aware")])
    assert fired(report, "HandOffBetweenNonCoveringFunctions") == [("Violation", "ex:handoff")]
    result = next(r for r in report.results
                  if short(r.source_shape) == "cvsh:HandOffBetweenNonCoveringFunctions")
    assert short(result.value) == "ex:marketing"
    assert "Marketing is the upstream function" in result.message
    assert "does not cover 'Consider'" in result.message
    assert not report.conforms


@pytest.mark.parametrize(("shape", "removed"), [
    ("CustomerFacingSystemWithoutMarketPromise", ("shop", "cv:marketPromise", None)),
    ("CustomerFacingSystemWithoutValueStreamOwner", ("stream", "cv:valueStreamOwner", None)),
    ("CustomerFacingSystemWithoutSegment", ("shop", "cv:servesSegment", None)),
])
def test_customer_facing_system_essentials(shape: str, removed: tuple[str, str, None]) -> None:
    report = run(remove=[removed])
    assert [(short(r.source_shape), short(r.focus_node), r.severity) for r in report.results] == [
        (f"cvsh:{shape}", "ex:shop", "Violation")
    ]
    assert "'Web shop'" in report.results[0].message


def test_journey_monitoring() -> None:
    unmonitored = run(remove=[("journey", "cv:monitoredBy", None)])
    assert fired(unmonitored, "JourneyNotMonitored") == [("Info", "ex:journey")]
    assert unmonitored.conforms  # Info never fails a graph
    # Monitoring by a function of a narrower type of customer success counts too.
    narrower = run(
        "ex:renewals a skos:Concept ; skos:inScheme cvs:function-types ;"
        " skos:broader cvs:customer-success ; skos:prefLabel \"Renewals\" .\n"
        "ex:success org:classification ex:renewals .",
        remove=[("success", "org:classification", "cvs:customer-success")],
    )
    assert fired(narrower, "JourneyNotMonitored") == []
    by_marketing = run("ex:journey cv:monitoredBy ex:marketing .",
                       remove=[("journey", "cv:monitoredBy", "ex:success")])
    assert fired(by_marketing, "JourneyNotMonitored") == [("Info", "ex:journey")]


def test_challenges_addressed_and_in_the_right_phase() -> None:
    barrier = "ex:price a cv:BarrierToConsumption ; rdfs:label \"Price\" ; cv:occursAt ex:aware ."
    report = run(barrier)
    assert fired(report, "ChallengeNotAddressed") == [("Warning", "ex:price")]
    assert fired(report, "BarrierToConsumptionShape") == []
    addressed = run(barrier, "ex:marketing cv:addresses ex:price .")
    assert fired(addressed, "ChallengeNotAddressed") == []
    hurdle = "ex:setup a cv:HurdleToSatisfaction ; rdfs:label \"Setup\" ; cv:occursAt ex:aware ."
    report = run(hurdle, "ex:marketing cv:addresses ex:setup .")
    assert fired(report, "HurdleToSatisfactionShape") == [("Violation", "ex:setup")]


def test_inside_out_and_outside_in_claims() -> None:
    report = run(
        "ex:cost a cv:Initiative ; rdfs:label \"Cost cuts\" ; cv:orientation cvs:outside-in .\n"
        "ex:growth a cv:Objective ; rdfs:label \"Grow share\" .\n"
        "ex:legal a cv:Function ; rdfs:label \"Legal\" ; org:classification cvs:finance .\n"
        "ex:job a cv:Job ; rdfs:label \"Build a robot\" .\n"
        "ex:kits a cv:Initiative ; rdfs:label \"Robot kits\" ; cv:servesJob ex:job ;"
        " cv:orientation cvs:outside-in ."
    )
    assert fired(report, "InsideOutInitiative") == [("Info", "ex:cost")]
    assert fired(report, "InsideOutObjective") == [("Info", "ex:growth")]
    assert fired(report, "InsideOutFunction") == [("Info", "ex:legal")]
    assert fired(report, "OutsideInClaimWithoutCustomerLink") == [("Warning", "ex:cost")]


def test_hypotheses_and_decisions_need_customer_evidence_and_metrics() -> None:
    report = run(
        "ex:h1 a cv:Hypothesis ; rdfs:label \"Makers want kits\" .\n"
        "ex:h2 a cv:Hypothesis ; rdfs:label \"Makers buy twice\" ; cv:evidence ex:interview ;"
        " cv:measuredBy ex:repeat .\n"
        "ex:interview a cv:CustomerEvidence ; rdfs:label \"Interviews\" ; cv:about ex:makers .\n"
        "ex:repeat a cv:Metric ; rdfs:label \"Repeat rate\" .\n"
        "ex:d1 a cv:Decision ; rdfs:label \"Sell kits\" ; cv:basedOn ex:h1 .\n"
        "ex:d2 a cv:Decision ; rdfs:label \"Loyalty card\" ; cv:basedOn ex:h2 ;"
        " cv:measuredBy ex:repeat ."
    )
    assert fired(report, "HypothesisWithoutCustomerEvidence") == [("Warning", "ex:h1")]
    assert fired(report, "HypothesisWithoutMetric") == [("Warning", "ex:h1")]
    assert fired(report, "DecisionWithoutCustomerEvidence") == [("Warning", "ex:d1")]
    assert fired(report, "DecisionWithoutMetric") == [("Warning", "ex:d1")]
    assert report.conforms


def test_velcro() -> None:
    unit = "ex:buyers a cv:CustomerUnit ; rdfs:label \"Purchasing\" ; cv:unitOf ex:makers ."
    assert fired(run(unit), "CustomerUnitWithoutCounterpart") == [("Warning", "ex:buyers")]
    paired = run(unit, "ex:v a cv:VelcroCorrespondence ; cv:customerUnit ex:buyers ;"
                       " cv:ourUnit ex:marketing .\nex:marketing cv:correspondsTo ex:buyers .")
    assert keys(paired) == []
    shortcut_only = run(unit, "ex:marketing cv:correspondsTo ex:buyers .")
    assert fired(shortcut_only, "VelcroShortcutHasCorrespondence") == [
        ("Violation", "ex:marketing")]


def test_shortcuts_and_qualified_statements_agree() -> None:
    no_shortcut = run(remove=[("marketing", "cv:coversStage", "ex:aware")])
    assert fired(no_shortcut, "CoverageHasShortcut") == [("Violation", "ex:cov1")]
    no_coverage = run(remove=[("cov2", "rdf:type", "cv:StageCoverage"),
                              ("cov2", "cv:coveringFunction", None)])
    assert fired(no_coverage, "CoverageShortcutHasCoverage") == [("Violation", "ex:success")]
    no_hand_off_shortcut = run(remove=[("marketing", "cv:handsOffTo", None)])
    assert fired(no_hand_off_shortcut, "HandOffHasShortcut") == [("Violation", "ex:handoff")]


def test_stage_chain_rules() -> None:
    third = ("ex:buy a cv:JourneyStage ; rdfs:label \"Buy\" ; cv:stageOf ex:journey ;"
             " cv:stagePosition 3 ; cv:stageType cvs:acquisition .\n"
             "ex:success cv:coversStage ex:buy .\n"
             "ex:cov4 a cv:StageCoverage ; cv:coveringFunction ex:success ;"
             " cv:coveredStage ex:buy ; cv:characteristic cvs:functional .")
    unchained = run(third)
    assert fired(unchained, "StageInChain") == [("Violation", "ex:buy")]
    chained = run(third, "ex:consider cv:nextStage ex:buy .")
    assert keys(chained) == []
    cycle = run(third, "ex:consider cv:nextStage ex:buy . ex:buy cv:nextStage ex:aware .")
    assert sorted(fired(cycle, "NoStageCycle")) == [
        ("Violation", "ex:aware"), ("Violation", "ex:buy"), ("Violation", "ex:consider")]
    renewal = run(third, "ex:consider cv:nextStage ex:buy . ex:buy cv:renewsTo ex:aware .\n"
                         "ex:loop a cv:RenewalLoop ; cv:loopFrom ex:buy ; cv:loopTo ex:aware .\n"
                         "ex:journey cv:hasRenewalLoop ex:loop .")
    assert keys(renewal) == []  # a declared renewal loop is not a cycle
    backwards = run("ex:consider cv:renewsTo ex:consider .\n"
                    "ex:loop a cv:RenewalLoop ; cv:loopFrom ex:consider ; cv:loopTo ex:consider .\n"
                    "ex:journey cv:hasRenewalLoop ex:loop .")
    assert fired(backwards, "RenewalGoesBack") == [("Violation", "ex:consider")]


def test_stage_order_position_and_model() -> None:
    swapped = run("ex:aware cv:stageType cvs:consideration .\n"
                  "ex:consider cv:stageType cvs:awareness .",
                  remove=[("aware", "cv:stageType", "cvs:awareness"),
                          ("consider", "cv:stageType", "cvs:consideration")])
    assert fired(swapped, "StageOrderFollowsModel") == [("Violation", "ex:aware")]
    gap = run("ex:consider cv:stagePosition 3 .", remove=[("consider", "cv:stagePosition", None)])
    assert fired(gap, "StagePositionsConsecutive") == [("Violation", "ex:aware")]
    other_model = run("ex:consider cv:stageType cvs:evaluation .",
                      remove=[("consider", "cv:stageType", "cvs:consideration")])
    assert fired(other_model, "StageTypeFromJourneyModel") == [("Violation", "ex:journey")]


def test_system_type_agrees_with_class_and_scheme() -> None:
    wrong_type = run("ex:shop cv:systemType cvs:supporting .")
    assert fired(wrong_type, "SystemTypeAgreesWithClass") == [("Violation", "ex:shop")]
    assert fired(run("ex:shop cv:systemType cvs:customer-facing ."),
                 "SystemTypeAgreesWithClass") == []
    not_a_type = run("ex:shop cv:systemType cvs:marketing .")
    assert fired(not_a_type, "WorkSystem-systemType") == [("Violation", "ex:shop")]


def test_barrier_at_post_purchase_stage_and_hand_off_across_stages() -> None:
    late = run("ex:use a cv:JourneyStage ; rdfs:label \"Use\" ; cv:stageOf ex:journey ;"
               " cv:stagePosition 3 ; cv:stageType cvs:service .\n"
               "ex:consider cv:nextStage ex:use . ex:success cv:coversStage ex:use .\n"
               "ex:cov5 a cv:StageCoverage ; cv:coveringFunction ex:success ;"
               " cv:coveredStage ex:use ; cv:characteristic cvs:functional .\n"
               "ex:fees a cv:BarrierToConsumption ; rdfs:label \"Fees\" ; cv:occursAt ex:use .\n"
               "ex:success cv:addresses ex:fees .\n"
               "ex:handoff2 a cv:HandOff ; cv:fromFunction ex:marketing ;"
               " cv:toFunction ex:success ; cv:fromStage ex:aware ; cv:toStage ex:use .")
    assert fired(late, "BarrierToConsumptionShape") == [("Violation", "ex:fees")]
    assert fired(late, "HandOffToSameOrNextStage") == [("Violation", "ex:handoff2")]


# ------------------------------------------------------------------------------------------
# User shapes and the report renderers
# ------------------------------------------------------------------------------------------

def test_user_shapes_are_added(tmp_path: Path) -> None:
    mine = tmp_path / "mine.ttl"
    mine.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix cv: <https://w3id.org/custvalue/ontology#> .\n"
        "<urn:my#StageNeedsComment> a sh:NodeShape ; sh:targetClass cv:JourneyStage ;\n"
        "  sh:property <urn:my#StageComment> .\n"
        "<urn:my#StageComment> a sh:PropertyShape ; sh:severity sh:Info ;\n"
        "  sh:path <http://www.w3.org/2000/01/rdf-schema#comment> ; sh:minCount 1 ;\n"
        "  sh:message \"Describe the stage.\" .\n"
    )
    report = validate(data(CLEAN), extra_shapes=[mine])
    assert [(r.severity, short(r.focus_node), r.source_shape, r.message)
            for r in report.results] == [
        ("Info", "ex:aware", "urn:my#StageComment", "Describe the stage."),
        ("Info", "ex:consider", "urn:my#StageComment", "Describe the stage."),
    ]
    assert report.conforms


def test_user_shapes_with_a_syntax_error_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n\n<urn:s> a sh:NodeShape\n<urn:t> .\n"
    )
    with pytest.raises(InputError) as caught:
        load_shapes([bad])
    assert caught.value.source == str(bad)
    assert caught.value.line == 4
    with pytest.raises(InputError, match=r"bad\.ttl, line 4"):
        validate(data(), extra_shapes=[bad])


def test_text_report_names_everything_by_label(invalid_report: ValidationReport) -> None:
    text = invalid_report.to_text()
    first = text.splitlines()[0]
    assert first == "Validation: the graph does not conform (14 violations, 7 warnings, 2 infos)."
    assert text.index("Violations (14):") < text.index("Warnings (7):") < text.index("Infos (2):")
    assert "'Holiday booking portal' <https://example.org/invalid/portal>" in text
    assert "path cv:activeFrom; value next spring" in text
    assert "(shape cvsh:JourneyStage-previousStage; path ^cv:nextStage)" in text
    assert "shape cvsh:MissingHandOff" in text
    assert "Marketing covers 'Awareness' of journey 'Family holiday journey'" in text


def test_json_report_is_serialisable(invalid_report: ValidationReport) -> None:
    payload = json.loads(json.dumps(invalid_report.to_json()))
    assert payload["conforms"] is False
    assert payload["counts"] == {"Violation": 14, "Warning": 7, "Info": 2}
    assert len(payload["results"]) == 23
    assert set(payload["results"][0]) == {
        "severity", "focus_node", "focus_label", "path", "value", "source_shape",
        "constraint_component", "message",
    }


def test_turtle_report_parses_back(invalid_report: ValidationReport) -> None:
    parsed = Graph().parse(data=invalid_report.to_turtle(), format="turtle")
    assert isomorphic(parsed, invalid_report.results_graph)
    assert len(list(parsed.subjects(RDF.type, SH.ValidationResult))) == 23


def test_warnings_alone_conform() -> None:
    report = run(remove=[("success", "cv:coversStage", "ex:consider"),
                         ("cov2", "rdf:type", "cv:StageCoverage"),
                         ("cov2", "cv:coveringFunction", None),
                         ("handoff", "rdf:type", "cv:HandOff"),
                         ("handoff", "cv:fromFunction", None),
                         ("marketing", "cv:handsOffTo", None)])
    assert report.counts()["Violation"] == 0
    assert report.counts()["Warning"] >= 1
    assert report.conforms
    assert severity_exit_code(report) == 0
    assert "the graph conforms" in report.to_text().splitlines()[0]


def test_validate_does_not_modify_the_data() -> None:
    graph = data(files=[assets.invalid_example_file()])
    before = len(graph)
    validate(graph)
    validate(graph, backend="rdflib")
    assert len(graph) == before
