"""Function pages: /functions (all functions) and /function?iri= (one function).

A function shows the stages it covers across journeys, its upstream and downstream hand-offs,
the gaps it is part of (missing and inconsistent hand-offs, inside-out), the journeys it
monitors end to end, its velcro correspondences, classification and value focus.
"""

from __future__ import annotations

from flask import Response
from rdflib import URIRef

from custvalue_kg.namespaces import PREFIXES

from . import blueprint
from .render import prologue, respond, run_query
from .system import (
    describe,
    first,
    item,
    items,
    label_of,
    named_rows,
    not_found,
    page_url,
    requested_iri,
    text,
)

CV = PREFIXES["cv"]

FUNCTIONS_QUERY = prologue() + """
SELECT ?function (SAMPLE(?l) AS ?label) (SAMPLE(?cl) AS ?classification)
       (SAMPLE(?vf) AS ?valueFocus) (COUNT(DISTINCT ?stage) AS ?stages)
       (COUNT(DISTINCT ?out) AS ?handOffsOut) (COUNT(DISTINCT ?in) AS ?handOffsIn)
WHERE {
  ?function a cv:Function .
  OPTIONAL { ?function rdfs:label ?l }
  OPTIONAL { ?function org:classification/skos:prefLabel ?cl }
  OPTIONAL { ?function cv:valueFocus/skos:prefLabel ?vf }
  OPTIONAL { { ?function cv:coversStage ?stage }
             UNION { ?coverage cv:coveringFunction ?function ; cv:coveredStage ?stage } }
  OPTIONAL { ?out cv:fromFunction ?function }
  OPTIONAL { ?in cv:toFunction ?function }
} GROUP BY ?function ORDER BY ?label ?function"""

# Qualified coverages with their characteristic, plus shortcut-only coverages without one.
COVERAGE_QUERY = prologue() + """
SELECT DISTINCT ?journey ?journeyLabel ?stage ?stageLabel ?position ?characteristic
       ?characteristicLabel
WHERE {
  { ?coverage cv:coveringFunction ?function ; cv:coveredStage ?stage .
    OPTIONAL { ?coverage cv:characteristic ?characteristic
               OPTIONAL { ?characteristic skos:prefLabel ?characteristicLabel } } }
  UNION
  { ?function cv:coversStage ?stage .
    FILTER NOT EXISTS { ?c cv:coveringFunction ?function ; cv:coveredStage ?stage } }
  OPTIONAL { { ?journey cv:hasStage ?stage } UNION { ?stage cv:stageOf ?journey }
             OPTIONAL { ?journey rdfs:label ?journeyLabel } }
  OPTIONAL { ?stage rdfs:label ?stageLabel }
  OPTIONAL { ?stage cv:stagePosition ?position }
} ORDER BY ?journeyLabel ?journey ?position ?stageLabel ?characteristicLabel"""

# DISTINCT: a journey's stages may be stated from both sides (hasStage and stageOf).
HANDOFFS_QUERY = prologue() + """
SELECT DISTINCT ?handOff ?direction ?other ?otherLabel ?fromStage ?fromStageLabel
       ?toStage ?toStageLabel
       ?handsOver ?journey ?journeyLabel ?handOffLabel ?position
WHERE {
  { ?handOff cv:fromFunction ?function ; cv:toFunction ?other . BIND ("out" AS ?direction) }
  UNION
  { ?handOff cv:toFunction ?function ; cv:fromFunction ?other . BIND ("in" AS ?direction) }
  OPTIONAL { ?handOff cv:fromStage ?fromStage OPTIONAL { ?fromStage rdfs:label ?fromStageLabel }
             OPTIONAL { { ?journey cv:hasStage ?fromStage } UNION { ?fromStage cv:stageOf ?journey }
                        OPTIONAL { ?journey rdfs:label ?journeyLabel } } }
  OPTIONAL { ?handOff cv:toStage ?toStage OPTIONAL { ?toStage rdfs:label ?toStageLabel } }
  OPTIONAL { ?handOff cv:handsOver ?handsOver }
  OPTIONAL { ?handOff rdfs:label ?handOffLabel }
  OPTIONAL { ?other rdfs:label ?otherLabel }
  OPTIONAL { ?fromStage cv:stagePosition ?position }
} ORDER BY ?direction ?journeyLabel ?position ?otherLabel ?handOff"""

MONITORS_QUERY = prologue() + """
SELECT ?monitored ?kind (SAMPLE(?l) AS ?label) WHERE {
  ?monitored cv:monitoredBy ?function .
  OPTIONAL { ?monitored rdfs:label ?l }
  OPTIONAL { ?monitored a cv:RenewalLoop BIND ("renewal loop" AS ?loop) }
  BIND (COALESCE(?loop, "journey") AS ?kind)
} GROUP BY ?monitored ?kind ORDER BY ?kind ?label ?monitored"""

SYSTEMS_QUERY = prologue() + """
SELECT ?system (SAMPLE(?l) AS ?label) WHERE {
  ?system cv:integratesFunction ?function . OPTIONAL { ?system rdfs:label ?l }
} GROUP BY ?system ORDER BY ?label"""


@blueprint.route("/functions")
def functions() -> Response:
    missing = named_rows("missing-handoffs")
    gaps: dict[str, int] = {}
    for r in missing:  # a missing hand-off is a gap of both of its functions
        for end in ("fromFunction", "toFunction"):
            gaps[str(r[end])] = gaps.get(str(r[end]), 0) + 1
    rows = []
    for r in run_query(FUNCTIONS_QUERY).dicts():
        iri = str(r["function"])
        rows.append(item(iri, r.get("label"), "/function",
                         classification=text(r.get("classification")),
                         value_focus=text(r.get("valueFocus")),
                         stages_covered=int(r["stages"].toPython()),
                         hand_offs_out=int(r["handOffsOut"].toPython()),
                         hand_offs_in=int(r["handOffsIn"].toPython()),
                         missing_hand_offs=gaps.get(iri, 0)))
    columns = ["function", "label", "classification", "value_focus", "stages_covered",
               "hand_offs_in", "hand_offs_out", "missing_hand_offs"]
    table = [(f["iri"], f["label"], f["classification"], f["value_focus"], f["stages_covered"],
              f["hand_offs_in"], f["hand_offs_out"], f["missing_hand_offs"]) for f in rows]
    return respond("functions.html", {"functions": rows}, title="Functions",
                   table=(columns, table))


def _stages_by_journey(iri: str) -> list[dict]:
    journeys: dict[str, dict] = {}
    for r in run_query(COVERAGE_QUERY, {"function": URIRef(iri)}).dicts():
        key = str(r.get("journey", ""))
        journey = journeys.setdefault(key, {
            "journey": item(r.get("journey"), r.get("journeyLabel"), "/journey"),
            "stages": []})
        stages = journey["stages"]
        if not stages or stages[-1]["iri"] != str(r["stage"]):
            stages.append(item(r["stage"], r.get("stageLabel"),
                               position=int(r["position"].toPython()) if "position" in r
                               else None, characteristics=[]))
        if "characteristic" in r:
            stages[-1]["characteristics"].append(
                item(r["characteristic"], r.get("characteristicLabel")))
    return list(journeys.values())


def _hand_offs(iri: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {"in": [], "out": []}
    for r in run_query(HANDOFFS_QUERY, {"function": URIRef(iri)}).dicts():
        found[str(r["direction"])].append({
            **item(r["handOff"], r.get("handOffLabel")),
            "function": item(r["other"], r.get("otherLabel"), "/function"),
            "from_stage": item(r.get("fromStage"), r.get("fromStageLabel")),
            "to_stage": item(r.get("toStage"), r.get("toStageLabel")),
            "journey": item(r.get("journey"), r.get("journeyLabel"), "/journey"),
            "hands_over": text(r.get("handsOver")),
        })
    return found


def _gaps(iri: str) -> dict[str, object]:
    missing = [
        {"journey": item(r.get("journey"), r.get("journeyLabel"), "/journey"),
         "from_function": item(r["fromFunction"], r.get("fromFunctionLabel"), "/function"),
         "from_stage": item(r["fromStage"], r.get("fromStageLabel")),
         "to_function": item(r["toFunction"], r.get("toFunctionLabel"), "/function"),
         "to_stage": item(r["toStage"], r.get("toStageLabel")),
         "role": "from" if str(r["fromFunction"]) == iri else "to"}
        for r in named_rows("missing-handoffs")
        if iri in (str(r["fromFunction"]), str(r["toFunction"]))]
    inconsistent = [
        {**item(r["handOff"], r.get("handOffLabel")),
         "from_function": item(r["fromFunction"], r.get("fromFunctionLabel"), "/function"),
         "from_stage": item(r["fromStage"], r.get("fromStageLabel")),
         "from_covered": bool(r["fromCovered"].toPython()),
         "to_function": item(r["toFunction"], r.get("toFunctionLabel"), "/function"),
         "to_stage": item(r["toStage"], r.get("toStageLabel")),
         "to_covered": bool(r["toCovered"].toPython())}
        for r in named_rows("inconsistent-handoffs")
        if iri in (str(r["fromFunction"]), str(r["toFunction"]))]
    inside_out = [r for r in named_rows("inside-out") if str(r["item"]) == iri]
    return {
        "missing_hand_offs": missing,
        "inconsistent_hand_offs": inconsistent,
        "inside_out": bool(inside_out),
        "declared_orientation": (text(inside_out[0].get("declaredOrientationLabel"))
                                 if inside_out else None),
    }


@blueprint.route("/function")
def function() -> Response:
    iri = requested_iri()
    if iri is None:
        return not_found("function", None, "Give the IRI of a function as ?iri=; "
                         "the list of all functions is at /functions.")
    exists, values = describe(iri)
    if not exists:
        return not_found("function", iri, "Nothing in the knowledge graph has this IRI.")
    if CV + "Function" not in {str(o) for o, _ in values.get(PREFIXES["rdf"] + "type", [])}:
        return not_found("function", iri, "This IRI is in the graph, but it is not a function "
                         "(cv:Function).", known=True)
    bound = {"function": URIRef(iri)}
    monitors = run_query(MONITORS_QUERY, bound).dicts()
    velcro = [
        {"segment": item(r.get("segment"), r.get("segmentLabel")),
         "customer_unit": item(r["customerUnit"], r.get("customerUnitLabel")),
         "level": text(r.get("levelLabel")),
         "correspondence": item(r.get("correspondence"))}
        for r in named_rows("velcro-correspondences") if str(r.get("ourUnit")) == iri]
    data: dict[str, object] = {
        "iri": iri,
        "label": label_of(values, iri),
        "description": first(values, PREFIXES["rdfs"] + "comment"),
        "classification": items(values, PREFIXES["org"] + "classification"),
        "value_focus": items(values, CV + "valueFocus"),
        "orientation": items(values, CV + "orientation"),
        "organisation_level": items(values, CV + "organisationLevel"),
        "stages": _stages_by_journey(iri),
        "hand_offs": _hand_offs(iri),
        "gaps": _gaps(iri),
        "monitors": [item(r["monitored"], r.get("label"),
                          "/journey" if str(r["kind"]) == "journey" else "/resource",
                          kind=str(r["kind"])) for r in monitors],
        "velcro": velcro,
        "systems": [item(r["system"], r.get("label"), "/system")
                    for r in run_query(SYSTEMS_QUERY, bound).dicts()],
        "resource": page_url("/resource", iri),
    }
    return respond("function.html", data, title=str(data["label"]))
